# The thesis-style report (results/report/): LaTeX + HTML always, PDF where pdflatex exists,
# figures, and per-table HTML for `snakemake --report`. Templates and captions live in report/.


report: "../report/workflow.rst"


rule report:
    input:
        tables=expand(
            "results/tables/{table}.tex",
            table=CFG["report"]["tables"] or CFG["tables"],
        ),
        published=CFG["published_numbers"],
        checks=RUALIGN.pipeline_checks_input,
        templates=[
            "report/report.tex.j2",
            "report/report.html.j2",
            "report/table.html.j2",
            "report/errata.yaml",
        ],
    output:
        tex="results/report/report.tex",
        html=report(
            "results/report/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
        figures=report(
            directory("results/report/figures"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
        tables=report(
            directory("results/report/tables"),
            patterns=["{name}.html"],
            caption="../report/tables.rst",
            category="Tables",
        ),
        provenance="results/report/report.provenance.json",
    log:
        "logs/report/report.log",
    localrule: True
    conda:
        "../envs/rualign.yaml"
    resources:
        **RUALIGN.resources("cpu"),
    params:
        config=CFG,
        pdf=str(CFG["report"]["pdf"]).lower(),
    script:
        "../scripts/make_report.py"
