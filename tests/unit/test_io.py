import json

import pytest

from rualign.io import DataError, JsonlCache, atomic_path, read_jsonl, sha256_path, write_jsonl_atomic


def test_read_jsonl_names_file_and_line_of_broken_json(tmp_path):
    path = tmp_path / "bench.jsonl"
    path.write_text('{"id": "1"}\n{"id": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bench\.jsonl:2: not valid JSON"):
        read_jsonl(path)


def test_read_jsonl_rejects_non_utf8_with_line(tmp_path):
    path = tmp_path / "bench.jsonl"
    path.write_bytes(b'{"id": "1"}\n{"id": "\xff"}\n')
    with pytest.raises(DataError, match=r":2: not valid UTF-8"):
        read_jsonl(path)


def test_read_jsonl_checks_required_fields_and_types(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": "a", "score": 8}\n{"id": "b", "score": "8"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"rows\.jsonl:2: field 'score' must be int, got str"):
        read_jsonl(path, required={"id": str, "score": int})
    with pytest.raises(DataError, match=r":1: missing field 'text'"):
        read_jsonl(path, required={"text": str})


def test_read_jsonl_bool_is_not_an_int(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"answer": true}\n', encoding="utf-8")
    with pytest.raises(DataError, match="must be int, got bool"):
        read_jsonl(path, required={"answer": int})


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise RuntimeError("killed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_folder(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "old").write_text("x")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new").write_text("y")
    assert sorted(p.name for p in target.iterdir()) == ["new"]


def test_write_jsonl_is_byte_deterministic(tmp_path):
    rows = [{"b": 1, "a": "ж"}, {"a": 2}]
    write_jsonl_atomic(tmp_path / "1.jsonl", rows)
    write_jsonl_atomic(tmp_path / "2.jsonl", [dict(reversed(list(r.items()))) for r in rows])
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "2.jsonl").read_bytes()
    assert "ж" in (tmp_path / "1.jsonl").read_text(encoding="utf-8")


def test_jsonl_cache_resumes_and_drops_torn_tail(tmp_path):
    path = tmp_path / "cache.jsonl"
    cache = JsonlCache(path)
    cache.add({"id": "q1", "output": "a"})
    cache.add({"id": "q2", "output": "b"})
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"id": "q3", "outp')  # killed mid-write
    resumed = JsonlCache(path)
    assert set(resumed.rows) == {"q1", "q2"}
    resumed.add({"id": "q3", "output": "c"})
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["q1", "q2", "q3"]


def test_sha256_path_of_folder_changes_with_content(tmp_path):
    (tmp_path / "a.txt").write_text("1")
    before = sha256_path(tmp_path)
    (tmp_path / "a.txt").write_text("2")
    assert sha256_path(tmp_path) != before
