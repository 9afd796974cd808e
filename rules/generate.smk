# Model evaluation: answers to the generative benchmarks and the MMLU scores (vLLM on GPU, transformers
# otherwise), and generated reference answers.


rule evaluate_model:
    # One job per model: the model is loaded once for every benchmark (each keeps its own cache, seeds
    # and batches, so its outputs are those of a job of its own).
    input:
        benchmark_items=expand(
            "results/benchmarks/{benchmark}.jsonl",
            benchmark=RUALIGN.generative_benchmarks + RUALIGN.mmlu_benchmarks,
        ),
        model=lambda w: RUALIGN.model_dir(w.experiment),
    output:
        answers=expand(
            "results/generations/{{experiment}}/{benchmark}.jsonl",
            benchmark=RUALIGN.generative_benchmarks,
        ),
        answers_provenance=expand(
            "results/generations/{{experiment}}/{benchmark}.provenance.json",
            benchmark=RUALIGN.generative_benchmarks,
        ),
        mmlu_scores=expand(
            "results/scores/{{experiment}}/{benchmark}.json",
            benchmark=RUALIGN.mmlu_benchmarks,
        ),
        mmlu_items=expand(
            "results/scores/{{experiment}}/{benchmark}.items.jsonl",
            benchmark=RUALIGN.mmlu_benchmarks,
        ),
    log:
        "logs/evaluate_model/{experiment}.log",
    conda:
        "../envs/rualign.yaml"
    threads: RUALIGN.threads("generate")
    resources:
        **RUALIGN.resources("generate"),
    params:
        generation_specs=RUALIGN.generation_specs,
        mmlu_specs=RUALIGN.mmlu_specs,
        compute=CFG["compute"],
        evaluation=CFG["evaluation"],
        seed=CFG["seed"],
        cache_dir="results/cache",
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/evaluate_model.py"


rule generate_reference:
    # Reference answers that are not published (the thesis's Qwen2.5-32B-Instruct) are generated.
    input:
        benchmark_items="results/benchmarks/ru_arena_hard.jsonl",
        model=lambda w: RUALIGN.reference_model_dir(w.reference),
    output:
        answers="results/references/{reference}/ru_arena_hard.jsonl",
        provenance="results/references/{reference}/ru_arena_hard.provenance.json",
    log:
        "logs/generate_reference/{reference}.log",
    conda:
        "../envs/rualign.yaml"
    threads: RUALIGN.threads("generate")
    resources:
        **RUALIGN.resources("generate"),
    params:
        benchmark="ru_arena_hard",
        spec=RUALIGN.generation_spec("ru_arena_hard"),
        compute=CFG["compute"],
        seed=CFG["seed"],
        cache_dir="results/cache/generate",
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/generate.py"
