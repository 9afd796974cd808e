import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """The default embedded model, materialised once per test session (about a minute)."""
    import yaml

    from rualign.modeling import materialize

    preset = yaml.safe_load((ROOT / "config/scales/tiny.yaml").read_text(encoding="utf-8"))
    out = tmp_path_factory.mktemp("models") / preset["base_model"]
    materialize(preset["models"][preset["base_model"]], out)
    return out
