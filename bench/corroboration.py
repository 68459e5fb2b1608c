"""Who reports each shown answer, printed for a hand check of the corroboration count (run by hand; never tuned on).

  python bench/corroboration.py                  # the realtimeqa eval index and questions, with their asked_at
  python bench/corroboration.py --index DIR --questions QUESTIONS.jsonl --out FILE

For every question whose answer line is shown (the engine's own path: ``Engine.ask`` with the question's
``asked_at``), prints the question and its gold answers, the answer and its corroboration line as the
front ends show it, and each quote: source, link, title, date, and what the reader reads in it (its best
span and that span's share of the passage's own reading), marked ``+`` where the passage is counted as
reporting the answer (``index.ranking.corroboration``); then the other ranked passages that report it.
A person can then say whether the count of independent sources is right.

The realtimeqa corpus gives every article the same ``source`` (the data set's name) and the outlet only in
its link, so the count as shipped is at most 1 there; the block also shows the count with each article's
link host as its outlet (the fallback for an article without a source), which is the figure to check.
Writes the report to ``--out`` (default bench/out/corroboration-realtimeqa.txt) and its summary to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.config import load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.metrics import holds_answer  # noqa: E402
from index.ranking import timeframe  # noqa: E402
from index.ranking.answers import top_answer  # noqa: E402
from index.ranking.corroboration import SUPPORT, _reads, claim_words, corroborate, of_the_period, outlet  # noqa: E402
from index.ranking.pipeline import Searcher  # noqa: E402
from index.ranking.retrieval import Retrieved, Scored  # noqa: E402
from index.ranking.timeframe import TimeFrame  # noqa: E402
from index.types import Answer, Passage  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "realtimeqa"


class Recording(Searcher):
    """The engine's searcher, keeping the last final ranking (what the answer line was counted over)."""

    ranked: list[Scored] = []

    def rank(self, retrieved: Retrieved, k: int) -> list[Scored]:
        self.ranked = super().rank(retrieved, k)
        return self.ranked


def read(s: Scored, words: tuple[str, ...]) -> str:
    """What the reader reads in one passage: its best span and that span's share of the passage's reading, and
    whether it reports the answer (``+``)."""
    if s.reading is None or not s.reading.spans:
        return "  (not read)"
    best = s.reading.spans[0]
    said = " ".join(s.row.text[best.start:best.end].split())
    own = _reads(s, claim_words(said))
    share = own.local if own else 0.0
    counted = _reads(s, words)
    mark = "+" if counted is not None and counted.local >= SUPPORT else " "
    of_answer = f"; the answer {counted.local:.2f}" if counted is not None and counted.span != best else ""
    return f"{mark} reads {said!r} ({share:.2f} of its reading{of_answer})"


def quoted_row(p: Passage, ranked: list[Scored]) -> Scored | None:
    """The ranked chunk a quote was cut from."""
    return next((s for s in ranked if s.row.article_id == p.article_id
                 and s.row.start <= p.start and p.end <= s.row.start + len(s.row.text)), None)


def by_host(ranked: list[Scored]) -> list[Scored]:
    """The ranking with every passage's source left out, so that its link's host names its outlet."""
    return [replace(s, row=replace(s.row, source=None)) for s in ranked]


def block(q: dict[str, Any], answer: Answer, ranked: list[Scored], frame: TimeFrame) -> tuple[list[str], int, int]:
    """The report on one shown answer, the count of its sources as shipped and with link hosts as outlets
    (counted as the engine counts: within the period the question names). A passage outside that period is
    marked ``(another period)``: it is not counted."""
    assert answer.answer is not None and answer.answer.corroboration is not None
    said, found = answer.answer, answer.answer.corroboration
    best = top_answer(ranked)
    assert best is not None
    hosts = corroborate(by_host(ranked), best.key, frame)
    right = holds_answer(said.text, q.get("answers") or [])
    out = [f"Q {q['id']} (asked {q.get('asked_at')}): {' '.join(q['question'].split())}",
           f"  gold: {' | '.join(q.get('answers') or [])}",
           f"  answer: {said.text!r} (confidence {said.confidence:.2f}, "
           f"{'the gold answer' if right else 'not the gold words'}, quote {said.passage + 1}) · "
           f"{found.line() or '(no passage reports it)'}",
           f"  by link host: {hosts.line() or '(no passage reports it)'}"]
    words = claim_words(best.key)
    reads = [_reads(s, words) for s in ranked]
    kept = {id(ranked[i]) for i in of_the_period(ranked, reads, frame)}

    def period(s: Scored) -> str:
        return "" if id(s) in kept else " (another period)"

    quoted: set[int] = set()
    for n, p in enumerate(answer.passages, 1):
        s = quoted_row(p, ranked)
        out.append(f"  [{n}] {p.source} · {host_of(s)} · {p.date or 'undated'} · {p.title}")
        if s is not None:
            quoted.add(id(s))
            out.append(f"      {read(s, words)}{period(s)}")
            out.append(f"      highlight: {_short(p.highlighted)}")
    for s, reports in zip(ranked, reads):
        if id(s) not in quoted and reports is not None and reports.local >= SUPPORT:
            out.append(f"  (ranked, not quoted) {host_of(s)} · {s.row.date or 'undated'} · {s.row.title}")
            out.append(f"      {read(s, words)}{period(s)}")
    return out, found.count, hosts.count


def host_of(s: Scored | None) -> str:
    return outlet(replace(s.row, source=None))[1] if s is not None else "?"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "bench" / "out" / "realtimeqa-c700o1t")
    ap.add_argument("--questions", type=Path, default=EVAL / "questions.jsonl")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "corroboration-realtimeqa.txt")
    args = ap.parse_args(argv)
    with args.questions.open(encoding="utf-8") as f:
        questions = [q for q in (json.loads(line) for line in f if line.strip()) if q.get("asked_at")]
    engine = Engine(load_settings(index_dir=args.index))
    searcher = Recording(store=engine.store, encoder=engine.models.query_encoder, parameters=engine.parameters,
                         reader=engine.models.reader)
    k = engine.parameters.quoting.results
    texts = [" ".join(q["question"].split()) for q in questions]
    frames = [timeframe.frame(t, timeframe.as_of(q["asked_at"])) for t, q in zip(texts, questions)]
    lines: list[str] = []
    counts: Counter[int] = Counter()
    host_counts: Counter[int] = Counter()
    shown = differ = right = 0
    for q, retrieved in zip(questions, searcher.retrieve(texts, k, frames)):
        answer = searcher.answer(retrieved, k, q["id"])
        if answer.answer is None:
            continue
        assert replace(answer, id=None) == engine.ask(q["question"], k, asked_at=q["asked_at"])  # the engine's own
        out, count, by_link = block(q, answer, searcher.ranked, retrieved.frame)
        lines += out + [""]
        shown += 1
        counts[count] += 1
        host_counts[by_link] += 1
        differ += bool(answer.answer.corroboration and answer.answer.corroboration.differ)
        right += holds_answer(answer.answer.text, q.get("answers") or [])
    summary = (f"{len(questions)} questions with asked_at on {args.index.name}; answer line shown for {shown} "
               f"({right} of them the gold answer); sources as shipped: "
               f"{', '.join(f'{n}: {c}' for n, c in sorted(counts.items()))}; by link host: "
               f"{', '.join(f'{n}: {c}' for n, c in sorted(host_counts.items()))} (count: questions); "
               f"sources differ on {differ}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(summary + "\n\n" + "\n".join(lines), encoding="utf-8")
    print(summary)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
