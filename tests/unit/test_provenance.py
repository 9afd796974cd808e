"""Provenance: a step's input hashes."""

from rualign import provenance
from rualign.io import sha256_path


def test_an_input_is_hashed_once_per_process(tmp_path, monkeypatch):
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"weights")
    calls = []
    monkeypatch.setattr(provenance, "sha256_path", lambda p: calls.append(p) or sha256_path(p))
    blocks = [provenance.Provenance("generate", inputs={"model": model}).block() for _ in range(3)]
    assert {b["inputs"]["model"]["sha256"] for b in blocks} == {sha256_path(model)}
    assert len(calls) == 1
