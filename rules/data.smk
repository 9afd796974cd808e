# Benchmark items: each benchmark's source (repo file, hub revision or URL) normalised to JSONL.


rule prepare_benchmark:
    input:
        unpack(RUALIGN.benchmark_inputs),
    output:
        benchmark_items="results/benchmarks/{benchmark}.jsonl",
        provenance="results/benchmarks/{benchmark}.provenance.json",
    log:
        "logs/prepare_benchmark/{benchmark}.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        spec=lambda w: CFG["benchmarks"][w.benchmark],
        seed=CFG["seed"],
    script:
        "../scripts/prepare_benchmark.py"


# Training data: raw dataset -> common chat format -> (LLM-judge scores) -> recipe -> fraction.


rule normalise_dataset:
    input:
        unpack(RUALIGN.dataset_inputs),
    output:
        rows="results/data/normalised/{dataset}.jsonl",
        stats="results/data/normalised/{dataset}.stats.json",
    log:
        "logs/normalise_dataset/{dataset}.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        spec=lambda w: RUALIGN.dataset_spec(w.dataset),
        on_bad_row=CFG["on_bad_row"],
    script:
        "../scripts/normalise_dataset.py"


rule judge_dataset:
    # Quality score 1-5 per example from the judge model (thesis: Qwen2.5-72B-Instruct); resumable.
    input:
        rows="results/data/normalised/{dataset}.jsonl",
        judge_model=RUALIGN.judge_model_dir() or [],
    output:
        scores="results/data/judged/{dataset}.jsonl",
    log:
        "logs/judge_dataset/{dataset}.log",
    wildcard_constraints:
        dataset=RUALIGN.alternatives(RUALIGN.judged_datasets),
    conda:
        "../envs/rualign.yaml"
    threads: RUALIGN.threads("judge")
    resources:
        **RUALIGN.resources("judge"),
    params:
        judge=CFG["judge"],
        compute=CFG["compute"],
        cache_dir="results/cache/judge_dataset",
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/judge_dataset.py"


rule generate_rejected:
    # Self-generated rejected answers (thesis table 11): the chosen answer stays, the rejected one
    # is the generator experiment's sample at the recipe's temperature/top_p; resumable.
    input:
        unpack(RUALIGN.generate_rejected_inputs),
    output:
        rows="results/data/generate_rejected/{recipe}.jsonl",
    log:
        "logs/generate_rejected/{recipe}.log",
    wildcard_constraints:
        recipe=RUALIGN.alternatives(RUALIGN.generate_rejected_recipes),
    conda:
        "../envs/rualign.yaml"
    threads: RUALIGN.threads("generate")
    resources:
        **RUALIGN.resources("generate"),
    params:
        generator=lambda w: RUALIGN.rejected_generator(w.recipe),
        compute=CFG["compute"],
        seed=CFG["seed"],
        cache_dir="results/cache/generate_rejected",
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/generate_rejected.py"


rule prepare_recipe:
    input:
        unpack(RUALIGN.recipe_inputs),
    output:
        train="results/data/{recipe}/train.jsonl",
        validation="results/data/{recipe}/validation.jsonl",
        stats="results/data/{recipe}/stats.json",
    log:
        "logs/prepare_recipe/{recipe}.log",
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        spec=lambda w: RUALIGN.recipe(w.recipe),
        dataset_spec=lambda w: RUALIGN.dataset_spec(RUALIGN.recipe(w.recipe)["dataset"]),
        seed=CFG["seed"],
    script:
        "../scripts/prepare_recipe.py"


rule take_fraction:
    # The first p % of the recipe's seeded order: fractions nest (60 % lies inside 80 %).
    input:
        train="results/data/{recipe}/train.jsonl",
    output:
        train="results/data/{recipe}/train_{percent}pct.jsonl",
    log:
        "logs/take_fraction/{recipe}_{percent}.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    script:
        "../scripts/take_fraction.py"
