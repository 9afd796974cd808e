import pytest

from rualign.generation import SamplingParams, TransformersBackend, render_chat, truncate_middle, truncate_prompt
from rualign.io import RualignError


def test_truncate_middle_keeps_both_ends():
    assert truncate_middle(list(range(10)), 4) == [0, 1, 8, 9]
    assert truncate_middle(list(range(10)), 0) == list(range(10))
    assert truncate_middle([1, 2], 5) == [1, 2]


def test_truncate_prompt_cuts_from_the_left_by_default():
    assert truncate_prompt(list(range(10)), 4) == [6, 7, 8, 9]  # llmtf: truncation_side left
    assert truncate_prompt(list(range(10)), 4, "middle") == [0, 1, 8, 9]
    assert truncate_prompt(list(range(10)), 0) == list(range(10))
    with pytest.raises(RualignError, match="truncation side"):
        truncate_prompt([1], 1, "right")


@pytest.fixture(scope="module")
def backend(tiny_model_dir):
    return TransformersBackend(tiny_model_dir, batch_size=3)


def test_batched_greedy_equals_one_by_one(backend):
    prompts = render_chat(
        backend.tokenizer,
        [
            [{"role": "user", "content": q}]
            for q in ["Столица России?", "Сколько будет два плюс два?", "Привет! Как дела у тебя сегодня?"]
        ],
    )
    params = SamplingParams(max_new_tokens=12)
    batched = backend.generate(prompts, params)
    single = [backend.generate([p], params)[0] for p in prompts]
    assert [r["output"] for r in batched] == [r["output"] for r in single]
    assert all(0 < r["n_tokens"] <= 12 for r in batched)


def test_next_token_logprobs_are_log_probabilities(backend):
    prompts = render_chat(backend.tokenizer, [[{"role": "user", "content": "A, B, C или D?"}]])
    (scores,) = backend.next_token_logprobs(prompts, ["A", "B", "C", "D"])
    assert len(scores) == 4 and all(s <= 0 for s in scores)
    assert len(set(scores)) > 1


def test_candidates_sharing_a_first_token_are_refused(backend):
    with pytest.raises(RualignError, match="share a first token"):
        backend.next_token_logprobs(["x"], ["Да", "Да!"])


def test_render_chat_appends_the_assistant_prefix(backend):
    messages = [[{"role": "user", "content": "Кто лучше?"}]]
    plain = render_chat(backend.tokenizer, messages)
    prefixed = render_chat(backend.tokenizer, messages, assistant_prefix='[{"model_name": "')
    assert prefixed == [plain[0] + '[{"model_name": "']


def test_sampling_is_seeded_and_uses_top_k_and_repetition_penalty(backend):
    prompts = render_chat(backend.tokenizer, [[{"role": "user", "content": "Расскажи о море."}]] * 2)
    thesis = SamplingParams(max_new_tokens=10, temperature=0.3, top_p=0.9, top_k=40, repetition_penalty=1.1, seed=5)
    first = backend.generate(prompts, thesis)
    assert [r["output"] for r in first] == [r["output"] for r in backend.generate(prompts, thesis)]
    # top_k=1 is greedy whatever the temperature; a strong repetition penalty changes greedy output
    greedy = backend.generate(prompts[:1], SamplingParams(max_new_tokens=10))[0]["output"]
    assert (
        backend.generate(prompts[:1], SamplingParams(max_new_tokens=10, temperature=1.0, top_k=1))[0]["output"]
        == greedy
    )
    penalised = backend.generate(prompts[:1], SamplingParams(max_new_tokens=10, repetition_penalty=5.0))[0]["output"]
    assert penalised != greedy


def test_render_chat_drops_the_default_system_turn_and_appends_the_prefix(backend):
    tok = backend.tokenizer
    user = [{"role": "user", "content": "Вопрос?"}]
    (plain,) = render_chat(tok, [user], system_turn="model_default")
    (thesis,) = render_chat(tok, [user])
    assert "You are a helpful AI assistant named SmolLM" in plain  # SmolLM2's template inserts it
    assert thesis == "<|im_start|>user\nВопрос?<|im_end|>\n<|im_start|>assistant\n"
    assert plain.endswith(thesis)
    (prefixed,) = render_chat(tok, [user], assistant_prefix="Ответ:")
    assert prefixed == thesis + "Ответ:"
    # an explicit system message is rendered as given
    (system,) = render_chat(tok, [[{"role": "system", "content": "S"}, *user]])
    assert system.startswith("<|im_start|>system\nS<|im_end|>")
    with pytest.raises(RualignError, match="system_turn"):
        render_chat(tok, [user], system_turn="default")


def test_long_prompts_of_unlike_length_are_batched_apart_short_ones_together(backend, monkeypatch):
    monkeypatch.setattr(backend, "batch_size", 8)

    def groups(lengths, new_tokens):
        encoded = [[1] * n for n in lengths]
        return [sorted(idx) for idx in backend._groups(encoded, new_tokens)]

    # LIBRA-like: padding 1357 -> 2012 would cost 1310 pad tokens, more than 16 decode passes
    assert groups([2012, 1357, 2012, 1357], 16) == [[1, 3], [0, 2]]
    # FLORES-like: 427 pad tokens cost less than a second batch's 48 decode passes
    assert groups([118, 241, 180, 322], 48) == [[0, 1, 2, 3]]
    assert groups([5] * 10, 1) == [list(range(8)), [8, 9]]  # batch_size still caps a batch


def test_a_shared_prompt_prefix_computed_once_gives_the_same_log_probabilities(backend):
    instructions = "Оцени ответы двух моделей и выбери лучший. " * 12  # judge-like: long shared instructions
    questions = ["Столица России?", "Сколько будет два плюс два? Ответь одним числом.", "Привет!", "Что такое LoRA?"]
    prompts = render_chat(backend.tokenizer, [[{"role": "user", "content": instructions + q}] for q in questions])
    encoded = backend._encode(prompts, 0)
    assert backend._shared_prefix(encoded) > backend.forward_pass_tokens  # the cached path is taken
    together = backend.next_token_logprobs(prompts, [" A", " B", "m"])
    alone = [backend.next_token_logprobs([p], [" A", " B", "m"])[0] for p in prompts]  # no shared prefix
    for row, expected in zip(together, alone, strict=True):
        assert row == pytest.approx(expected, abs=1e-4)
    assert backend._shared_prefix(encoded[:1]) == 0 and backend._shared_prefix([[1, 2], [3, 4]]) == 0


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path):
    from rualign.generation import cpu_has_native_bf16

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n")
    assert cpu_has_native_bf16(cpuinfo)
    cpuinfo.write_text("flags\t\t: fpu avx2 fma avx512f\n")  # AVX-512 alone emulates bf16
    assert not cpu_has_native_bf16(cpuinfo)
    assert not cpu_has_native_bf16(tmp_path / "missing")
