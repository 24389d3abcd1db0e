#!/usr/bin/env bash
# Create .venv and install alice-tui into it. Usage: scripts/setup.sh [dev]
# Torch is never pinned: on a Mac or a CUDA box pip picks the right build of `torch>=2.4`.
# On Linux without an NVIDIA GPU the default PyPI wheel is a multi-GB CUDA build, so we take
# the CPU build instead: a wheel already provided on this machine (pip's find-links), else
# PyTorch's CPU index.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extra=${1:-}

[ -x .venv/bin/python ] || "$PY" -m venv .venv
pip() { .venv/bin/python -m pip "$@"; }
pip install -q --upgrade pip

if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  if [ "$(uname -s)" = "Linux" ] && ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "setup: Linux without a GPU -> CPU build of torch"
    # --no-deps: the local wheel dir holds torch alone; its own needs come from PyPI below.
    pip install -q --no-index --no-deps "torch>=2.4" 2>/dev/null \
      || pip install -q --retries 1 "torch>=2.4" --index-url https://download.pytorch.org/whl/cpu
  fi
fi

if [ "$extra" = "dev" ]; then
  pip install -q -e ".[dev]"
else
  pip install -q -e .
fi
echo "setup: done ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
