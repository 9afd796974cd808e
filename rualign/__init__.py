"""rualign: reproducible instruction tuning of LLMs for Russian (library behind the Snakemake workflow)."""

__version__ = "0.1.0"
