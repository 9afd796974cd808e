# Base models: any catalogue model of the scale, as an ordinary transformers folder.


rule base_model:
    output:
        model=directory("results/base_models/{model}"),
    log:
        "logs/base_model/{model}.log",
    conda:
        "../envs/rualign.yaml"
    threads: RUALIGN.threads("base_model")
    resources:
        **RUALIGN.resources("base_model"),
    params:
        spec=lambda w: RUALIGN.model_spec(w.model),
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/materialize_model.py"
