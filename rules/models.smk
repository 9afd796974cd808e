# Base models: any catalogue model of the scale, as an ordinary transformers folder.


rule base_model:
    output:
        model=directory("results/base_models/{model}"),
    log:
        "logs/base_model/{model}.log",
    conda:
        "../envs/rualign.yaml"
    threads: 2
    resources:
        **RUALIGN.resources("base_model"),
    params:
        spec=lambda w: RUALIGN.json(RUALIGN.model_spec(w.model)),
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/materialize_model.py --spec {params.spec:q} --out {output.model:q} "
        "--threads {threads} {params.trust:q} > {log:q} 2>&1"
