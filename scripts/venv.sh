#!/usr/bin/env bash
# Create .venv and install quotebot with its test tools; re-runs are quick when nothing changed.
# torch is pinned and installed first, the CPU build: left to the resolver, a bare "torch" (and on Linux
# even the pinned one from PyPI) pulls a multi-GB CUDA build. On Linux it comes from the PyTorch CPU wheel
# index, and from the configured index (pip's own settings) when that index can't be reached; macOS wheels
# on PyPI are CPU builds already.
# Environment: PYTHON (the Python making .venv, 3.11 or newer; default python3), PIP (the pip command,
# default ".venv/bin/python -m pip"), TORCH_INDEX (default the PyTorch CPU wheel index).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH="torch==2.13.0"
TORCH_INDEX=${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}

# One line, before anything is made, when the Python is missing or older than 3.11.
need_python() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "error: Quotebot needs Python 3.11 or newer, and '$1' was not found: set PYTHON=python3.11 (or newer)" >&2
        exit 1
    fi
    if ! "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then
        local version
        version=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo "unknown")
        echo "error: Quotebot needs Python 3.11 or newer; $1 is Python $version: set PYTHON=python3.11 (or newer)$2" >&2
        exit 1
    fi
}

if [ ! -x .venv/bin/python ]; then
    need_python "$PYTHON" ""
    "$PYTHON" -m venv .venv
fi
need_python .venv/bin/python " and remove .venv, which was made with it"
# shellcheck disable=SC2206  # a command and its arguments, split at spaces
PIP=(${PIP:-.venv/bin/python -m pip})

install_torch() {
    if [ "$(uname -s)" = Darwin ]; then
        "${PIP[@]}" install --quiet "$TORCH"
        return
    fi
    # A short timeout and no retries: where the CPU index can't be reached, set-up goes on in seconds.
    if "${PIP[@]}" install --quiet --timeout 10 --retries 0 --index-url "$TORCH_INDEX" "$TORCH"; then
        return
    fi
    echo "note: $TORCH could not be installed from the PyTorch CPU wheel index ($TORCH_INDEX);" \
         "installing it from the configured package index (on Linux, PyPI's torch is the larger CUDA build)" >&2
    "${PIP[@]}" install --quiet "$TORCH"
}

sha256() {  # macOS has shasum, not sha256sum
    if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi
}

stamp=.venv/.quotebot-installed
want=$(cat pyproject.toml scripts/venv.sh | sha256 | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "${PIP[@]}" install --quiet --upgrade pip
    install_torch
    "${PIP[@]}" install --quiet -e ".[test,milvus]"
    echo "$want" > "$stamp"
fi
