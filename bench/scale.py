"""Scale benchmark (run by hand): exact vs IVF vector search at 1M vectors, and warm `ask` at 100k chunks.

  python bench/scale.py vectors [--n 1000000]      # build time, memory, p50/p95 latency, recall@10 vs exact
  python bench/scale.py ask [--chunks 100000]      # warm Engine.ask p50/p95 on a 100k-chunk index

Vectors are synthetic (topic clusters, normalised, dim 384): real embeddings of 1M chunks would take
hours to compute on 2 cores. For `ask`, chunk texts are real news text (../shared/eval/realtimeqa,
repeated under new ids until the size is reached) with synthetic vectors; questions are encoded by the
real model (its ONNX export), so the latency is the real query path end to end.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.storage import vectors  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(8, n // 200), dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        x = centres[rng.integers(0, len(centres), hi - lo)] + 0.6 * rng.normal(size=(hi - lo, dim)).astype(np.float32)
        out[lo:hi] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def pct(samples: list[float]) -> str:
    a = np.array(samples) * 1000
    return f"p50 {np.percentile(a, 50):.2f} ms  p95 {np.percentile(a, 95):.2f} ms"


def bench_vectors(n: int, dim: int = 384, queries: int = 300) -> None:
    data = clustered(n, dim, 0)
    qs = clustered(queries, dim, 1)
    base = rss_mb()
    t = time.perf_counter()
    exact = vectors.new_exact(dim)
    exact.add_with_ids(data, np.arange(n, dtype=np.int64))
    build_exact = time.perf_counter() - t
    mem_exact = rss_mb() - base
    t = time.perf_counter()
    ivf = vectors.to_approximate(exact)
    build_ivf = time.perf_counter() - t
    lat = {}
    for name, index in (("exact", exact), ("ivf", ivf)):
        times = []
        for q in qs:
            t = time.perf_counter()
            index.search(q[None], 10)
            times.append(time.perf_counter() - t)
        lat[name] = pct(times)
    _, truth = exact.search(qs, 10)
    _, got = ivf.search(qs, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got)])
    print(f"vectors: n={n:,} dim={dim}  (nlist={ivf.nlist}, nprobe={ivf.nprobe})")
    print(f"  exact flat : build {build_exact:6.1f} s  memory +{mem_exact:,.0f} MB  {lat['exact']}")
    print(f"  IVF (auto) : build {build_ivf:6.1f} s (train+add, from exact)  peak RSS {rss_mb():,.0f} MB  {lat['ivf']}")
    print(f"  IVF recall@10 vs exact: {recall:.3f}")


def bench_ask(chunks: int, folder: Path) -> None:
    from index.ingest.chunking import chunk_text
    from index.config import load_settings
    from index.engine import Engine
    from index.storage.local import LocalWriter as Writer, create_store
    from index.storage.local_store import LocalStore as Store
    from index.storage.store import content_hash
    from index.types import Article

    corpus = [json.loads(line) for line in (EVAL / "realtimeqa" / "corpus.jsonl").open(encoding="utf-8")]
    questions = [json.loads(line)["question"]
                 for line in (EVAL / "realtimeqa" / "questions.jsonl").open(encoding="utf-8")]
    settings = load_settings(index_dir=folder)
    built = not (folder / "quotebot.sqlite3").exists()
    if built:
        shutil.rmtree(folder, ignore_errors=True)
        create_store(folder, settings.model.name, 384)
        writer = Writer(Store(folder), settings.search.exact_below)
        rng = np.random.default_rng(0)
        total, rep = 0, 0
        t = time.perf_counter()
        while total < chunks:
            for rec in corpus:
                art = Article(f"{rec['id']}#{rep}", rec.get("title") or "", rec["text"], rec.get("source"),
                              rec.get("url"), rec.get("date"))
                cs = chunk_text(art.id, art.text, max_chars=settings.chunking.max_chars)
                if not cs:
                    continue
                vec = rng.normal(size=(len(cs), 384)).astype(np.float32)
                writer.add(art, cs, vec / np.linalg.norm(vec, axis=1, keepdims=True), content_hash(art, ""))
                total += len(cs)
                if total >= chunks:
                    break
            rep += 1
        writer.commit()
        writer.close()
        print(f"built synthetic index: {total:,} chunks in {time.perf_counter() - t:.0f} s")
    from index.ranking import bm25
    from index.ranking import highlight

    engine = Engine(settings)
    engine.ask(questions[0])  # load the encoder and the vectors
    stats = engine.stats()
    # The per-chunk text caches (stems, sentences) help a long-running bot; the repeated corpus would
    # flatter them, so the second pass empties them before every question.
    for label, clear in (("warm single-question Engine.ask", False),
                         ("same, text caches emptied before each question", True)):
        times = []
        for q in questions:
            if clear:
                bm25._counted.cache_clear()
                highlight._sentence_terms.cache_clear()
            t = time.perf_counter()
            engine.ask(q)
            times.append(time.perf_counter() - t)
        print(f"ask: {stats['chunks']:,} chunks, {len(questions)} questions, {label}: {pct(times)}", flush=True)
    scope = " (this process also built the index: run again for asking alone)" if built else ""
    print(f"peak RSS {rss_mb():,.0f} MB{scope}; encoder {type(engine.models.query_encoder).__name__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    v = sub.add_parser("vectors")
    v.add_argument("--n", type=int, default=1_000_000)
    a = sub.add_parser("ask")
    a.add_argument("--chunks", type=int, default=100_000)
    a.add_argument("--folder", type=Path, default=ROOT / "bench" / "out" / "scale-index")
    args = ap.parse_args()
    if args.what == "vectors":
        bench_vectors(args.n)
    else:
        bench_ask(args.chunks, args.folder)


if __name__ == "__main__":
    main()
