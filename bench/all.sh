#!/usr/bin/env bash
# Every benchmark figure in one run (about two hours on 2 cores; the 1M-vector step needs about 7 GB):
# the three eval sets with their baselines and "nothing found" curves, realtimeqa without asking times and
# without the re-ranker, both validation folds with their ablations, int8 indexing, and scale.
# Output goes to the terminal and to bench/out/all-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
log="bench/out/all-$(date +%Y%m%d-%H%M).txt"
py=.venv/bin/python
{
    for set in squad realtimeqa squad2-dev; do $py bench/run.py --set "$set" --rebuild; echo; done
    $py bench/run.py --set realtimeqa --no-asked-at --no-cold --holdout-every 0; echo
    $py bench/run.py --set realtimeqa --no-rerank --no-cold --holdout-every 0; echo
    $py bench/folds.py; echo
    for set in squad realtimeqa; do $py bench/run.py --set "$set" --quantize --rebuild --no-cold --holdout-every 0; echo; done
    $py bench/scale.py ask
    $py bench/scale.py vectors
} 2>&1 | tee "$log"
