#!/usr/bin/env bash
# Set up and run the whole test suite (real-model end-to-end tests included). Zero tests is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh || exit 1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
