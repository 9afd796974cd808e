import json

import pytest

from rualign.io import DataError, RualignError
from rualign.sources import load_rows


def test_hub_code_path_reads_a_local_dataset_folder(tmp_path):
    """The paper-scale loader (datasets.load_dataset with name/split/revision) on an offline folder."""
    folder = tmp_path / "LIBRA"
    folder.mkdir()
    rows = [{"length": "4k", "context": "к", "input": "в?", "positive_outputs": ["о"]}]
    (folder / "test.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    assert load_rows({"hub": str(folder), "split": "test"}, tmp_path) == rows


def test_missing_hub_dataset_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(RualignError, match="cannot load hub dataset no-org/no-such-dataset"):
        load_rows({"hub": "no-org/no-such-dataset", "name": "x", "split": "test", "revision": "abc"}, tmp_path)


def test_path_checksum_is_verified(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": 1}\n')
    assert load_rows({"path": "a.jsonl"}, tmp_path) == [{"id": 1}]
    with pytest.raises(DataError, match="the config expects"):
        load_rows({"path": "a.jsonl", "sha256": "0" * 64}, tmp_path)


def test_json_list_and_dict_files(tmp_path):
    (tmp_path / "list.json").write_text('[{"instruction": "q"}]')
    (tmp_path / "dict.json").write_text('{"p1": {"title": "t"}}')
    assert load_rows({"path": "list.json"}, tmp_path) == [{"instruction": "q"}]
    assert load_rows({"path": "dict.json"}, tmp_path) == [{"id": "p1", "title": "t"}]


def test_hub_config_list_is_concatenated_with_subjects(tmp_path):
    folder = tmp_path / "mmlu"
    for subject in ("anatomy", "virology"):
        (folder / subject).mkdir(parents=True)
        (folder / subject / "test.jsonl").write_text(json.dumps({"question": subject, "answer": 1}) + "\n")
    # Hub repos declare their configs in the README's YAML header; so does this offline copy.
    configs = "".join(
        f"- config_name: {s}\n  data_files:\n  - split: test\n    path: {s}/test.jsonl\n"
        for s in ("anatomy", "virology")
    )
    (folder / "README.md").write_text(f"---\nconfigs:\n{configs}---\n")
    rows = load_rows({"hub": str(folder), "name": ["anatomy", "virology"], "split": "test"}, tmp_path)
    assert [(r["subject"], r["question"]) for r in rows] == [("anatomy", "anatomy"), ("virology", "virology")]
