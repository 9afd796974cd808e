# rualign: reproduce "instruction tuning of LLMs for Russian" (tables 4-11) end to end.
# Config: config.yaml over the scale preset config/scales/<scale>.yaml, validated on load.

from rualign.workflow import Workflow, report_notice

# A malformed config.yaml stops with file:line:column (Snakemake's loader names no line).
Workflow.check_syntax("config.yaml")


configfile: "config.yaml"


RUALIGN = Workflow.from_snakemake(config, workflow.basedir)
CFG = RUALIGN.config
# Rules run `python` and `accelerate` of the environment Snakemake runs in, whatever the caller's PATH
# (under --sdm conda, those of the rule's conda env).
shell.prefix(RUALIGN.shell_prefix(workflow.deployment_settings.deployment_method))


wildcard_constraints:
    experiment=RUALIGN.alternatives(CFG["experiments"]),
    benchmark=RUALIGN.alternatives(CFG["benchmarks"]),
    libra_or_flores=RUALIGN.alternatives(RUALIGN.text_scored_benchmarks),
    table=RUALIGN.alternatives(CFG["tables"]),
    model=RUALIGN.alternatives(CFG["models"]),
    reference=RUALIGN.alternatives(RUALIGN.generated_references),
    dataset=RUALIGN.alternatives(CFG["datasets"]),
    recipe=RUALIGN.alternatives(CFG["data_recipes"]),
    percent=r"[1-9][0-9]?|100",


include: "rules/models.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/generate.smk"
include: "rules/evaluate.smk"
include: "rules/tables.smk"
include: "rules/checks.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        "results/tables/all",


onsuccess:
    notice = report_notice()
    if notice:
        print(notice)
