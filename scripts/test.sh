#!/usr/bin/env bash
# Set up, check and run the whole test suite (real-model end-to-end tests included). Zero tests is a failure.
# Before pytest: ruff (style and mistakes), lint-imports (the package layers, pyproject's [tool.importlinter]) and
# mypy (types of index/); each runs, and any that fails is named and fails the run before the tests start.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh || exit 1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

failed=()
check() {
    local name=$1
    shift
    echo "== $name: $*"
    "$@" || failed+=("$name ($*)")
}
check ruff .venv/bin/ruff check --output-format concise .
check import-linter .venv/bin/lint-imports
check mypy .venv/bin/mypy index
if [ "${#failed[@]}" -gt 0 ]; then
    for f in "${failed[@]}"; do
        echo "error: check failed: $f" >&2
    done
    exit 1
fi

.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
