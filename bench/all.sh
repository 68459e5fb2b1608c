#!/usr/bin/env bash
# Every benchmark figure in one run (about an hour on 2 cores; the 1M-vector step needs about 7 GB):
# the three eval sets with their baselines and "nothing found" curves, int8 indexing, ablations, and scale.
# Output goes to the terminal and to bench/out/all-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
log="bench/out/all-$(date +%Y%m%d-%H%M).txt"
py=.venv/bin/python
{
    for set in squad realtimeqa squad2-dev; do $py bench/run.py --set "$set" --rebuild; echo; done
    for set in squad realtimeqa; do $py bench/run.py --set "$set" --quantize --rebuild --no-cold --holdout-every 0; echo; done
    for set in squad realtimeqa; do $py bench/ablate.py --set "$set"; echo; done
    $py bench/scale.py ask
    $py bench/scale.py vectors
} 2>&1 | tee "$log"
