# Training: one LoRA stage per experiment on top of its parent's model, then a merged model.


rule training_recipe:
    # The trl/peft settings of one stage as a plain YAML file: what scripts/train.py reads, and what a
    # user can edit and train from by hand.
    output:
        recipe="results/recipes/{experiment}.yaml",
    log:
        "logs/training_recipe/{experiment}.log",
    wildcard_constraints:
        experiment=RUALIGN.alternatives(RUALIGN.trained_experiments),
    localrule: True
    conda:
        "../envs/rualign.yaml"
    params:
        recipe=lambda w: RUALIGN.training_recipe(w.experiment),
    script:
        "../scripts/training_recipe.py"


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
    threads: RUALIGN.threads("train")
    resources:
        **RUALIGN.resources("train"),
    # a shell command, not script:, so that accelerate can launch several processes
    params:
        launcher=RUALIGN.train_launcher(),
    shell:
        "{params.launcher:q} scripts/train.py --recipe {input.recipe:q} --parent-model {input.parent_model:q} "
        "--train {input.train:q} --validation {input.validation:q} --out {output.adapter:q} "
        "--checkpoint-dir results/checkpoints/{wildcards.experiment:q} --threads {threads} > {log:q} 2>&1"


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
    threads: RUALIGN.threads("merge")
    resources:
        **RUALIGN.resources("merge"),
    params:
        description=lambda w: CFG["experiments"][w.experiment]["description"],
        dtype=CFG["training"]["runtime"]["merge_dtype"],
        trust_remote_code=CFG["trust_remote_code"],
    script:
        "../scripts/merge_adapter.py"
