"""One lock for both scales: requirements.txt (CPU, the tested set) and requirements-gpu.txt (vLLM CUDA build,
bitsandbytes) must install together with the same torch, transformers, trl, peft and accelerate.

The resolver test asks PyPI (pip install --dry-run --report, nothing installed); CI sets RUALIGN_LOCK_TEST=1
so that it cannot be skipped there.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("torch", "transformers", "trl", "peft", "accelerate")


def pins(name: str) -> dict[str, str]:
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", line)
            assert match, f"{name}: not an exact pin: {line!r}"
            out[match.group(1).lower().replace("_", "-")] = match.group(2)
    return out


def test_every_requirement_is_an_exact_pin():
    for name in ("requirements.txt", "requirements-gpu.txt", "requirements-models.txt"):
        assert pins(name), name
    assert set(SHARED) <= set(pins("requirements.txt"))
    assert "vllm" in pins("requirements-gpu.txt") and "bitsandbytes" in pins("requirements-gpu.txt")


@pytest.mark.skipif(os.environ.get("RUALIGN_LOCK_TEST") != "1", reason="asks PyPI; set RUALIGN_LOCK_TEST=1 (CI does)")
def test_gpu_stack_resolves_with_the_cpu_lock(tmp_path):
    report = tmp_path / "report.json"
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    result = subprocess.run(
        [*pip, "--report", str(report), "-r", "requirements.txt", "-r", "requirements-gpu.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    resolved = {
        item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    wanted = pins("requirements.txt") | pins("requirements-gpu.txt")
    for name in (*SHARED, "vllm", "bitsandbytes"):
        # torch's CPU wheel carries a local label (2.13.0+cpu); the pin has none, as vLLM's requirement
        assert resolved[name].split("+")[0] == wanted[name], (name, resolved[name], wanted[name])
