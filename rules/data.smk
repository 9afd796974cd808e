# Benchmark items: each benchmark's source (repo file, hub revision or URL) normalised to JSONL.


rule prepare_benchmark:
    input:
        unpack(RUALIGN.benchmark_inputs),
    output:
        benchmark_items="results/benchmarks/{benchmark}.jsonl",
        provenance="results/benchmarks/{benchmark}.provenance.json",
    log:
        "logs/prepare_benchmark/{benchmark}.log",
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        spec=lambda w: RUALIGN.json(CFG["benchmarks"][w.benchmark]),
        seed=CFG["seed"],
        tokenizer=lambda w, input: (
            f"--tokenizer-dir {input.tokenizer}" if "tokenizer" in input.keys() else ""
        ),
    shell:
        "python scripts/prepare_benchmark.py --benchmark {wildcards.benchmark} "
        "--spec {params.spec:q} --seed {params.seed} --out {output.benchmark_items} "
        "{params.tokenizer} > {log} 2>&1"
