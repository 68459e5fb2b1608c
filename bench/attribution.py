"""Attribution (index.attribution) on PolNeAR, scored by the shared scorer (run by hand).

  python bench/attribution.py                 # ../shared/attribution/polnear/dev.jsonl
  python bench/attribution.py --split train   # the split the rules were written on

Runs index.attribution over every article of the split three times (the default: the tagger combined with
the rules; the rules alone with their cue-less deeds; the rules with cues only, as quotes use them), writes
each run to bench/out/attribution-<split>[-rules|-nodeeds].jsonl, scores it with
../shared/attribution/score.py (its --json figures beside it) and prints one table with the issue's
targets, then the time per article of the default (extraction only; the best of three passes, one core). The cue lexicon
partly comes from bench/mine_cues.py (train only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.attribution import attributions  # noqa: E402

SHARED = ROOT.parent / "shared" / "attribution"
OUT = ROOT / "bench" / "out"
# (metric, target, reference: the regex baseline on dev as the shared README gives it)
ROWS = [
    ("sentence_source_exact", ">= 0.70", "0.20"),
    ("detection_precision", ">= 0.85", "0.93"),
    ("detection_recall", ">= 0.75", "0.35"),
    ("detection_f1", "", "0.51"),
    ("source_exact", "", "0.60"),
    ("cue_match", "", "0.90"),
    ("full_f1", ">= 0.60", "0.29"),
    ("sentence_precision", "", "0.97"),
    ("sentence_recall", "", "0.34"),
]


def polnear(split: str) -> tuple[Path, list[dict[str, Any]]]:
    """The split's gold file and its articles (text and hand-made attributions); exits with status 2 and a
    line when the shared data is missing."""
    path = SHARED / "polnear" / f"{split}.jsonl"
    if not path.exists():
        print(f"no {path}: the shared data sits beside the checkout", file=sys.stderr)
        raise SystemExit(2)
    with path.open(encoding="utf-8") as f:
        return path, [json.loads(line) for line in f if line.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    args = ap.parse_args()
    gold_path, articles = polnear(args.split)
    OUT.mkdir(parents=True, exist_ok=True)
    scores = {}
    for name, deeds, model, suffix in (("tagger + rules (default)", True, True, ""),
                                       ("rules + deeds", True, False, "-rules"),
                                       ("rules, cues only", False, False, "-nodeeds")):
        run_path = OUT / f"attribution-{args.split}{suffix}.jsonl"
        with run_path.open("w", encoding="utf-8") as f:
            for art in articles:
                found = attributions(art["text"], deeds=deeds, model=model)
                f.write(json.dumps({"id": art["id"], "attributions": [a.to_dict() for a in found]}) + "\n")
        metrics_path = run_path.with_suffix(".scores.json")
        cmd = [sys.executable, str(SHARED / "score.py"), "--gold", str(gold_path), "--run", str(run_path),
               "--json", str(metrics_path)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        scores[name] = json.loads(metrics_path.read_text())
        print(f"$ {' '.join(Path(c).name if c == sys.executable else c for c in cmd)}")
    names = list(scores)
    print(f"\nPolNeAR {args.split}: {len(articles)} articles, "
          f"{scores[names[0]]['gold_attributions']} gold attributions")
    print(f"| metric | target | regex (dev) | {' | '.join(names)} |")
    print("|---|---|---|" + "---|" * len(names))
    for key, target, regex in ROWS:
        print(f"| {key} | {target} | {regex} | " + " | ".join(f"{scores[n][key]:.3f}" for n in names) + " |")
    print("| predicted attributions | | | " + " | ".join(str(scores[n]["pred_attributions"]) for n in names) + " |")
    per_article = []
    for art in articles:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            attributions(art["text"])
            best = min(best, time.perf_counter() - t0)
        per_article.append(best * 1000)
    chars = statistics.mean(len(a["text"]) for a in articles)
    print(f"\ntime per article (default, {chars:,.0f} characters on average): "
          f"mean {statistics.mean(per_article):.2f} ms, median {statistics.median(per_article):.2f} ms, "
          f"max {max(per_article):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
