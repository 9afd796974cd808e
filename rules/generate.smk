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
    threads: 2
    resources:
        **RUALIGN.resources("generate"),
    params:
        generation_specs=RUALIGN.json(RUALIGN.generation_specs),
        mmlu_specs=RUALIGN.json(RUALIGN.mmlu_specs),
        compute=RUALIGN.json(CFG["compute"]),
        evaluation=RUALIGN.json(CFG["evaluation"]),
        seed=CFG["seed"],
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/evaluate_model.py --experiment {wildcards.experiment:q} --model-dir {input.model:q} "
        "--items-dir results/benchmarks --answers-dir results/generations/{wildcards.experiment:q} "
        "--scores-dir results/scores/{wildcards.experiment:q} "
        "--generation-specs {params.generation_specs:q} --mmlu-specs {params.mmlu_specs:q} "
        "--compute {params.compute:q} --evaluation {params.evaluation:q} --seed {params.seed:q} "
        "--cache-dir results/cache --threads {threads} {params.trust:q} > {log:q} 2>&1"


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
    threads: 2
    resources:
        **RUALIGN.resources("generate"),
    params:
        spec=RUALIGN.json(RUALIGN.generation_spec("ru_arena_hard")),
        compute=RUALIGN.json(CFG["compute"]),
        seed=CFG["seed"],
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/generate.py --benchmark ru_arena_hard --items {input.benchmark_items:q} "
        "--model-dir {input.model:q} --spec {params.spec:q} --compute {params.compute:q} "
        "--seed {params.seed:q} --out {output.answers:q} --cache-dir results/cache/generate "
        "--threads {threads} {params.trust:q} > {log:q} 2>&1"
