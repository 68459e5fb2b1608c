#!/usr/bin/env bash
# Create .venv and install quotebot with its test tools; re-runs are quick when nothing changed.
# torch is pinned and installed first: left to the resolver, a bare "torch" pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.quotebot-installed
want=$(cat pyproject.toml scripts/venv.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet "torch==2.13.0"
    .venv/bin/python -m pip install --quiet -e ".[test,milvus]"
    echo "$want" > "$stamp"
fi
