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
        spec=lambda w: RUALIGN.json(CFG["benchmarks"][w.benchmark]),
        seed=CFG["seed"],
        tokenizer=RUALIGN.input_flag("--tokenizer-dir", "tokenizer"),
    shell:
        "python scripts/prepare_benchmark.py --benchmark {wildcards.benchmark:q} "
        "--spec {params.spec:q} --seed {params.seed:q} --out {output.benchmark_items:q} "
        "{params.tokenizer:q} > {log:q} 2>&1"


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
        spec=lambda w: RUALIGN.json(RUALIGN.dataset_spec(w.dataset)),
        on_bad_row=CFG["on_bad_row"],
    shell:
        "python scripts/train_data.py normalise --dataset {wildcards.dataset:q} --spec {params.spec:q} "
        "--on-bad-row {params.on_bad_row:q} --out {output.rows:q} --stats {output.stats:q} > {log:q} 2>&1"


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
    threads: 2
    resources:
        **RUALIGN.resources("judge"),
    params:
        judge=RUALIGN.json(CFG["judge"]),
        compute=RUALIGN.json(CFG["compute"]),
        judge_model=RUALIGN.input_flag("--judge-model-dir", "judge_model"),
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/train_data.py judge --rows {input.rows:q} --judge {params.judge:q} "
        "--compute {params.compute:q} {params.judge_model:q} --out {output.scores:q} "
        "--cache-dir results/cache/judge_dataset --threads {threads} {params.trust:q} > {log:q} 2>&1"


rule generate_rejected:
    # Self-generated rejected answers (thesis table 11): the chosen answer stays, the rejected one
    # is the generator experiment's sample at the recipe's temperature/top_p; resumable.
    input:
        unpack(RUALIGN.selfgen_inputs),
    output:
        rows="results/data/selfgen/{recipe}.jsonl",
    log:
        "logs/generate_rejected/{recipe}.log",
    wildcard_constraints:
        recipe=RUALIGN.alternatives(RUALIGN.selfgen_recipes),
    conda:
        "../envs/rualign.yaml"
    threads: 2
    resources:
        **RUALIGN.resources("generate"),
    params:
        generator=lambda w: RUALIGN.json(RUALIGN.selfgen_generator(w.recipe)),
        compute=RUALIGN.json(CFG["compute"]),
        seed=CFG["seed"],
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/train_data.py selfgen --rows {input.rows:q} --model-dir {input.model:q} "
        "--generator {params.generator:q} --compute {params.compute:q} --seed {params.seed:q} "
        "--out {output.rows:q} --cache-dir results/cache/selfgen --threads {threads} {params.trust:q} "
        "> {log:q} 2>&1"


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
        spec=lambda w: RUALIGN.json(RUALIGN.recipe(w.recipe)),
        dataset_spec=lambda w: RUALIGN.json(
            RUALIGN.dataset_spec(RUALIGN.recipe(w.recipe)["dataset"])
        ),
        scores=RUALIGN.input_flag("--scores", "scores"),
        seed=CFG["seed"],
    shell:
        "python scripts/train_data.py recipe --recipe {wildcards.recipe:q} --spec {params.spec:q} "
        "--dataset-spec {params.dataset_spec:q} --rows {input.rows:q} "
        "--normalise-stats {input.normalise_stats:q} {params.scores:q} --tokenizer-dir {input.tokenizer:q} "
        "--seed {params.seed:q} --train {output.train:q} --validation {output.validation:q} "
        "--stats {output.stats:q} > {log:q} 2>&1"


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
    shell:
        "python scripts/train_data.py fraction --train {input.train:q} --percent {wildcards.percent:q} "
        "--out {output.train:q} > {log:q} 2>&1"
