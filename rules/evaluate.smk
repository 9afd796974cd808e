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
    threads: RUALIGN.threads("judge")
    resources:
        **RUALIGN.resources("judge"),
    params:
        references=sorted(RUALIGN.generated_references),  # input reference<i> holds the i-th one's answers
        judge=CFG["judge"],
        compute=CFG["compute"],
        cache_dir="results/cache/judge",
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/judge_arena.py"


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
        evaluation=CFG["evaluation"],
        seed=CFG["seed"],
    script:
        "../scripts/score_arena.py"


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
        spec=lambda w: CFG["benchmarks"][w.libra_or_flores],
        evaluation=CFG["evaluation"],
        seed=CFG["seed"],
    script:
        "../scripts/score_text.py"


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
