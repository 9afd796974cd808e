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
        launcher=lambda w: RUALIGN.train_launcher(w.experiment),
        device=CFG["compute"]["device"],
        seed=CFG["seed"],
        trust=RUALIGN.trust_flag,
    shell:
        "{params.launcher} scripts/train.py --experiment {wildcards.experiment} --stage {params.stage} "
        "--args {params.args:q} --lora {params.lora:q} --parent-model {input.parent_model} "
        "--train {input.train} --validation {input.validation} --out {output.adapter} "
        "--checkpoint-dir results/checkpoints/{wildcards.experiment} --seed {params.seed} "
        "--device {params.device} --threads {threads} {params.trust} > {log} 2>&1"


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
        "python scripts/merge_adapter.py --experiment {wildcards.experiment} "
        "--description {params.description:q} --parent-model {input.parent_model} "
        "--adapter {input.adapter} --dtype {params.dtype} --out {output.model} "
        "--threads {threads} {params.trust} > {log} 2>&1"
