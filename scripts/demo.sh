#!/usr/bin/env bash
# Set up, index the seed article and answer the example question, offline on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
export HF_HUB_OFFLINE=1
export QUOTEBOT_INDEX="${QUOTEBOT_INDEX:-$PWD/quotebot-index}"
.venv/bin/quotebot index seeds/
.venv/bin/quotebot ask "${1:-who supported the Deir Ezzor offensive?}"
