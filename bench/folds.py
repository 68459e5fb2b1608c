"""Choose every ranking constant on one half of the data and check it on the other (run by hand).

  python bench/folds.py            # needs the indexes of bench/run.py (built on first use)

The questions of squad and realtimeqa are split into halves A and B by a hash of their id. Fold 1 chooses
the constants on A (squad A + realtimeqa A) and reports them on B; fold 2 chooses on B and reports on A.
A constant is chosen by coordinate ascent over a small grid on the objective: the mean over the two sets
of answer-recall@1 + 0.5 answer-recall@5 (the reader's readings and the candidates are cached, so a
setting costs seconds). Then, with the shipped constants:
- "nothing found": the reader-relevance floor chosen on one half so that >= 97.5% of its answerable
  questions are kept, and checked on the other half, on the other set's questions (off-corpus),
  squad2-dev's unanswerable questions, and realtimeqa questions whose article was left out of the index;
- the one-line answer at the shipped floor (a calibrated probability, fitted by train/calibrate.py on
  held-out training questions, never these): per half and set, share shown, share right (token F1 >= 0.5),
  end-to-end token F1.
Writes bench/out/folds.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import EVAL, OUT, CachedEncoder, CachedReader, build, holdout, load_jsonl  # noqa: E402

from index.config import load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.metrics import holds_answer, token_f1, usable_answers  # noqa: E402
from index.models.reader import Reader  # noqa: E402
from index.ranking import stages  # noqa: E402
from index.ranking.parameters import Parameters  # noqa: E402
from index.ranking.pipeline import STAGES, Searcher  # noqa: E402
from index.ranking.timeframe import as_of, frame  # noqa: E402

GRID: dict[str, list[float]] = {
    "reader_weight": [0.0, 0.5, 1.0, 2.0, 4.0, 100.0],
    "candidates": [10, 20, 30, 40],
    "recency": [0.0, 0.01, 0.02, 0.04, 0.08, 0.15],
    "lexical": [0.0, 0.25],
    "swap": [1.0, 0.0],  # the removed rule (1): quote the chunk leading with the highlighted sentence instead
    "window": [0, 300, 450],  # characters read around the best sentence (0: the whole chunk)
}
SETS = ("squad", "realtimeqa")


def half(qid: str) -> str:
    return "A" if int(hashlib.sha256(qid.encode()).hexdigest()[:8], 16) % 2 == 0 else "B"


def lead_swapped(ranked: list[Any]) -> list[Any]:
    """The removed quoting rule, for the "swap" ablation: where overlapping chunks highlight the same
    sentence, the one that leads with it goes first at the best rank any of them had."""
    def key(s: Any) -> tuple[str, int]:
        return s.row.article_id, s.row.start + s.match.sentence[0]

    leading: dict[tuple[str, int], Any] = {}
    for s in ranked:
        if key(s) not in leading or s.match.sentence[0] < leading[key(s)].match.sentence[0]:
            leading[key(s)] = s
    order, placed = [], set()
    for s in ranked:
        for pick in (leading[key(s)], s):
            if pick.row.id not in placed:
                placed.add(pick.row.id)
                order.append(pick)
    return order


def lead_swap_stage(ranked: Any, ctx: Any) -> list[Any]:
    """The removed rule as a last stage, for the "swap" ablation."""
    return lead_swapped(list(ranked))


class Probe(Searcher):
    """A Searcher that caches each question's retrieval and records its best reader relevance."""

    retrieved_cache: dict[tuple[int, str, int, Any], Any] = {}
    best: dict[str, float] = {}

    def retrieve(self, questions, k, frames=None):  # type: ignore[no-untyped-def]
        # The keyword search is asked within the question's dates, so the frame is part of the key.
        frames = list(frames) if frames is not None else [None] * len(questions)
        keys = [(id(self.store), q, k, f) for q, f in zip(questions, frames)]
        missing = [i for i, key in enumerate(keys) if key not in self.retrieved_cache]
        if missing:
            found = super().retrieve([questions[i] for i in missing], k, [frames[i] for i in missing])
            for i, r in zip(missing, found):
                self.retrieved_cache[keys[i]] = r
        return [self.retrieved_cache[key] for key in keys]


def recording_read(ranked: Any, ctx: Any) -> list[Any]:
    """The reader stage, noting the question's best reader relevance in ``Probe.best``."""
    out = stages.read(ranked, ctx)
    read = [s.reading.relevance for s in out if s.reading is not None]
    Probe.best[ctx.retrieved.question] = max(read) if read else float("-inf")
    return out


class Bench:
    def __init__(self, no_time: bool = False, reader: Path | None = None) -> None:
        base = load_settings()
        chunking = base.chunking
        tag = f"c{chunking.max_chars}o{chunking.overlap_sentences}{'t' if chunking.title_context else 'n'}"
        self.base = base
        self.engines: dict[str, Engine] = {}
        self.questions: dict[str, list[dict[str, Any]]] = {}
        for name in (*SETS, "squad2-dev"):
            settings = replace(base, index_dir=str(OUT / f"{name}-{tag}"))
            build(settings, EVAL / name / "corpus.jsonl")
            self.engines[name] = Engine(settings)
            self.questions[name] = load_jsonl(EVAL / name / "questions.jsonl")
        corpus = load_jsonl(EVAL / "realtimeqa" / "corpus.jsonl")
        keep, self.missing = holdout(corpus, self.questions["realtimeqa"], 4)
        held = replace(base, index_dir=str(OUT / f"realtimeqa-holdout4-{tag}"))
        build(held, EVAL / "realtimeqa" / "corpus.jsonl", keep, full=self.engines["realtimeqa"].settings.index_path)
        self.engines["realtimeqa-holdout"] = Engine(held)
        self.unanswerable = load_jsonl(EVAL / "squad2-dev" / "unanswerable.jsonl")
        first = next(iter(self.engines.values()))
        self.encoder = CachedEncoder(first.models.embedder)
        self.reader = CachedReader(Reader(reader) if reader else Reader())
        self.no_time = no_time
        self.results: dict[str, dict[str, dict[str, float]]] = {}

    def searcher(self, name: str, config: dict[str, float], floor: float = float("-inf"),
                 confidence: float = 0.0, margin: float | None = None, probe: type[Probe] = Probe) -> Probe:
        engine = self.engines[name]
        p = Parameters.from_settings(engine.settings)
        p = replace(p, reading=replace(p.reading, weight=config["reader_weight"], candidates=int(config["candidates"]),
                                       window=int(config["window"])),
                    time=replace(p.time, recency=config["recency"]),
                    evidence=replace(p.evidence, lexical=config["lexical"], phrase=config["lexical"]),
                    floors=replace(p.floors, min_relevance=floor, answer_confidence=confidence,
                                   evidence_margin=p.floors.evidence_margin if margin is None else margin))
        pipeline = [(n, recording_read if n == "reader" else stage) for n, stage in STAGES]
        if config.get("swap", 0.0):
            pipeline.append(("lead_swap", lead_swap_stage))
        return probe(store=engine.store, encoder=self.encoder, parameters=p, reader=self.reader, stages=pipeline)

    def answers(self, name: str, questions: list[dict[str, Any]], config: dict[str, float], k: int = 10,
                floor: float = float("-inf"), confidence: float = 0.0, timed: bool = True) -> list[Any]:
        searcher = self.searcher(name, config, floor, confidence)
        frames = [frame(q["question"], as_of(q.get("asked_at")) if timed and not self.no_time else None)
                  for q in questions]
        out = []
        for lo in range(0, len(questions), 64):
            part = questions[lo:lo + 64]
            out.extend(searcher.search_many([q["question"] for q in part], k, [str(q["id"]) for q in part],
                                            frames[lo:lo + 64]))
        return out

    def per_question(self, config: dict[str, float], timed: bool = True) -> dict[str, dict[str, float]]:
        """answer-recall@1, @5, highlight@1 per question id, for both sets."""
        key = json.dumps(config, sort_keys=True) + str(timed)
        if key in self.results:
            return self.results[key]
        out: dict[str, dict[str, float]] = {}
        for name in SETS:
            qs = self.questions[name]
            for q, a in zip(qs, self.answers(name, qs, config, timed=timed)):
                golds = usable_answers(q["answers"])
                texts = [p.text[:1200] for p in a.passages]
                hits = [holds_answer(t, golds) for t in texts]
                first = a.passages[0] if a.passages else None
                out[f"{name}:{q['id']}"] = {
                    "r1": float(any(hits[:1])), "r5": float(any(hits[:5])),
                    "mrr": next((1 / (i + 1) for i, h in enumerate(hits[:10]) if h), 0.0),
                    "hl1": float(first is not None and holds_answer(first.highlighted, golds)),
                }
        self.results[key] = out
        return out

    def metrics(self, config: dict[str, float], which: str | None, timed: bool = True) -> dict[str, dict[str, float]]:
        pq = self.per_question(config, timed)
        table = {}
        for name in SETS:
            rows = [v for k, v in pq.items()
                    if k.startswith(name + ":") and (which is None or half(k.split(":", 1)[1]) == which)]
            table[name] = ({m: float(np.mean([r[m] for r in rows])) for m in ("r1", "r5", "mrr", "hl1")}
                           | {"n": len(rows)})
        return table

    def objective(self, config: dict[str, float], which: str) -> float:
        m = self.metrics(config, which)
        return float(np.mean([m[s]["r1"] + 0.5 * m[s]["r5"] for s in SETS]))

    def choose(self, which: str, start: dict[str, float], log: Any,
               names: Sequence[str] = tuple(GRID)) -> dict[str, float]:
        config = dict(start)
        for sweep in range(2):
            changed = False
            for name in names:
                values = GRID[name]
                scores = {v: self.objective(config | {name: v}, which) for v in values}
                best = max(values, key=lambda v: (round(scores[v], 6), v == config[name]))
                log(f"  fold choosing on {which}, sweep {sweep + 1}: {name} "
                    + ", ".join(f"{v:g}={scores[v]:.4f}" for v in values) + f" -> {best:g}")
                if best != config[name]:
                    config[name], changed = best, True
            if not changed:
                break
        return config


def default_config() -> dict[str, float]:
    p = Parameters()
    return {"reader_weight": p.reading.weight, "candidates": p.reading.candidates,
            "recency": p.time.recency, "lexical": p.evidence.lexical, "swap": 0.0, "window": p.reading.window}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-choose", action="store_true", help="only report the shipped constants")
    ap.add_argument("--reader", type=Path, help="a reader folder to measure (default: the shipped one)")
    ap.add_argument("--only", help="choose only these constants (comma-separated GRID names); the rest stay")
    args = ap.parse_args()
    t0 = time.perf_counter()
    bench = Bench(reader=args.reader)
    report: dict[str, Any] = {}
    shipped = default_config()

    def log(msg: str) -> None:
        print(msg, flush=True)

    if not args.no_choose:
        log("## Choosing constants (coordinate ascent; objective: mean over sets of R@1 + 0.5 R@5)")
        for choose_on, check_on in (("A", "B"), ("B", "A")):
            chosen = bench.choose(choose_on, shipped, log, args.only.split(",") if args.only else tuple(GRID))
            report[f"chosen on {choose_on}"] = chosen
            log(f"chosen on {choose_on}: {chosen}")
        log("")
        log("| constants | chosen on | set | R@1 (choose half) | R@1 (check half) | R@5 (choose) | R@5 (check) |")
        log("|---|---|---|---:|---:|---:|---:|")
        rows = [("shipped", shipped, "A", "B"), ("shipped", shipped, "B", "A")]
        rows += [(f"chosen on {w}", report[f"chosen on {w}"], w, c) for w, c in (("A", "B"), ("B", "A"))]
        for label, config, w, c in rows:
            mw, mc = bench.metrics(config, w), bench.metrics(config, c)
            for s in SETS:
                log(f"| {label} | {w} | {s} | {mw[s]['r1']:.3f} | {mc[s]['r1']:.3f} | {mw[s]['r5']:.3f} | "
                    f"{mc[s]['r5']:.3f} |")
    log("")
    log("## Shipped constants, whole sets: " + json.dumps(shipped))
    variants = {"shipped": (shipped, True), "without asked_at": (shipped, False),
                "reader off (weight 0)": (shipped | {"reader_weight": 0.0}, True),
                "no recency": (shipped | {"recency": 0.0}, True),
                "no sentence rules (lexical 0)": (shipped | {"lexical": 0.0}, True)}
    log("| variant | squad R@1 | R@5 | MRR | HL@1 | realtimeqa R@1 | R@5 | MRR | HL@1 |")
    log("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, (config, timed) in variants.items():
        m = bench.metrics(config, None, timed)
        report[f"whole: {label}"] = m
        log(f"| {label} | " + " | ".join(f"{m[s][k]:.3f}" for s in SETS for k in ("r1", "r5", "mrr", "hl1")) + " |")

    floors_and_answers(bench, shipped, report, log)
    report["seconds"] = time.perf_counter() - t0
    (OUT / "folds.json").write_text(json.dumps(report, indent=2, default=str))
    log(f"\n(bench/out/folds.json; {report['seconds']:.0f} s)")
    return 0


def floors_and_answers(bench: Bench, config: dict[str, float], report: dict[str, Any], log: Any) -> None:
    """The relevance floor and the answer threshold, each chosen on one half and checked on the other."""
    Probe.best = {}
    answerable: list[tuple[str, float, Any, list[str]]] = []  # (half, best relevance, answer, golds)
    for name in SETS:
        qs = bench.questions[name]
        for q, a in zip(qs, bench.answers(name, qs, config, k=5)):
            answerable.append((half(str(q["id"])), Probe.best[a.question], a, usable_answers(q["answers"]), name))
    rejects: dict[str, list[float]] = {}

    def bests(name: str, qs: list[dict[str, Any]], label: str) -> None:
        rejects[label] = [Probe.best[a.question] for a in bench.answers(name, qs, config, k=1)]

    bests("squad", bench.questions["realtimeqa"], "realtimeqa questions on squad (off-corpus)")
    bests("realtimeqa", bench.questions["squad"], "squad questions on realtimeqa (off-corpus)")
    bests("squad2-dev", bench.unanswerable, "squad2-dev unanswerable (on-topic)")
    missing_answers = bench.answers("realtimeqa-holdout", bench.missing, config, k=5)
    bests("realtimeqa-holdout", bench.missing, "realtimeqa, answer's article left out")
    log("\n## Nothing found: reader-relevance floor (kept = answerable questions found)")
    log("| floor chosen on | floor | kept (choose half) | kept (check half) | " + " | ".join(rejects) + " |")
    log("|---|---:|---:|---:|" + "---:|" * len(rejects))
    for w, c in (("A", "B"), ("B", "A")):
        mine = np.array([b for h, b, *_ in answerable if h == w])
        floor = float(np.quantile(mine, 0.025))
        other = np.array([b for h, b, *_ in answerable if h == c])
        cells = [f"{np.mean(np.array(v) < floor):.3f} rejected" for v in rejects.values()]
        log(f"| {w} | {floor:.3f} | {np.mean(mine >= floor):.3f} | {np.mean(other >= floor):.3f} | "
            + " | ".join(cells) + " |")
        report[f"floor chosen on {w}"] = floor
    floor = Parameters().floors.answer_confidence
    log(f"\n## One-line answer at the shipped floor {floor} (calibrated probability; right = token F1 >= 0.5)")
    log("| half | set | questions | shown | right when shown | e2e F1, all questions | F1 if always shown |")
    log("|---|---|---:|---:|---:|---:|---:|")
    for w in ("A", "B"):
        for s in SETS:
            rows = [(a.answer.confidence if a.answer else 0.0, a.answer.text if a.answer else "", g)
                    for h, _, a, g, n in answerable if h == w and n == s]
            shown = [token_f1(t, g) for c, t, g in rows if c >= floor and t]
            e2e = sum(shown) / len(rows)
            always = [token_f1(a.answer.text, g) if a.answer else 0.0 for h, _, a, g, n in answerable
                      if h == w and n == s]
            report[f"answer line {s} {w}"] = {"shown": len(shown) / len(rows),
                                              "right": float(np.mean(np.array(shown) >= 0.5)) if shown else 0.0}
            log(f"| {w} | {s} | {len(rows)} | {len(shown) / len(rows):.3f} | "
                f"{np.mean(np.array(shown) >= 0.5) if shown else 0:.3f} | {e2e:.3f} | {np.mean(always):.3f} |")
    conf = [a.answer.confidence if a.answer else 0.0 for a in missing_answers]
    log(f"realtimeqa with the answer's article left out (n={len(conf)}): no answer line for "
        f"{np.mean(np.array(conf) < floor):.3f}")


if __name__ == "__main__":
    sys.exit(main())
