"""How many quotes an answer should show: rules chosen on one half of the questions, checked on the other.

  python bench/quote_count.py          # needs the indexes of bench/run.py (built on first use)

Every question is answered with up to 5 quotes (shipped constants, asked_at used). A rule then keeps the
first quote and drops later ones the evidence does not support:
- "reader floor": a later quote is kept when its own reader relevance reaches ``reader.min_relevance``
  (the floor that decides "nothing found"; no new constant);
- "margin m": a later quote is kept when its score is within m of the first quote's (the score is the
  z-scored fusion of retrieval and reader, so m is in standard deviations).
The margin is chosen on one half (the fewest quotes that keep answer-recall@5, averaged over the two
sets, within ``--loss`` of showing all five) and checked on the other; the shipped margin is
``Floors.evidence_margin`` (index.ranking.parameters). Prints a table; writes bench/out/quote_count.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from folds import SETS, Bench, Probe, default_config, half  # noqa: E402
from run import OUT  # noqa: E402

from index.metrics import holds_answer, usable_answers  # noqa: E402
from index.ranking.parameters import Parameters  # noqa: E402
from index.ranking.timeframe import as_of, frame  # noqa: E402

MARGINS = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, float("inf")]


class Recording(Probe):
    """A probe that keeps, per question, the quotes with the reader relevance and score behind each."""

    shown: dict[str, list[tuple[float, float, str]]] = {}

    def rank(self, retrieved, k):  # type: ignore[no-untyped-def]
        self.last = super().rank(retrieved, k)
        return self.last

    def answer(self, retrieved, k, qid=None):  # type: ignore[no-untyped-def]
        answer = super().answer(retrieved, k, qid)
        rows = []
        for p in answer.passages:
            s = next(s for s in self.last
                     if s.row.article_id == p.article_id and s.row.start <= p.start < s.row.end + 1)
            rows.append((s.reading.relevance if s.reading else float("-inf"), s.score, p.text))
        self.shown[str(qid)] = rows
        return answer


def keep(rows: list[tuple[float, float, str]], rule: str, value: float) -> list[str]:
    if not rows:
        return []
    top = rows[0][1]
    later = [t for rel, score, t in rows[1:] if (rel >= value if rule == "floor" else score >= top - value)]
    return [rows[0][2], *later]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loss", type=float, default=0.01, help="answer-recall@5 a margin may give up (default 0.01)")
    ap.add_argument("--reader", type=Path, help="a reader folder to measure (default: the shipped one)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    bench = Bench(reader=args.reader)
    config = default_config()
    floor = Parameters().floors.min_relevance
    data: dict[str, list[tuple[str, list[tuple[float, float, str]], list[str]]]] = {}
    for name in SETS:
        qs = bench.questions[name]
        probe = bench.searcher(name, config, margin=float("inf"), probe=Recording)
        Recording.shown = {}
        for lo in range(0, len(qs), 64):
            part = qs[lo:lo + 64]
            probe.search_many([q["question"] for q in part], 5, [str(q["id"]) for q in part],
                              [frame(q["question"], as_of(q.get("asked_at"))) for q in part])
        data[name] = [(str(q["id"]), Recording.shown.get(str(q["id"]), []), usable_answers(q["answers"])) for q in qs]

    def measure(name: str, which: str | None, rule: str, value: float) -> dict[str, float]:
        rows = [(rows, golds) for qid, rows, golds in data[name] if which is None or half(qid) == which]
        r5, n = [], []
        for shown, golds in rows:
            texts = keep(shown, rule, value) if rule != "all" else [t for _, _, t in shown]
            r5.append(any(holds_answer(t[:1200], golds) for t in texts))
            n.append(len(texts))
        return {"r5": float(np.mean(r5)), "quotes": float(np.mean(n)), "one": float(np.mean([x == 1 for x in n]))}

    report: dict[str, Any] = {}
    print("| rule | chosen on | set | R@5 (check half) | all five R@5 | quotes shown (mean) | one quote only |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name in SETS:
        for which in ("A", "B"):
            a, f = measure(name, which, "all", 0), measure(name, which, "floor", floor)
            print(f"| reader floor {floor:g} | - | {name} {which} | {f['r5']:.3f} | {a['r5']:.3f} | {f['quotes']:.2f} "
                  f"(all: {a['quotes']:.2f}) | {f['one']:.2f} |")
            report[f"floor {name} {which}"] = f
    for choose, check in (("A", "B"), ("B", "A")):
        def ok(m: float) -> bool:
            loss = np.mean([measure(s, choose, "all", 0)["r5"] - measure(s, choose, "margin", m)["r5"] for s in SETS])
            return bool(loss <= args.loss)
        chosen = min((m for m in MARGINS if ok(m)), default=float("inf"))
        report[f"margin chosen on {choose}"] = chosen
        for name in SETS:
            m, a = measure(name, check, "margin", chosen), measure(name, check, "all", 0)
            print(f"| margin {chosen:g} | {choose} | {name} {check} | {m['r5']:.3f} | {a['r5']:.3f} | "
                  f"{m['quotes']:.2f} (all: {a['quotes']:.2f}) | {m['one']:.2f} |")
            report[f"margin {name} {check}"] = m
    for name in SETS:
        print(f"{name}: " + ", ".join(f"m={m:g}: R@5 {measure(name, None, 'margin', m)['r5']:.3f} / "
                                      f"{measure(name, None, 'margin', m)['quotes']:.2f} quotes" for m in MARGINS))
    report["seconds"] = time.perf_counter() - t0
    (OUT / "quote_count.json").write_text(json.dumps(report, indent=2))
    print(f"\n(bench/out/quote_count.json; {report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
