# LaTeX tables: reproduced values beside the thesis's published ones.


rule table:
    input:
        scores=lambda w: RUALIGN.table_scores(w.table),
        published=CFG["published_numbers"],
    output:
        tex="results/tables/{table}.tex",
        provenance="results/tables/{table}.provenance.json",
    log:
        "logs/table/{table}.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    params:
        spec=lambda w: RUALIGN.table_spec(w.table),
    script:
        "../scripts/make_table.py"


rule all_tables:
    # The main target: every configured table and the report, indexed with sha256.
    input:
        tables=expand("results/tables/{table}.tex", table=CFG["tables"]),
        report=["results/report/report.tex", "results/report/report.html"],
    output:
        index="results/tables/all",
    log:
        "logs/table/all.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    shell:
        "python scripts/make_table.py --index {input.tables:q} {input.report:q} --out {output.index:q} > {log:q} 2>&1"


rule unknown_table:
    input:
        RUALIGN.unknown_table,
    output:
        "results/tables/{unknown}.tex",
    log:
        "logs/table/{unknown}.log",
    # Catches results/tables/<name>.tex for a name that config.yaml does not declare.
    wildcard_constraints:
        unknown=RUALIGN.other_than(CFG["tables"]),
    localrule: True
    conda:
        "../envs/rualign.yaml"
    shell:
        "echo unreachable > {log:q}"
