# Training: one LoRA stage per experiment on top of its parent's model, then a merged model.


rule train:
    input:
        unpack(RUALIGN.train_inputs),
    output:
        adapter=directory("results/adapters/{experiment}"),
    log:
        "logs/train/{experiment}.log",
    wildcard_constraints:
        experiment=RUALIGN.alternatives(RUALIGN.trained_experiments),
    conda:
        "../envs/rualign.yaml"
    threads: 2
    resources:
        **RUALIGN.resources("train"),
    params:
        stage=lambda w: RUALIGN.stage_type(w.experiment),
        args=lambda w: RUALIGN.json(RUALIGN.train_args(w.experiment)),
        lora=lambda w: RUALIGN.json(RUALIGN.train_lora(w.experiment)),
        launcher=RUALIGN.train_launcher(),
        device=CFG["compute"]["device"],
        seed=CFG["seed"],
        trust=RUALIGN.trust_flag,
    shell:
        "{params.launcher:q} scripts/train.py --experiment {wildcards.experiment:q} --stage {params.stage:q} "
        "--args {params.args:q} --lora {params.lora:q} --parent-model {input.parent_model:q} "
        "--train {input.train:q} --validation {input.validation:q} --out {output.adapter:q} "
        "--checkpoint-dir results/checkpoints/{wildcards.experiment:q} --seed {params.seed:q} "
        "--device {params.device:q} --threads {threads} {params.trust:q} > {log:q} 2>&1"


rule merge_adapter:
    input:
        parent_model=lambda w: RUALIGN.parent_model_dir(w.experiment),
        adapter="results/adapters/{experiment}",
    output:
        model=directory("results/models/{experiment}"),
    log:
        "logs/merge_adapter/{experiment}.log",
    wildcard_constraints:
        experiment=RUALIGN.alternatives(RUALIGN.trained_experiments),
    conda:
        "../envs/rualign.yaml"
    threads: 2
    resources:
        **RUALIGN.resources("merge"),
    params:
        description=lambda w: CFG["experiments"][w.experiment]["description"],
        dtype=CFG["training"]["runtime"]["merge_dtype"],
        trust=RUALIGN.trust_flag,
    shell:
        "python scripts/merge_adapter.py --experiment {wildcards.experiment:q} "
        "--description {params.description:q} --parent-model {input.parent_model:q} "
        "--adapter {input.adapter:q} --dtype {params.dtype:q} --out {output.model:q} "
        "--threads {threads} {params.trust:q} > {log:q} 2>&1"
