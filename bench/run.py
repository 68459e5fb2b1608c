"""Quality, speed and memory of Quotebot on one shared eval set, next to naive baselines (run by hand).

  python bench/run.py                       # ../shared/eval/squad
  python bench/run.py --set realtimeqa      # any folder of ../shared/eval with corpus.jsonl + questions.jsonl
  python bench/run.py --set squad2-dev      # also scores unanswerable.jsonl ("nothing found" wanted)

Indexes are built once under bench/out/ (git-ignored) and reused; delete a folder there to rebuild it.
Prints one table: indexing and encoding speed, warm ask latency, cold `quotebot ask` time, peak memory,
the eval metrics (index.metrics, the shared scorer's definitions, passages cut at 1,200 characters) for
Quotebot and for BM25-only, dense-only and RRF top-k chunks, and the "nothing found" trade-off over
relevance floors. Writes the same figures as JSON to bench/out/<set>-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.config import Settings, load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.metrics import holds_answer, score, usable_answers  # noqa: E402
from index.ranking.parameters import Parameters  # noqa: E402
from index.ranking.pipeline import Searcher  # noqa: E402
from index.storage.factory import open_backend  # noqa: E402
from index.text.terms import query_words  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
OUT = ROOT / "bench" / "out"
K = 10
FLOORS = (-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0)  # reader.min_relevance: the reader's logit
OTHER_SET = {"squad": "realtimeqa", "realtimeqa": "squad", "squad2-dev": "realtimeqa"}


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, q))


class CachedEncoder:
    """The engine's encoder with a memory of questions already encoded: re-asking a set under other
    search settings then measures ranking, not the model."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.cache: dict[str, np.ndarray] = {}

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def encode(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for t, v in zip(missing, self.inner.encode(missing)):
                self.cache[t] = v
        return np.vstack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


class CachedReader:
    """The engine's reader with a memory of (question, passage) readings: re-asking a set under other
    settings (floors, constants) then measures ranking, not the model."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calibration = inner.calibration
        self.cache: dict[tuple[str, str], Any] = {}

    def read(self, question: str, passages: Sequence[str]) -> list[Any]:
        missing = [p for p in dict.fromkeys(passages) if (question, p) not in self.cache]
        for p, r in zip(missing, self.inner.read(question, missing) if missing else []):
            self.cache[(question, p)] = r
        return [self.cache[(question, p)] for p in passages]


READERS: dict[int, CachedReader] = {}


def cached_reader(engine: Engine) -> CachedReader | None:
    """One caching wrapper per engine reader, shared by every run of this process."""
    if engine.models.reader is None:
        return None
    return READERS.setdefault(id(engine.models.reader), CachedReader(engine.models.reader))


def build(settings: Settings, corpus: Path, keep: set[str] | None = None, again: bool = False,
          full: Path | None = None) -> dict[str, Any]:
    """Index ``corpus`` (only the ``keep`` ids when given) into settings.index_path once; the build's
    figures are kept beside it so a reused index still reports its indexing speed. With ``full`` (an index
    of the whole corpus, same settings) the kept articles' index is derived from it: no re-embedding."""
    folder = settings.index_path
    record = folder / "bench-build.json"
    if record.exists() and (folder / "quotebot.sqlite3").exists() and not again:
        return json.loads(record.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    if keep is not None and full is not None and (full / "quotebot.sqlite3").exists():
        return derive(settings, full, keep)
    folder.mkdir(parents=True)
    source = corpus
    if keep is not None:
        source = folder / "corpus.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for rec in load_jsonl(corpus):
                if rec["id"] in keep:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    engine = Engine(settings)
    engine.models.embedder  # load the model outside the timed part
    t = time.perf_counter()
    report = engine.ingest([source])
    seconds = time.perf_counter() - t
    if keep is not None:
        source.unlink()
    info = {"articles": report.added, "chunks": report.chunks, "seconds": seconds,
            "chunks_per_s": report.chunks / seconds, "built": time.strftime("%Y-%m-%d %H:%M")}
    record.write_text(json.dumps(info))
    return info


def derive(settings: Settings, full: Path, keep: set[str]) -> dict[str, Any]:
    """A copy of the index at ``full`` with every article not in ``keep`` deleted."""
    folder = settings.index_path
    shutil.copytree(full, folder, ignore=shutil.ignore_patterns("*.lock", "bench-build.json"))
    backend = open_backend(settings)
    store = backend.open()
    drop = [a.id for a in store.articles() if a.id not in keep]
    model, dim = store.model, store.dim
    store.close()
    with backend.writing(model, lambda: dim) as writer:
        chunks = writer.delete(drop)
        writer.commit()
    info = {"derived_from": str(full), "articles_dropped": len(drop), "chunks_dropped": chunks,
            "built": time.strftime("%Y-%m-%d %H:%M")}
    (folder / "bench-build.json").write_text(json.dumps(info))
    return info


def bare_encode_rate(engine: Engine, sample: int) -> tuple[float, int]:
    """Chunks a second for sentence-transformers alone on the texts the engine embeds (title + chunk)."""
    from sentence_transformers import SentenceTransformer

    from index.models.embedding import resolve_model_path

    store = engine.store
    ids = [r[0] for r in store.conn.execute("SELECT id FROM chunks ORDER BY id LIMIT ?", (sample,))]
    rows = store.chunk_rows(ids)
    title = engine.settings.chunking.title_context
    texts = [f"{r.title}\n{r.text}" if title and r.title else r.text for r in rows.values()]
    model = SentenceTransformer(resolve_model_path(engine.settings.model.name), device="cpu")
    model.encode(texts[:32], batch_size=32)
    t = time.perf_counter()
    model.encode(texts, batch_size=engine.settings.model.batch_size, normalize_embeddings=True)
    return len(texts) / (time.perf_counter() - t), len(texts)


def cold_ask(folder: Path, question: str, runs: int = 3) -> tuple[float, float, str]:
    """Median wall time and peak RSS of a fresh ``quotebot ask --json`` process, after one untimed run
    (a first run may cache the model's ONNX export, which every later process reuses)."""
    exe = shutil.which("quotebot") or str(Path(sys.executable).with_name("quotebot"))
    cmd = [exe, "ask", question, "--index", str(folder), "--json"]
    how = "quotebot ask"
    if not Path(exe).exists():
        code = ("import sys, json; from index.config import load_settings; from index.engine import Engine; "
                "print(json.dumps(Engine(load_settings(index_dir=sys.argv[2])).ask(sys.argv[1]).to_dict()))")
        cmd, how = [sys.executable, "-c", code, question, str(folder)], "python -c Engine.ask"
    # Forked from this large process, a child's own peak RSS would count our pages until its exec;
    # GNU time runs it from a small process and reports the child's figure alone.
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    times, peaks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rss"
        wrapped = [gnu_time, "-f", "%M", "-o", str(report), *cmd] if gnu_time else cmd
        for i in range(runs + 1):
            t = time.perf_counter()
            subprocess.run(wrapped, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                           env={**os.environ, "HF_HUB_OFFLINE": "1"})
            if i:
                times.append(time.perf_counter() - t)
                peaks.append(float(report.read_text().split()[-1]) / 1024 if gnu_time else float("nan"))
    return statistics.median(times), max(peaks), how


def chunk_run(engine: Engine, questions: list[dict[str, Any]], ranked_ids: list[list[int]]) -> list[dict[str, Any]]:
    """A run whose passages are plain chunk texts in the given order (the naive baselines)."""
    runs = []
    for q, ids in zip(questions, ranked_ids):
        rows = engine.store.chunk_rows(ids)
        passages = [{"article_id": rows[i].article_id, "text": rows[i].text} for i in ids if i in rows]
        runs.append({"id": q["id"], "found": bool(passages), "passages": passages})
    return runs


def baselines(engine: Engine, questions: list[dict[str, Any]], vecs: np.ndarray) -> dict[str, dict[str, Any]]:
    store = engine.store
    _, dense = store.vector_search(vecs, K)
    dense_ids = [[int(i) for i in row if i >= 0] for row in dense]
    bm25_ids = [[cid for cid, _ in store.keyword_search(query_words(q["question"]), K)] for q in questions]
    rrf_ids = []
    for d, b in zip(dense_ids, bm25_ids):
        fused: dict[int, float] = {}
        for ranking in (d, b):
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1 / (60 + rank + 1)
        rrf_ids.append(sorted(fused, key=lambda c: -fused[c])[:K])
    return {name: score(questions, chunk_run(engine, questions, ids))
            for name, ids in (("BM25 only", bm25_ids), ("dense only", dense_ids), ("RRF (BM25+dense)", rrf_ids))}


def frames(questions: list[dict[str, Any]]) -> list[Any]:
    """Each question's time frame from its ``asked_at`` (none: no date preference), as the engine makes it."""
    from index.ranking.timeframe import as_of, frame

    return [frame(q["question"], as_of(q.get("asked_at"))) for q in questions]


def ask_run(engine: Engine, encoder: CachedEncoder, questions: list[dict[str, Any]], floor: float | None = None,
            k: int = K) -> list[dict[str, Any]]:
    """Answers with the engine's settings, the relevance floor replaced by ``floor`` when given (the
    reader's floor when the reader is on, else search.relevance_floor)."""
    parameters = Parameters.from_settings(engine.settings)
    if floor is not None:
        which = "min_relevance" if engine.settings.reader.enabled else "relevance_floor"
        parameters = replace(parameters, floors=replace(parameters.floors, **{which: floor}))
    searcher = Searcher(store=engine.store, encoder=encoder, parameters=parameters, reader=cached_reader(engine))
    out = []
    for lo in range(0, len(questions), 64):
        part = questions[lo : lo + 64]
        answers = searcher.search_many([q["question"] for q in part], k, [str(q["id"]) for q in part], frames(part))
        out.extend(a.to_dict() for a in answers)
    return out


def found_rate(run: list[dict[str, Any]]) -> float:
    return sum(1 for a in run if a["found"]) / max(len(run), 1)


def holdout(corpus: list[dict[str, Any]], questions: list[dict[str, Any]],
            every: int) -> tuple[set[str], list[dict[str, Any]]]:
    """Every ``every``-th article (by id) left out, and the questions about them that no kept article
    answers (by the scorer's answer match): questions the held-out index truly cannot answer."""
    ids = sorted(rec["id"] for rec in corpus)
    out = set(ids[::every])
    keep = set(ids) - out
    kept_texts = [rec["text"] for rec in corpus if rec["id"] in keep]
    off = []
    for q in questions:
        if q.get("article_id") in out:
            golds = usable_answers(q["answers"])
            if golds and not any(holds_answer(t, golds) for t in kept_texts):
                off.append(q)
    return keep, off


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="squad", help="folder under --eval (default squad)")
    ap.add_argument("--eval", type=Path, default=EVAL, help="shared eval folder (default ../shared/eval)")
    ap.add_argument("--max-chars", type=int, help="chunking.max_chars (default: config)")
    ap.add_argument("--overlap", type=int, help="chunking.overlap_sentences (default: config)")
    ap.add_argument("--no-title", action="store_true", help="chunking.title_context = false")
    ap.add_argument("--keyword-weight", type=float, help="search.keyword_weight (default: config)")
    ap.add_argument("--candidates", type=int, help="search.candidates (default: config)")
    ap.add_argument("--floor", type=float, help="search.relevance_floor (default: config)")
    ap.add_argument("--holdout-every", type=int, default=4,
                    help="leave out every n-th article for the nothing-found check (0: skip)")
    ap.add_argument("--encode-sample", type=int, default=1000, help="chunks for the bare-model encode rate")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold `quotebot ask` timing")
    ap.add_argument("--rebuild", action="store_true",
                    help="build the main index again (its indexing speed is re-measured)")
    ap.add_argument("--quantize", action="store_true", help="model.quantize = true: int8 indexing (separate indexes)")
    ap.add_argument("--no-rerank", action="store_true", help="reader.enabled = false (the fused ranking alone)")
    ap.add_argument("--no-asked-at", action="store_true", help="ignore the questions' asked_at (no date preference)")
    args = ap.parse_args()

    folder = args.eval / args.set
    corpus_path = folder / "corpus.jsonl"
    questions = load_jsonl(folder / "questions.jsonl")
    base = load_settings()
    chunking = replace(base.chunking, **{k: v for k, v in (("max_chars", args.max_chars),
                                                           ("overlap_sentences", args.overlap)) if v is not None})
    if args.no_title:
        chunking = replace(chunking, title_context=False)
    search = replace(base.search, **{k: v for k, v in (("keyword_weight", args.keyword_weight),
                                                      ("candidates", args.candidates),
                                                      ("relevance_floor", args.floor)) if v is not None})
    tag = f"c{chunking.max_chars}o{chunking.overlap_sentences}{'t' if chunking.title_context else 'n'}"
    model = replace(base.model, quantize=args.quantize or base.model.quantize)
    tag += "-int8" if model.quantize else ""
    reader = replace(base.reader, enabled=base.reader.enabled and not args.no_rerank)
    settings = replace(base, model=model, chunking=chunking, search=search, reader=reader,
                       index_dir=str(OUT / f"{args.set}-{tag}"))
    if args.no_asked_at:
        questions = [{k: v for k, v in q.items() if k != "asked_at"} for q in questions]
    results: dict[str, Any] = {"set": args.set, "questions": len(questions),
                               "settings": {"model": vars(model), "chunking": vars(chunking), "search": vars(search),
                                            "reader": vars(reader)},
                               "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                          f"Python {platform.python_version()}, "
                                          f"load average {os.getloadavg()[0]:.1f} at start"}
    t_all = time.perf_counter()

    built = build(settings, corpus_path, again=args.rebuild)
    engine = Engine(settings)
    engine.warm_up()
    encoder = CachedEncoder(engine.models.embedder)

    # Warm latency: one question per call, model and index loaded, as the bot and `chat` see it.
    lat = []
    for q in questions:
        t = time.perf_counter()
        engine.ask(q["question"], asked_at=q.get("asked_at"))
        lat.append(time.perf_counter() - t)
    run = ask_run(engine, encoder, questions)
    ours = score(questions, run)
    rss_engine = rss_mb()

    vecs = encoder.encode([q["question"] for q in questions])
    results["metrics"] = {"Quotebot": ours, **baselines(engine, questions, vecs)}

    # Nothing found: questions this index cannot answer, and the trade-off over floors.
    checks: dict[str, list[dict[str, Any]]] = {}
    held = None
    if args.holdout_every:
        corpus = load_jsonl(corpus_path)
        keep, off = holdout(corpus, questions, args.holdout_every)
        held_settings = replace(settings, index_dir=str(OUT / f"{args.set}-holdout{args.holdout_every}-{tag}"))
        build(held_settings, corpus_path, keep)
        held = Engine(held_settings)
        checks["held-out articles' questions"] = off
    other = OTHER_SET.get(args.set)
    if other and (args.eval / other / "questions.jsonl").exists():
        checks[f"{other} questions (off-corpus)"] = load_jsonl(args.eval / other / "questions.jsonl")
    if (folder / "unanswerable.jsonl").exists():
        checks["unanswerable.jsonl (on-topic)"] = load_jsonl(folder / "unanswerable.jsonl")
    configured = reader.min_relevance if reader.enabled else search.relevance_floor
    floors = sorted(set(FLOORS if reader.enabled else (0.25, 0.3, 0.35, 0.4, 0.45, 0.5)) | {configured})
    curve = []
    for f in floors:
        row: dict[str, Any] = {"floor": f}
        r = ask_run(engine, encoder, questions, f)
        m = score(questions, r)
        row["answerable found"] = m["found_rate"]
        row["R@1"] = m["answer_recall@1"]
        row["R@5"] = m["answer_recall@5"]
        for name, qs in checks.items():
            if name.startswith("held-out"):
                assert held is not None
                row[name + " not found"] = 1 - found_rate(ask_run(held, encoder, qs, f, 1))
            else:
                row[name + " not found"] = 1 - found_rate(ask_run(engine, encoder, qs, f, 1))
        curve.append(row)
    results["floor_curve"] = curve
    results["nothing_found_counts"] = {name: len(qs) for name, qs in checks.items()}

    sample = min(args.encode_sample, built["chunks"])
    bare_rate, bare_n = bare_encode_rate(engine, sample)
    cold = cold_ask(settings.index_path, questions[0]["question"]) if not args.no_cold else None

    results["speed"] = {
        "index chunks/s": built["chunks_per_s"], "index chunks": built["chunks"], "index seconds": built["seconds"],
        "index built": built["built"],
        "bare model encode chunks/s": bare_rate, "bare sample": bare_n,
        "warm ask p50 ms": pct(lat, 50), "warm ask p95 ms": pct(lat, 95),
        "cold ask s": cold[0] if cold else None, "cold ask how": cold[2] if cold else None,
        "peak RSS MB (index + ask, this process)": rss_engine,
        "peak RSS MB (cold ask process)": cold[1] if cold else None,
    }
    results["bench seconds"] = time.perf_counter() - t_all
    print_table(results, settings)
    variant = (("-int8" if model.quantize else "") + ("-norerank" if args.no_rerank else "")
               + ("-noasked" if args.no_asked_at else ""))
    out = OUT / f"{args.set}{variant}-results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\n(JSON: {out.relative_to(ROOT)}; whole run {results['bench seconds']:.0f} s)")
    return 0


def print_table(r: dict[str, Any], settings: Settings) -> None:
    s = r["speed"]
    c, q = settings.chunking, settings.search
    print(f"# {r['set']}: {r['questions']} questions, {s['index chunks']} chunks "
          f"(max_chars {c.max_chars}, overlap {c.overlap_sentences}, title {c.title_context}); "
          f"candidates {q.candidates}, keyword_weight {q.keyword_weight}, "
          + (f"re-ranker on {settings.reader.candidates} candidates, floor {settings.reader.min_relevance}"
             if settings.reader.enabled else f"re-ranker off, floor {q.relevance_floor}")
          + f"{'; int8 indexing (model.quantize)' if settings.model.quantize else ''}; {r['machine']}")
    print()
    print("| speed and memory | |")
    print("|---|---|")
    print(f"| indexing (ingest: read, chunk, embed, store; built {s['index built']}) | {s['index chunks/s']:.1f} "
          f"chunks/s ({s['index seconds']:.0f} s) |")
    print(f"| bare sentence-transformers encode, same texts | {s['bare model encode chunks/s']:.1f} chunks/s "
          f"({s['bare sample']} chunks) |")
    print(f"| warm ask, one question per call | p50 {s['warm ask p50 ms']:.1f} ms, p95 {s['warm ask p95 ms']:.1f} ms |")
    if s["cold ask s"] is not None:
        print(f"| cold `{s['cold ask how']}` (new process, median of 3) | {s['cold ask s']:.2f} s |")
        print(f"| peak RSS, cold ask process | {s['peak RSS MB (cold ask process)']:.0f} MB |")
    print(f"| peak RSS, index + warm asks in one process | {s['peak RSS MB (index + ask, this process)']:.0f} MB |")
    print()
    keys = [("answer_recall@1", "R@1"), ("answer_recall@5", "R@5"), ("answer_recall@10", "R@10"), ("mrr@10", "MRR@10"),
            ("article_hit@5", "art@5"), ("answer_in_highlight@1", "HL@1"), ("mean_passage_chars", "chars"),
            ("found_rate", "found")]
    print("| system (top 10, passages cut at 1,200 chars) | " + " | ".join(h for _, h in keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for name, m in r["metrics"].items():
        cells = []
        for key, _ in keys:
            v = m.get(key)
            cells.append("–" if v is None else f"{v:.0f}" if key == "mean_passage_chars" else f"{v:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    counts = r["nothing_found_counts"]
    cols = [k for k in r["floor_curve"][0] if k != "floor"]
    heads = [f"{k} (n={counts[k[:-len(' not found')]]})" if k.endswith(" not found") else k for k in cols]
    floor_key = "reader.min_relevance" if settings.reader.enabled else "search.relevance_floor"
    print(f"| {floor_key} | " + " | ".join(heads) + " |")
    print("|---:|" + "---:|" * len(cols))
    for row in r["floor_curve"]:
        configured = settings.reader.min_relevance if settings.reader.enabled else settings.search.relevance_floor
        mark = " *" if abs(row["floor"] - configured) < 1e-9 else ""
        print(f"| {row['floor']:.3f}{mark} | " + " | ".join(f"{row[k]:.3f}" for k in cols) + " |")


if __name__ == "__main__":
    sys.exit(main())
