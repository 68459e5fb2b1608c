#!/usr/bin/env bash
# Set up, index the seed article and answer the example question, offline on the CPU.
# The demo has an index of its own, ./quotebot-index (or QUOTEBOT_INDEX), so that the seed article never
# lands in your own index (by default ~/.local/share/quotebot/index); at the end it prints the command
# that asks the demo's index again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
export HF_HUB_OFFLINE=1
export QUOTEBOT_INDEX="${QUOTEBOT_INDEX:-$PWD/quotebot-index}"
.venv/bin/quotebot index seeds/
.venv/bin/quotebot ask "${1:-who supported the Deir Ezzor offensive?}"
quotebot=$(printf %q "$PWD/.venv/bin/quotebot")
echo
echo "Next: ask the demo's index another question (it is not your default index):"
printf '  %s ask --index %q "your question"\n' "$quotebot" "$QUOTEBOT_INDEX"
echo "Your own news goes in the default index: $quotebot index ~/news/ && $quotebot ask \"your question\""
