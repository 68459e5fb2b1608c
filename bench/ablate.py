"""Ablations of the search pipeline on the index bench/run.py built (run by hand, after bench/run.py).

  python bench/ablate.py                    # ../shared/eval/squad
  python bench/ablate.py --set realtimeqa

Each row changes one thing against the default settings and scores the top 10 passages with
index.metrics (passages cut at 1,200 characters). Rows marked "floor 0" switch the relevance floor
off so the ranking is compared alone; the default row is shown both ways.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import EVAL, K, OUT, CachedEncoder, load_jsonl  # noqa: E402

from index.config import load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.highlight import focus  # noqa: E402
from index.metrics import score  # noqa: E402
from index.search import Rerank, Searcher  # noqa: E402
from index.sentences import split_sentences  # noqa: E402
from index.types import Passage  # noqa: E402


class ChunkAsRanked(Searcher):
    """Every distinct chunk quoted at its own rank, even when an earlier one highlights the same sentence."""

    def quote(self, ranked: Any, k: int) -> list[Passage]:
        out: list[Passage] = []
        for s in ranked:
            out.extend(super().quote([s], 1))
            if len(out) == k:
                break
        return out


class StartAtSentence(Searcher):
    """The previous quoting: from the highlighted sentence (or ``back`` sentences before it) forward,
    whole sentences up to max_chars, read from the article."""

    back = 0

    def quote(self, ranked: Any, k: int) -> list[Passage]:
        out: list[Passage] = []
        for p in super().quote(ranked, 3 * k):
            start = hl = p.start + p.highlight[0]
            if self.back:
                lo = max(0, hl - 600)
                spans = split_sentences(self.store.article_span(p.article_id, lo, hl - lo))
                if spans:
                    start = lo + spans[-min(self.back, len(spans))][0]
            window = self.store.article_span(p.article_id, start, self.max_chars + 1)
            text = window[: focus(window, self.max_chars)]
            if any(q.article_id == p.article_id and min(q.end, start + len(text)) - max(q.start, start) > 0.5 * len(text) for q in out):
                continue
            hs = hl - start
            out.append(replace(p, text=text, start=start, end=start + len(text),
                               highlight=(hs, min(hs + p.highlight[1] - p.highlight[0], len(text)))))
            if len(out) == k:
                break
        return out


class StartOneEarlier(StartAtSentence):
    back = 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="squad")
    ap.add_argument("--eval", type=Path, default=EVAL)
    ap.add_argument("--index", type=Path, help="index folder (default: bench/out/<set>-c700o1t)")
    args = ap.parse_args()
    questions = load_jsonl(args.eval / args.set / "questions.jsonl")
    folder = args.index or OUT / f"{args.set}-c700o1t"
    if not (folder / "quotebot.sqlite3").exists():
        sys.exit(f"no index at {folder}: run bench/run.py --set {args.set} first")
    engine = Engine(load_settings(index_dir=folder))
    engine.warm_up()
    encoder = CachedEncoder(engine.embedder)
    base = engine.settings.search
    max_chars = engine.settings.chunking.max_chars
    rows: list[tuple[str, Any, Any, Rerank]] = [
        ("default", Searcher, base, Rerank()),
        ("default, floor 0", Searcher, replace(base, relevance_floor=0.0), Rerank()),
        ("no sentence re-rank (fusion only), floor 0", Searcher, replace(base, relevance_floor=0.0), Rerank(lexical=0, phrase=0)),
        ("sentence share only (no pairs), floor 0", Searcher, replace(base, relevance_floor=0.0), Rerank(phrase=0)),
        ("term pairs only (no sentence share), floor 0", Searcher, replace(base, relevance_floor=0.0), Rerank(lexical=0)),
        ("re-rank depth 10, floor 0", Searcher, replace(base, relevance_floor=0.0), Rerank(depth=10)),
        ("keyword_weight 0.3, floor 0", Searcher, replace(base, relevance_floor=0.0, keyword_weight=0.3), Rerank()),
        ("keyword_weight 0.7, floor 0", Searcher, replace(base, relevance_floor=0.0, keyword_weight=0.7), Rerank()),
        ("candidates 20, floor 0", Searcher, replace(base, relevance_floor=0.0, candidates=20), Rerank()),
        ("candidates 80, floor 0", Searcher, replace(base, relevance_floor=0.0, candidates=80), Rerank()),
        ("keyword postings budget 1,000 (default 10,000), floor 0", Searcher, replace(base, relevance_floor=0.0), Rerank(postings=1_000)),
        ("keyword index asked with the rarest word only, floor 0", Searcher, replace(base, relevance_floor=0.0), Rerank(postings=0)),
        ("chunks as ranked (no swap to the leading one), floor 0", ChunkAsRanked, replace(base, relevance_floor=0.0), Rerank()),
        ("quote starts at highlight (old), floor 0", StartAtSentence, replace(base, relevance_floor=0.0), Rerank()),
        ("quote starts 1 sentence earlier, floor 0", StartOneEarlier, replace(base, relevance_floor=0.0), Rerank()),
        ("no penalty for unseen words, floor 0.3 (the previous rule)", Searcher, replace(base, relevance_floor=0.3), Rerank(unseen_penalty=0.0)),
        ("floor on cosine only, 0.3 (the first rule)", Searcher, replace(base, relevance_floor=0.3), Rerank(dense_share=1.0, unseen_penalty=0.0)),
    ]
    print(f"# {args.set}: {len(questions)} questions, index {folder.name}, top {K}, passages cut at 1,200 chars")
    print("| variant | R@1 | R@5 | R@10 | MRR@10 | HL@1 | chars | found |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, cls, search, rerank in rows:
        searcher = cls(engine.store, encoder, search, max_chars, rerank)
        run = []
        for lo in range(0, len(questions), 64):
            part = questions[lo : lo + 64]
            run.extend(a.to_dict() for a in searcher.search_many([q["question"] for q in part], K, [str(q["id"]) for q in part]))
        m = score(questions, run)
        print(f"| {name} | {m['answer_recall@1']:.3f} | {m['answer_recall@5']:.3f} | {m['answer_recall@10']:.3f} | "
              f"{m['mrr@10']:.3f} | {m['answer_in_highlight@1']:.3f} | {m['mean_passage_chars']:.0f} | {m['found_rate']:.3f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
