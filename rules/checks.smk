# Pipeline checks: experiments whose effect is known in advance (`canary:`), each evaluated with what it
# is compared with on the checks' own items of the canary metric's benchmark (rualign/checks.py).


rule check_benchmark:
    input:
        unpack(RUALIGN.benchmark_inputs),
    output:
        benchmark_items="results/checks/benchmarks/{benchmark}.jsonl",
        provenance="results/checks/benchmarks/{benchmark}.provenance.json",
    log:
        "logs/check_benchmark/{benchmark}.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        spec=lambda w: {
            **CFG["benchmarks"][w.benchmark],
            "limit": CFG["checks"]["limit"],
        },
        seed=CFG["seed"],
    script:
        "../scripts/prepare_benchmark.py"


rule check_score:
    input:
        benchmark_items="results/checks/benchmarks/{benchmark}.jsonl",
        model=lambda w: RUALIGN.model_dir(w.experiment),
    output:
        answers="results/checks/generations/{experiment}/{benchmark}.jsonl",
        answers_provenance="results/checks/generations/{experiment}/{benchmark}.provenance.json",
        score="results/checks/scores/{experiment}/{benchmark}.json",
        per_item="results/checks/scores/{experiment}/{benchmark}.items.jsonl",
    log:
        "logs/check_score/{experiment}/{benchmark}.log",
    wildcard_constraints:
        benchmark=RUALIGN.alternatives(RUALIGN.check_benchmarks),
    conda:
        "../envs/rualign.yaml"
    threads: RUALIGN.threads("generate")
    resources:
        **RUALIGN.resources("generate"),
    params:
        generation_spec=lambda w: RUALIGN.generation_spec(w.benchmark),
        spec=lambda w: CFG["benchmarks"][w.benchmark],
        compute=CFG["compute"],
        evaluation=CFG["evaluation"],
        seed=CFG["seed"],
        cache_dir="results/cache",
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/check_score.py"


rule pipeline_checks:
    input:
        scores=RUALIGN.check_scores,
    output:
        checks="results/checks/pipeline_checks.json",
    log:
        "logs/pipeline_checks.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        experiments=CFG["experiments"],
    script:
        "../scripts/pipeline_checks.py"
