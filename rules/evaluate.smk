# Scores: one JSON per (experiment, benchmark) with value, n, 95 % CI, per-item file, provenance (MMLU's
# come from evaluate_model, which holds the model).


rule judge_arena:
    input:
        unpack(RUALIGN.judge_inputs),
    output:
        judgments="results/judgments/{experiment}/ru_arena_hard.jsonl",
        provenance="results/judgments/{experiment}/ru_arena_hard.provenance.json",
    log:
        "logs/judge_arena/{experiment}.log",
    conda:
        "../envs/rualign.yaml"
    threads: 2
    resources:
        **RUALIGN.resources("judge"),
    params:
        judge=RUALIGN.json(CFG["judge"]),
        compute=RUALIGN.json(CFG["compute"]),
        references=RUALIGN.generated_reference_args,
        judge_model=RUALIGN.input_flag("--judge-model-dir", "judge_model"),
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/judge_arena.py --items {input.benchmark_items:q} --answers {input.answers:q} "
        "{params.references:q} --judge {params.judge:q} --compute {params.compute:q} "
        "{params.judge_model:q} --out {output.judgments:q} "
        "--cache-dir results/cache/judge --threads {threads} {params.trust:q} > {log:q} 2>&1"


rule score_arena:
    input:
        judgments="results/judgments/{experiment}/ru_arena_hard.jsonl",
        answers="results/generations/{experiment}/ru_arena_hard.jsonl",
    output:
        score="results/scores/{experiment}/ru_arena_hard.json",
        per_item="results/scores/{experiment}/ru_arena_hard.items.jsonl",
    log:
        "logs/score/{experiment}/ru_arena_hard.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        evaluation=RUALIGN.json(CFG["evaluation"]),
        seed=CFG["seed"],
    shell:
        "python scripts/score.py --experiment {wildcards.experiment:q} --benchmark ru_arena_hard "
        "--judgments {input.judgments:q} --generations {input.answers:q} "
        "--evaluation {params.evaluation:q} --seed {params.seed:q} --out {output.score:q} > {log:q} 2>&1"


rule score_text:
    # LIBRA (EM/F1 as llmtf_open or LIBRA) and FLORES (ROUGE-1/2) from generated answers.
    input:
        benchmark_items="results/benchmarks/{libra_or_flores}.jsonl",
        answers="results/generations/{experiment}/{libra_or_flores}.jsonl",
    output:
        score="results/scores/{experiment}/{libra_or_flores}.json",
        per_item="results/scores/{experiment}/{libra_or_flores}.items.jsonl",
    log:
        "logs/score/{experiment}/{libra_or_flores}.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        spec=lambda w: RUALIGN.json(CFG["benchmarks"][w.libra_or_flores]),
        evaluation=RUALIGN.json(CFG["evaluation"]),
        seed=CFG["seed"],
    shell:
        "python scripts/score.py --experiment {wildcards.experiment:q} "
        "--benchmark {wildcards.libra_or_flores:q} --items {input.benchmark_items:q} "
        "--generations {input.answers:q} --spec {params.spec:q} "
        "--evaluation {params.evaluation:q} --seed {params.seed:q} --out {output.score:q} > {log:q} 2>&1"


rule unknown_experiment:
    # Catches results/scores/<name>/... for a name that is not an experiment of the config.
    input:
        RUALIGN.unknown_name("unknown", "experiments"),
    output:
        "results/scores/{unknown}/{anything}.json",
    log:
        "logs/score/unknown/{unknown}_{anything}.log",
    wildcard_constraints:
        unknown=RUALIGN.other_than(CFG["experiments"], followed_by="/"),
    localrule: True
    conda:
        "../envs/rualign.yaml"
    shell:
        "echo unreachable > {log:q}"


rule unknown_benchmark:
    # Catches results/scores/<experiment>/<name>.json for a name that is not a benchmark.
    input:
        RUALIGN.unknown_name("unknown", "benchmarks"),
    output:
        "results/scores/{experiment}/{unknown}.json",
    log:
        "logs/score/{experiment}/unknown_{unknown}.log",
    wildcard_constraints:
        unknown=RUALIGN.other_than(CFG["benchmarks"]),
    localrule: True
    conda:
        "../envs/rualign.yaml"
    shell:
        "echo unreachable > {log:q}"
