"""The OpenAI-compatible judge backend against a local stand-in server on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from rualign.judge import run_judge

SECRET = "sk-test-not-a-real-key"


class FakeJudgeServer(BaseHTTPRequestHandler):
    seen_auth: list[str] = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeJudgeServer.seen_auth.append(self.headers.get("Authorization", ""))
        user = body["messages"][-1]["content"]
        # Prefer whichever side holds the model's answer "МОДЕЛЬ", except say nothing parseable once.
        a_part = user.split("<|Начало ответа ассистента B|>")[0]
        verdict = "[[A>B]]" if "МОДЕЛЬ" in a_part else "[[B>A]]"
        if "вопрос 2" in user and "МОДЕЛЬ" in a_part:
            verdict = "не могу решить"
        payload = json.dumps({"choices": [{"message": {"content": f"Рассуждение. Мой вердикт: {verdict}"}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), FakeJudgeServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_openai_judge_end_to_end(tmp_path, server, monkeypatch):
    monkeypatch.setenv("RUALIGN_TEST_KEY", SECRET)
    items = tmp_path / "items.jsonl"
    answers = tmp_path / "answers.jsonl"
    rows = [{"id": str(i), "prompt": f"вопрос {i}", "references": {"ref": f"ответ {i}"}} for i in (1, 2)]
    items.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    answers.write_text(
        "".join(json.dumps({"id": str(i), "output": "МОДЕЛЬ", "n_tokens": 3}) + "\n" for i in (1, 2)), encoding="utf-8"
    )
    judge_cfg = {
        "backend": "openai",
        "model": "judge",
        "mode": "generate",
        "base_url": server,
        "api_key_env": "RUALIGN_TEST_KEY",
        "max_new_tokens": 64,
        "max_concurrency": 2,
        "timeout_s": 10,
        "max_answer_tokens": 0,
        "tensor_parallel_size": 1,
    }
    out = tmp_path / "judgments.jsonl"
    run_judge(items, answers, {}, judge_cfg, {}, None, out, tmp_path / "cache")
    judged = {r["key"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert judged["1|ref|1"]["outcome"] == "win" and judged["1|ref|2"]["outcome"] == "win"
    assert judged["2|ref|1"]["outcome"] == "win" and judged["2|ref|2"]["outcome"] == "invalid"
    assert set(FakeJudgeServer.seen_auth) == {f"Bearer {SECRET}"}
    provenance = (tmp_path / "judgments.provenance.json").read_text(encoding="utf-8")
    assert SECRET not in provenance and SECRET not in out.read_text(encoding="utf-8")

    # A rerun resumes from the cache: no request reaches the server.
    FakeJudgeServer.seen_auth.clear()
    run_judge(items, answers, {}, judge_cfg, {}, None, out, tmp_path / "cache")
    assert FakeJudgeServer.seen_auth == []
