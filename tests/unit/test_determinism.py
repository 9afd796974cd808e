"""The same config gives byte-identical data files."""

import json

from rualign.evaluate import prepare_benchmark
from tests.workflow_helpers import ROOT


def test_prepared_items_are_byte_identical_across_runs(tmp_path):
    spec = {"data": {"path": "data/mmlu/ru/standin_ru_mcq.jsonl"}, "language": "ru", "limit": 20}
    prepare_benchmark("rummlu", spec, ROOT, 1234, tmp_path / "a.jsonl")
    prepare_benchmark("rummlu", spec, ROOT, 1234, tmp_path / "b.jsonl")
    prepare_benchmark("rummlu", spec, ROOT, 99, tmp_path / "c.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl").read_bytes() != (tmp_path / "c.jsonl").read_bytes()
    provenance = json.loads((tmp_path / "a.provenance.json").read_text())
    assert provenance["inputs"]["data"]["sha256"] and provenance["seed"] == 1234
