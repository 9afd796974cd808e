"""The OpenAI-compatible judge backend against a local stand-in server on loopback."""

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from rualign.io import RualignError
from rualign.judge import OpenAIJudge, run_judge

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
        "arena_protocol": "arena_hard_ru",
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


class LlmtfServer(BaseHTTPRequestHandler):
    """A vLLM-like server for the llmtf protocol; `faults` (shared) scripts misbehaviour per request."""

    faults: list[str] = []
    bodies: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        LlmtfServer.bodies.append(body)
        fault = LlmtfServer.faults.pop(0) if LlmtfServer.faults else "ok"
        if fault == "drop":  # close without an answer: the client sees RemoteDisconnected
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if fault == "400":
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"message": "prompt too long"}')
            return
        if fault == "503":
            self.send_response(503)
            self.end_headers()
            return
        if fault == "empty":
            return self._send({"choices": []})
        if fault == "nologprobs":
            return self._send({"choices": [{"message": {"content": "m"}}]})
        if fault == "null":
            return self._send({"choices": [{"message": {"content": None}}]})
        user = body["messages"][1]["content"]
        # The model's answer "МОДЕЛЬ" is preferred: label m when it is listed first.
        model_is_m = user.index("МОДЕЛЬ") < user.index('"model": "M"')
        top = [
            {"token": "m", "logprob": math.log(0.8 if model_is_m else 0.15)},
            {"token": "M", "logprob": math.log(0.8 if not model_is_m else 0.15)},
        ]
        choice = {"message": {"content": "m"}, "logprobs": {"content": [{"token": "m", "top_logprobs": top}]}}
        self._send({"choices": [choice]})

    def _send(self, payload):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def llmtf_server():
    LlmtfServer.faults, LlmtfServer.bodies = [], []
    httpd = HTTPServer(("127.0.0.1", 0), LlmtfServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def _arena_inputs(tmp_path, n=2):
    items, answers = tmp_path / "items.jsonl", tmp_path / "answers.jsonl"
    rows = [{"id": str(i), "prompt": f"вопрос {i}", "references": {"ref": f"ответ {i}"}} for i in range(n)]
    items.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    answers.write_text(
        "".join(json.dumps({"id": str(i), "output": "МОДЕЛЬ", "n_tokens": 3}) + "\n" for i in range(n)),
        encoding="utf-8",
    )
    return items, answers


def _llmtf_cfg(url):
    return {
        "backend": "openai",
        "model": "judge",
        "arena_protocol": "llmtf",
        "mode": "generate",
        "base_url": url,
        "api_key_env": "RUALIGN_UNSET_KEY",
        "max_new_tokens": 64,
        "max_concurrency": 1,
        "timeout_s": 10,
        "max_retries": 3,
        "top_logprobs": 20,
        "max_answer_tokens": 0,
        "tensor_parallel_size": 1,
    }


def test_llmtf_endpoint_request_and_label_probabilities(tmp_path, llmtf_server, monkeypatch):
    monkeypatch.setattr("rualign.judge.time.sleep", lambda s: None)
    items, answers = _arena_inputs(tmp_path, 1)
    out = tmp_path / "j.jsonl"
    run_judge(items, answers, {}, _llmtf_cfg(llmtf_server), {}, None, out, tmp_path / "cache")
    body = LlmtfServer.bodies[0]
    assert body["max_tokens"] == 1 and body["logprobs"] is True and body["top_logprobs"] == 20
    assert body["continue_final_message"] is True and body["add_generation_prompt"] is False
    assert body["messages"][-1] == {"role": "assistant", "content": '[\n    {"rank\': 1, "model_name": "'}
    rows = {r["game"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert rows[2]["model_first"] and rows[2]["p"] == pytest.approx(0.8) and rows[2]["outcome"] == "win"
    assert (
        not rows[1]["model_first"]
        and rows[1]["p"] == pytest.approx(0.8)
        and rows[1]["p_reference"] == pytest.approx(0.15)
    )


def test_transient_faults_are_retried(tmp_path, llmtf_server, monkeypatch):
    monkeypatch.setattr("rualign.judge.time.sleep", lambda s: None)
    items, answers = _arena_inputs(tmp_path, 1)
    LlmtfServer.faults = ["drop", "503"]  # first game: dropped connection, then 5xx, then fine
    out = tmp_path / "j.jsonl"
    run_judge(items, answers, {}, _llmtf_cfg(llmtf_server), {}, None, out, tmp_path / "cache")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert len(LlmtfServer.bodies) == 4  # 2 retries + 2 games


@pytest.mark.parametrize(("fault", "message"), [("empty", "no choices"), ("nologprobs", "top_logprobs")])
def test_unusable_replies_are_not_cached_and_rerun_retries_them(
    tmp_path, llmtf_server, monkeypatch, fault, message, caplog
):
    monkeypatch.setattr("rualign.judge.time.sleep", lambda s: None)
    items, answers = _arena_inputs(tmp_path, 1)
    LlmtfServer.faults = [fault]
    out = tmp_path / "j.jsonl"
    with pytest.raises(RualignError, match=f"1 of 2 judgment.*not cached.*{message}"):
        run_judge(items, answers, {}, _llmtf_cfg(llmtf_server), {}, None, out, tmp_path / "cache")
    assert not out.exists()
    LlmtfServer.bodies.clear()
    with caplog.at_level("INFO", logger="rualign.judge"):
        run_judge(items, answers, {}, _llmtf_cfg(llmtf_server), {}, None, out, tmp_path / "cache")
    assert len(LlmtfServer.bodies) == 1  # only the game without a usable reply is asked again
    assert "1 of them without a usable reply in an earlier run" in caplog.text


def test_content_null_is_one_clear_error(llmtf_server, monkeypatch):
    monkeypatch.setattr("rualign.judge.time.sleep", lambda s: None)
    LlmtfServer.faults = ["null"]
    judge = OpenAIJudge(llmtf_server, "judge", "RUALIGN_UNSET_KEY", 8, 1, 5)
    with pytest.raises(RualignError, match="message.content None"):
        judge._complete([{"role": "user", "content": "x"}])


def test_endpoint_down_stops_after_the_retries(tmp_path, monkeypatch):
    monkeypatch.setattr("rualign.judge.time.sleep", lambda s: None)
    items, answers = _arena_inputs(tmp_path, 2)
    with pytest.raises(RualignError, match="4 of 4 judgment.*after 3 attempts"):
        run_judge(items, answers, {}, _llmtf_cfg("http://127.0.0.1:9/v1"), {}, None, tmp_path / "j", tmp_path / "c")


def test_timeout_must_be_positive():
    with pytest.raises(RualignError, match="timeout_s"):
        OpenAIJudge("http://127.0.0.1:9/v1", "judge", "X", 8, 1, 0)


def test_a_client_error_fails_that_game_without_retries(tmp_path, llmtf_server, monkeypatch):
    monkeypatch.setattr("rualign.judge.time.sleep", lambda s: None)
    items, answers = _arena_inputs(tmp_path, 1)
    LlmtfServer.faults = ["400"]
    with pytest.raises(RualignError, match="1 of 2 judgment.*HTTP 400.*prompt too long"):
        run_judge(items, answers, {}, _llmtf_cfg(llmtf_server), {}, None, tmp_path / "j", tmp_path / "c")
    assert len(LlmtfServer.bodies) == 2  # no retry of the 400; the other game was judged and cached


def test_data_judge_sends_max_concurrency_requests_at_a_time(tmp_path, monkeypatch):
    import threading

    from rualign import data_judge

    lock, active, peak = threading.Lock(), [0], [0]

    def complete(self, messages):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return f"Ответ хороший. Оценка: {len(messages[1]['content']) % 5 + 1}"

    monkeypatch.setattr(OpenAIJudge, "_complete", complete)
    rows = [{"id": f"r{i}", "messages": [{"role": "user", "content": "вопрос " * i}]} for i in range(8)]
    rows_path = tmp_path / "rows.jsonl"
    rows_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    config = {**_llmtf_cfg("http://127.0.0.1:9/v1"), "max_concurrency": 4}
    scored = data_judge.score_rows(rows, rows_path, config, {}, None, tmp_path / "cache")
    assert [row["id"] for row in scored] == [row["id"] for row in rows]  # in row order, whatever the reply order
    expected = [len(data_judge.judge_prompt(r["messages"], "generate")[1]["content"]) % 5 + 1 for r in rows]
    assert [row["score"] for row in scored] == expected
    assert peak[0] == 4
