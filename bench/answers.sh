#!/usr/bin/env bash
# Every answer on the shared eval sets, for comparing two revisions byte for byte (run by hand):
#   bench/answers.sh OUT [REPO]     # REPO: a checkout to run (default: this one), e.g. a `git worktree`
#   diff -r OUT-before OUT-after    # or: cmp OUT-before/realtimeqa.questions.jsonl OUT-after/...
# Indexes each set's corpus.jsonl into OUT/idx-<set>, then `quotebot ask --batch --json` on its questions
# (and squad2-dev's unanswerable ones) into OUT/<set>.<file>.jsonl. The answers hold no timings.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
repo=$(cd "${2:-$here}" && pwd)
eval_dir="$here/../shared/eval"
py="$here/.venv/bin/python"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 XDG_CACHE_HOME="$out/cache"
cd "$repo"  # the checkout's own packages come first on sys.path
run() { "$py" -c 'import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))' "$@"; }
for set in squad realtimeqa squad2-dev; do
    run index "$eval_dir/$set/corpus.jsonl" --index "$out/idx-$set" > "$out/$set.index.log" 2>&1
    for file in questions unanswerable; do
        [ -f "$eval_dir/$set/$file.jsonl" ] || continue
        run ask --batch "$eval_dir/$set/$file.jsonl" --json --index "$out/idx-$set" > "$out/$set.$file.jsonl"
    done
done
wc -l "$out"/*.jsonl
