"""The attribution line under a quote (index.ranking.attributed) on PolNeAR, run by hand.

  python bench/quote_attribution.py                 # ../shared/attribution/polnear/dev.jsonl
  python bench/quote_attribution.py --split train

Chunks every article as indexing does (``chunk_text``, default settings), runs the rules once per chunk (with
and without their cue-less deeds) and treats each gold sentence of each chunk as a highlighted sentence. A
source is shown when ``chunk_attribution`` names one; it is right when it (the pronoun, for a resolved "he")
overlaps the gold source of an attribution of that sentence (one whose cue lies in it, or whose content covers
at least half of it). Prints, per setting: sentences with a gold source, sources shown, their precision, and
the rules' time per chunk (one core, the best of three passes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.attribution import attributions  # noqa: E402
from index.ingest.chunking import chunk_text  # noqa: E402
from index.ranking.attributed import chunk_attribution  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribution import polnear  # noqa: E402


def _overlap(x: list[int], a: int, b: int) -> int:
    return max(0, min(x[1], b) - max(x[0], a))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    args = ap.parse_args()
    _, articles = polnear(args.split)
    chunks = [(art, c) for art in articles for c in chunk_text(art["id"], art["text"])]
    print(f"{args.split}: {len(articles)} articles, {len(chunks)} chunks")
    print(f"{'rules':<10} {'gold-sourced':>12} {'shown':>6} {'precision':>9} {'ms/chunk':>8}")
    for deeds in (False, True):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            found = [attributions(c.text, deeds=deeds, model=False) for _, c in chunks]
            best = min(best, time.perf_counter() - t0)
        sourced = shown = right = 0
        for (art, c), fc in zip(chunks, found):
            for s, e in art["sentences"]:
                if s < c.start or e > c.end:
                    continue
                gold = [g for g in art["attributions"]
                        if any(_overlap(x, s, e) for x in g["cue"])
                        or 2 * sum(_overlap(x, s, e) for x in g["content"]) >= e - s]
                sourced += any(g["source"] for g in gold)
                shownp = chunk_attribution(c.text, (s - c.start, e - c.start), c.start, fc)
                if shownp is None or shownp.source is None:
                    continue
                shown += 1
                at = shownp.pronoun or shownp.source
                right += any(_overlap(x, at.start, at.end) for g in gold for x in g["source"])
        name = "+ deeds" if deeds else "cues only"
        print(f"{name:<10} {sourced:>12} {shown:>6} {right / max(1, shown):>9.3f} {1000 * best / len(chunks):>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
