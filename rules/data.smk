# Benchmark items: each benchmark's source (repo file, hub revision or URL) normalised to JSONL.


rule prepare_benchmark:
    input:
        unpack(RUALIGN.benchmark_inputs),
    output:
        items="results/benchmarks/{benchmark}.jsonl",
        provenance="results/benchmarks/{benchmark}.provenance.json",
    log:
        "logs/prepare_benchmark/{benchmark}.log",
    params:
        spec=lambda w: RUALIGN.json(CFG["benchmarks"][w.benchmark]),
        seed=CFG["seed"],
        tokenizer=lambda w, input: (
            f"--tokenizer-dir {input.tokenizer}" if "tokenizer" in input.keys() else ""
        ),
    resources:
        **RUALIGN.resources("cpu"),
    shell:
        "python scripts/prepare_benchmark.py --benchmark {wildcards.benchmark} "
        "--spec {params.spec:q} --seed {params.seed} --out {output.items} "
        "{params.tokenizer} > {log} 2>&1"
