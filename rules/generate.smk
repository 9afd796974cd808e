# Answers of a model to a generative benchmark (batched; vLLM on GPU, transformers otherwise).


rule generate:
    input:
        benchmark_items="results/benchmarks/{generative}.jsonl",
        model=lambda w: RUALIGN.model_dir(w.experiment),
    output:
        answers="results/generations/{experiment}/{generative}.jsonl",
        provenance="results/generations/{experiment}/{generative}.provenance.json",
    log:
        "logs/generate/{experiment}/{generative}.log",
    conda:
        "../envs/rualign.yaml"
    threads: 2
    resources:
        **RUALIGN.resources("generate"),
    params:
        spec=lambda w: RUALIGN.json(RUALIGN.generation_spec(w.generative)),
        compute=RUALIGN.json(CFG["compute"]),
        seed=CFG["seed"],
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/generate.py --benchmark {wildcards.generative:q} --items {input.benchmark_items:q} "
        "--model-dir {input.model:q} --spec {params.spec:q} --compute {params.compute:q} "
        "--seed {params.seed:q} --out {output.answers:q} --cache-dir results/cache/generate "
        "--threads {threads} {params.trust:q} > {log:q} 2>&1"


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
