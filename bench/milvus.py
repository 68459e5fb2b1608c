"""The Milvus backend (Milvus Lite) beside the local one, on this machine: issue 13's targets (run by hand).

  python bench/milvus.py answers [--set squad ...]   # R@1, R@5, MRR (and unanswerables) on both backends
  python bench/milvus.py throughput [--articles 150]  # `quotebot index` from scratch, alternating backends
  python bench/milvus.py latency [--chunks 100000]    # warm Engine.ask p50/p95, data size, memory at 100k chunks
  python bench/milvus.py crash [--kills 10]           # SIGKILL `quotebot index` on Milvus Lite, re-run, check
  python bench/milvus.py keywords [--set squad ...]   # why the keyword candidate lists differ: BM25 formulas

Every sub-command prints its tables and appends them to bench/out/milvus-YYYYMMDD.txt (run one at a time:
two at once interleave their lines there), with the commit and the load average at its start.

answers: the local index of each set is bench/run.py's (built once in bench/out/<set>-<tag>), copied into a
Milvus Lite collection with `Engine.migrate` (no re-embedding; bench/out/milvus/<set>-<tag>.db), and every
question is answered on both in this process with the same settings, encoder and reader (bench/run.py's
ask_run: realtimeqa with its asked_at). A diagnosis follows: how far the backends' document counts, mean
chunk length, keyword candidate lists (the same words asked of both), fused candidates and first passages
differ, and which questions' R@1 differs.

throughput and crash run whole `quotebot index` processes (model loading included). crash kills each run
once: ``--kills`` at a moment drawn from the whole length of a clean build, ``--write-kills`` at a moment
drawn from ``--window`` seconds after the first chunk write (Milvus Lite's write-ahead log appearing), so
that some kills land inside an article's writes. latency uses bench/scale.py's 100k-chunk index (real news
text, synthetic vectors; bench/scale.py is run to build it when missing), copies it with `quotebot
migrate`, and measures each store's memory in a process of its own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: builds, ask_run, scoring; it puts the repository on sys.path)

from index.ranking import bm25, highlight  # noqa: E402
from index.config import Settings, StoreSettings, load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.ranking.parameters import Parameters  # noqa: E402
from index.ranking.pipeline import Searcher  # noqa: E402
from index.ranking.retrieval import asked_words, keyword_terms  # noqa: E402
from index.storage.factory import open_backend  # noqa: E402
from index.storage.store import Store  # noqa: E402
from index.text.terms import stems, stems_many  # noqa: E402

ROOT, OUT, EVAL = run.ROOT, run.OUT, run.EVAL
LOG = OUT / f"milvus-{time.strftime('%Y%m%d')}.txt"
SETS = ("squad", "realtimeqa", "squad2-dev")
QUOTEBOT = str(Path(sys.executable).with_name("quotebot"))
MILVUS_CONFIG = '[store]\nbackend = "milvus"\n'  # uri empty: <index folder>/milvus.db, Milvus Lite


def say(text: str = "") -> None:
    """Print, and keep in the day's log."""
    print(text, flush=True)
    with LOG.open("a", encoding="utf-8") as f:
        f.write(text + "\n")


def header(what: str) -> None:
    say(f"\n## {what} ({time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; commit {revision()}; `python bench/milvus.py {' '.join(sys.argv[1:])}`)\n")


def revision() -> str:
    """The commit measured, and whether the index code differs from it."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "index"], capture_output=True,
                           text=True).stdout.strip()
    return head + (" (index/ modified)" if dirty else "")


def tag_of(settings: Settings) -> str:
    """bench/run.py's index folder tag for these chunking settings."""
    c = settings.chunking
    return f"c{c.max_chars}o{c.overlap_sentences}{'t' if c.title_context else 'n'}"


def on_milvus(settings: Settings, uri: Path, collection: str = "quotebot") -> Settings:
    return replace(settings, store=StoreSettings(backend="milvus", uri=str(uri), collection=collection))


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def copy_into_milvus(local: Engine, target: Settings) -> tuple[float, Any]:
    """``local``'s index copied into the Milvus collection of ``target`` (a re-run skips what is there)."""
    t = time.perf_counter()
    report = local.migrate(open_backend(target))
    return time.perf_counter() - t, report


def vm_rss_mb() -> float:
    """This process's resident memory now (not its peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, q))


# -- answers ------------------------------------------------------------------------------------------
def answers(sets: Sequence[str]) -> None:
    header("Answers: local vs Milvus Lite, same process, same settings")
    rows, diagnoses = [], []
    for name in sets:
        folder = EVAL / name
        base = load_settings()
        settings = replace(base, index_dir=str(OUT / f"{name}-{tag_of(base)}"))
        run.build(settings, folder / "corpus.jsonl")
        uri = OUT / "milvus" / f"{name}-{tag_of(base)}.db"
        milvus_settings = on_milvus(settings, uri)
        local = Engine(settings)
        seconds, report = copy_into_milvus(local, milvus_settings)
        milvus = Engine(milvus_settings)
        local.warm_up()
        milvus.warm_up()
        say(f"{name}: migrated in {seconds:.1f} s ({report.added} added, {report.unchanged} unchanged, "
            f"{report.chunks} chunks copied); local {local.stats()['chunks']} chunks, "
            f"Milvus {milvus.stats()['chunks']}")
        # One encoder and one reading cache for both: the backends differ in what they retrieve, nothing else.
        encoder = run.CachedEncoder(local.models.embedder)
        run.READERS[id(milvus.models.reader)] = run.cached_reader(local)  # type: ignore[assignment]
        questions = run.load_jsonl(folder / "questions.jsonl")
        unanswerable = run.load_jsonl(folder / "unanswerable.jsonl") if (folder / "unanswerable.jsonl").exists() else []
        results = {}
        for label, engine in (("local", local), ("Milvus Lite", milvus)):
            answered = run.ask_run(engine, encoder, questions)
            m = run.score(questions, answered)
            if unanswerable:
                m["unanswerable found"] = run.found_rate(run.ask_run(engine, encoder, unanswerable, None, 1))
            results[label] = (m, answered)
            rows.append((name, label, len(questions), m))
        diagnoses.append((name, diagnose(local, milvus, encoder, questions, results)))
    say("| set | backend | questions | R@1 | R@5 | MRR@10 | HL@1 | found | unanswerable found |")
    say("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, label, n, m in rows:
        un = m.get("unanswerable found")
        say(f"| {name} | {label} | {n} | {m['answer_recall@1']:.3f} | {m['answer_recall@5']:.3f} | {m['mrr@10']:.3f} | "
            f"{m['answer_in_highlight@1']:.3f} | {m['found_rate']:.3f} | {'–' if un is None else f'{un:.3f}'} |")
    say()
    say("| set | Δ R@1 (Milvus − local) | Δ R@5 | Δ MRR | within 1 point |")
    say("|---|---:|---:|---:|---|")
    for i in range(0, len(rows), 2):
        (name, _, _, a), (_, _, _, b) = rows[i], rows[i + 1]
        deltas = [b[k] - a[k] for k in ("answer_recall@1", "answer_recall@5", "mrr@10")]
        ok = "yes" if all(abs(d) <= 0.01 for d in deltas) else "NO"
        say(f"| {name} | {deltas[0]:+.3f} | {deltas[1]:+.3f} | {deltas[2]:+.3f} | {ok} |")
    say()
    say("Diagnosis (per question: the terms' document counts, the keyword candidate list for the same words, "
        "the fused candidates, the first passage; chunks compared by article and offset):")
    say()
    say("| set | mean tokens local / Milvus | chunks local / Milvus | terms with another df | df error median / max "
        "| keyword lists: shared chunks | same set | same order | fused candidates: same set (asked_at) | same set "
        "(no dates) | first passage same | R@1 differs |")
    say("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, d in diagnoses:
        say(f"| {name} | {d['mean_tokens'][0]:.2f} / {d['mean_tokens'][1]:.2f} | {d['rows'][0]} / {d['rows'][1]} | "
            f"{d['df_differs']} of {d['terms']} | {d['df_error']} | {d['kw_shared']:.3f} | {d['kw_same_set']:.3f} | "
            f"{d['kw_same_order']:.3f} | {d['fused_same_set']:.3f} | {d['fused_undated']:.3f} | {d['top_same']:.3f} | "
            f"{d['r1_differs']} |")
        for example in d["examples"]:
            say(f"  - {name}: {example}")


def keys(store: Store, ids: Iterable[int]) -> list[tuple[str, int]]:
    """Chunks as (article id, start): the backends number chunks differently."""
    ids = list(ids)
    rows = store.chunk_rows(ids)
    return [(rows[i].article_id, rows[i].start) for i in ids if i in rows]


def diagnose(local: Engine, milvus: Engine, encoder: run.CachedEncoder, questions: list[dict[str, Any]],
             results: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]) -> dict[str, Any]:
    """Where the two backends' retrieval differs, question by question."""
    ls, ms = local.store, milvus.store
    parameters = Parameters.from_settings(local.settings)
    searchers = [Searcher(store=s, encoder=encoder, parameters=parameters) for s in (ls, ms)]
    depth = max(parameters.fusion.candidates, run.K)
    out: dict[str, Any] = {"mean_tokens": (ls.mean_tokens(), ms.mean_tokens()), "examples": []}
    terms_seen: dict[str, tuple[int, int]] = {}
    kw_same_set = kw_same_order = fused_same = fused_undated_same = 0
    kw_shared = 0.0
    frames = run.frames(questions)
    for q, frame in zip(questions, frames):
        words, phrases = keyword_terms(q["question"])
        (dl, nl), (dm, nm) = ls.doc_freqs(phrases), ms.doc_freqs(phrases)
        out["rows"] = (nl, nm)
        for p in phrases:
            terms_seen[p] = (dl.get(p, 0), dm.get(p, 0))
        # The same words asked of both (the local choice), so the lists compare the keyword indexes alone.
        asked = asked_words(words, phrases, dl, parameters.fusion.postings)
        kl = keys(ls, [c for c, _ in ls.keyword_search(asked, depth)])
        km = keys(ms, [c for c, _ in ms.keyword_search(asked, depth)])
        kw_shared += len(set(kl) & set(km)) / max(len(kl), 1)
        kw_same_set += set(kl) == set(km)
        kw_same_order += kl == km
        if set(kl) != set(km) and len(out["examples"]) < 3:
            out["examples"].append(f"question {q['id']!r} asks {asked}: keyword lists share {len(set(kl) & set(km))} "
                                   f"of {len(kl)} / {len(km)} chunks")
        # With the question's time frame (Milvus filters dates inside its searches, the local store after
        # them), and without (the stores alone).
        for when in (frame, None):
            fused = []
            for searcher in searchers:
                (found,) = searcher.retrieve([q["question"]], run.K, [when])
                fused.append({(x.row.article_id, x.row.start) for x in found.candidates})
            if when:
                fused_same += fused[0] == fused[1]
            else:
                fused_undated_same += fused[0] == fused[1]
    differs = {t: v for t, v in terms_seen.items() if v[0] != v[1]}
    errors = [abs(b - a) / a for a, b in differs.values() if a]
    out["df_error"] = (f"{statistics.median(errors):.1%} / {max(errors):.1%}" if errors else "–")
    for t, (a, b) in sorted(differs.items(), key=lambda kv: -kv[1][0])[:3]:
        out["examples"].append(f"term {t!r}: df local {a}, Milvus {b}")
    n = len(questions)
    (_, al), (_, am) = results["local"], results["Milvus Lite"]
    first = [(a["passages"][0]["article_id"], a["passages"][0]["text"][:80]) if a["passages"] else None for a in al]
    first_m = [(a["passages"][0]["article_id"], a["passages"][0]["text"][:80]) if a["passages"] else None for a in am]
    r1 = [run.score([q], [a])["answer_recall@1"] for q, a in zip(questions, al)]
    r1_m = [run.score([q], [a])["answer_recall@1"] for q, a in zip(questions, am)]
    for q, a, b in zip(questions, r1, r1_m):
        if a != b:
            out["examples"].append(f"R@1 {'lost' if a > b else 'gained'} on Milvus: question {q['id']!r}")
    out.update(terms=len(terms_seen), df_differs=len(differs), kw_shared=kw_shared / n, kw_same_set=kw_same_set / n,
               kw_same_order=kw_same_order / n, fused_same_set=fused_same / n, fused_undated=fused_undated_same / n,
               top_same=sum(a == b for a, b in zip(first, first_m)) / n,
               r1_differs=f"{sum(a > b for a, b in zip(r1, r1_m))} lost, {sum(b > a for a, b in zip(r1, r1_m))} gained")
    return out


# -- keyword lists: which BM25 differences make them differ ------------------------------------------------
FORMULAS = {  # (k1, idf + 1 as Lucene and Milvus write it, title weight)
    "FTS5 and index.ranking.bm25: k1 1.2, idf, title 0.5": (1.2, False, 0.5),
    "Milvus Lite's BM25: k1 1.5, idf + 1, title 1": (1.5, True, 1.0),
    "k1 1.2, idf + 1, title 1 (index param bm25_k1 = 1.2)": (1.2, True, 1.0),
    "k1 1.5, idf + 1, title 0.5": (1.5, True, 0.5),
    "k1 1.2, idf + 1, title 0.5": (1.2, True, 0.5),
}


def formula_top(query: Sequence[str], docs: dict[tuple[str, int], tuple[Counter[str], int, Counter[str], int]],
                df: Counter[str], mean: float, k1: float, plus_one: bool, title: float, k: int) -> set[tuple[str, int]]:
    """The ``k`` best chunks over ``docs`` (title counts, title length, body counts, body length) by one BM25."""
    n = len(docs)
    idf = {t: math.log((n - df[t] + 0.5) / (df[t] + 0.5) + plus_one) for t in set(query)}
    scores = {}
    for key, (title_tf, title_len, body_tf, body_len) in docs.items():
        norm = k1 * (1 - bm25.B + bm25.B * (title_len + body_len) / mean)
        total = 0.0
        for t in query:
            f = title * title_tf.get(t, 0) + body_tf.get(t, 0)
            if f:
                total += max(idf[t], 1e-6) * f * (k1 + 1) / (f + norm)
        if total:
            scores[key] = total
    return set(sorted(scores, key=lambda c: -scores[c])[:k])


def keywords(sets: Sequence[str]) -> None:
    header("Keyword candidate lists: each BM25 formula's top 40 over every chunk, against each backend's list")
    say("| set | questions | formula | shared with the local list | shared with the Milvus list |")
    say("|---|---:|---|---:|---:|")
    for name in sets:
        base = load_settings()
        settings = replace(base, index_dir=str(OUT / f"{name}-{tag_of(base)}"))
        local = Engine(settings)
        milvus = Engine(on_milvus(settings, OUT / "milvus" / f"{name}-{tag_of(base)}.db"))
        ls, ms = local.store, milvus.store
        rows = ls.chunk_rows([r[0] for r in ls.conn.execute("SELECT id FROM chunks")])  # type: ignore[attr-defined]
        docs = {}
        for r in rows.values():
            title, body = stems(r.title), stems(r.text)
            docs[(r.article_id, r.start)] = (Counter(title), len(title), Counter(body), len(body))
        df: Counter[str] = Counter()
        for title_tf, _, body_tf, _ in docs.values():
            df.update(title_tf.keys() | body_tf.keys())
        mean = sum(d[1] + d[3] for d in docs.values()) / len(docs)
        depth = max(settings.search.candidates, run.K)
        shared = {f: [0.0, 0.0] for f in FORMULAS}
        questions = run.load_jsonl(EVAL / name / "questions.jsonl")
        for q in questions:
            words, phrases = keyword_terms(q["question"])
            counts, _ = ls.doc_freqs(phrases)
            asked = asked_words(words, phrases, counts, Parameters().fusion.postings)
            query = [t for ts in stems_many(asked) for t in ts]
            lists = [set(keys(s, [c for c, _ in s.keyword_search(asked, depth)])) for s in (ls, ms)]
            for f, params in FORMULAS.items():
                top = formula_top(query, docs, df, mean, *params, depth)
                for i, got in enumerate(lists):
                    shared[f][i] += len(top & got) / max(len(got), 1) / len(questions)
        for f, (a, b) in shared.items():
            say(f"| {name} | {len(questions)} | {f} | {a:.3f} | {b:.3f} |")


# -- throughput ---------------------------------------------------------------------------------------
def timed(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, GNU time: the child's own) and stdout of one process."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        t = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], cwd=cwd, capture_output=True,
                              text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        wall = time.perf_counter() - t
        if done.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        return wall, float(Path(rss.name).read_text().split()[-1]) / 1024, done.stdout


def first_articles(n: int, dest: Path) -> int:
    """The first ``n`` realtimeqa articles written to ``dest``; returns its bytes."""
    with (EVAL / "realtimeqa" / "corpus.jsonl").open(encoding="utf-8") as src, dest.open("w", encoding="utf-8") as f:
        for _, line in zip(range(n), src):
            f.write(line)
    return dest.stat().st_size


def index_cmd(folder: Path, corpus: Path, config: Path | None) -> list[str]:
    return ([QUOTEBOT, "index", str(corpus), "--index", str(folder), "--json"]
            + (["--config", str(config)] if config else []))


def throughput(articles: int, runs: int) -> None:
    header(f"Indexing throughput: {articles} realtimeqa articles from scratch, whole `quotebot index` process")
    with tempfile.TemporaryDirectory(prefix="qb-milvus-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        size = first_articles(articles, corpus)
        config = work / "milvus.toml"
        config.write_text(MILVUS_CONFIG)
        warm = work / "warm.jsonl"
        first_articles(3, warm)
        for cfg in (None, config):  # untimed: page cache and any one-off model export
            timed(index_cmd(work / "warm", warm, cfg))
            shutil.rmtree(work / "warm")
        say(f"corpus: {articles} articles, {size / 1e6:.2f} MB JSONL; {runs} runs each, alternating local, Milvus Lite")
        say()
        say("| run | backend | chunks | wall s | chunks/s | MB/h | peak RSS MB | data on disk MB |")
        say("|---:|---|---:|---:|---:|---:|---:|---:|")
        per: dict[str, list[float]] = {"local": [], "Milvus Lite": []}
        for i in range(runs):
            for label, cfg in (("local", None), ("Milvus Lite", config)):
                folder = work / f"{label.split()[0]}-{i}"
                wall, peak, stdout = timed(index_cmd(folder, corpus, cfg))
                chunks = json.loads(stdout)["chunks"]
                per[label].append(wall)
                say(f"| {i + 1} | {label} | {chunks} | {wall:.1f} | {chunks / wall:.1f} | "
                    f"{size / 1e6 / wall * 3600:.1f} | {peak:.0f} | {dir_bytes(folder) / 1e6:.1f} |")
                shutil.rmtree(folder)
        ratios = [m / loc for loc, m in zip(per["local"], per["Milvus Lite"])]
        say()
        ratio = statistics.median(ratios)
        say(f"median wall: local {statistics.median(per['local']):.1f} s, "
            f"Milvus Lite {statistics.median(per['Milvus Lite']):.1f} s; Milvus/local time per pair "
            f"{', '.join(f'{r:.3f}' for r in ratios)} (median {ratio:.3f}: Milvus throughput "
            f"{100 * (1 / ratio - 1):+.1f}% of local; target within -15%)")


# -- latency, size and memory at 100k chunks ----------------------------------------------------------
def scale_index(folder: Path, chunks: int) -> None:
    """bench/scale.py's ask index (realtimeqa text repeated under new ids, seeded random vectors), unless there."""
    if (folder / "quotebot.sqlite3").exists():
        return
    # bench/scale.py builds it and then times local asks of its own: it is interrupted once it has built.
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "scale.py"), "ask", "--chunks", str(chunks),
                             "--folder", str(folder)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    for line in proc.stdout:
        say(f"bench/scale.py: {line.rstrip()}")
        if line.startswith("built synthetic index"):
            break
    proc.send_signal(signal.SIGINT)
    proc.wait()


def store_memory(settings: Settings) -> tuple[float, float]:
    """(RSS MB after imports, RSS MB with the store open, warmed and 20 searches run) in a fresh process; both
    backends' libraries are imported before the first figure, so the difference is the store's data."""
    code = f"""
import json, sys
sys.path.insert(0, {str(ROOT / 'bench')!r})
import milvus as m
import faiss, pymilvus, milvus_lite.adapter.grpc.server
from index.config import StoreSettings
from index.text.terms import query_words
import numpy as np
settings = m.load_settings(index_dir={str(settings.index_path)!r})
settings = m.replace(settings, store=StoreSettings(**{vars(settings.store)!r}))
before = m.vm_rss_mb()
backend = m.open_backend(settings)
store = backend.open()
store.warm()
rng = np.random.default_rng(0)
for q in ["election results in the state", "earthquake damage", "central bank interest rates", "who won the final"] * 5:
    store.vector_search(rng.normal(size=(1, store.dim)).astype(np.float32), 20)
    store.doc_freqs(query_words(q))
    store.keyword_search(query_words(q), 20)
print(json.dumps([before, m.vm_rss_mb()]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    before, after = json.loads(done.stdout.strip().splitlines()[-1])
    return before, after


def latency(chunks: int, n_questions: int, folder: Path) -> None:
    header(f"Warm Engine.ask at {chunks:,} chunks: local vs Milvus Lite (reader on)")
    scale_index(folder, chunks)
    base = load_settings(index_dir=folder)
    uri = OUT / "milvus" / f"scale-{chunks}.db"
    target = on_milvus(base, uri)
    # In its own process: Milvus Lite keeps a folder locked until the process that opened it exits.
    wall, peak, stdout = timed([QUOTEBOT, "migrate", "--to", str(uri), "--index", str(folder)])
    say(f"`quotebot migrate --to {uri.relative_to(ROOT)}`: {wall:.0f} s, peak RSS {peak:.0f} MB: {stdout.strip()}")
    # Memory first, each backend alone in a fresh process (this one does not hold Milvus Lite's folder yet).
    memory = {label: store_memory(s) for label, s in (("local", base), ("Milvus Lite", target))}
    engines = {"local": Engine(base), "Milvus Lite": Engine(target)}
    questions = [q["question"] for q in run.load_jsonl(EVAL / "realtimeqa" / "questions.jsonl")][:n_questions]
    for e in engines.values():
        e.warm_up()
        e.ask(questions[0])
    times: dict[str, list[float]] = {k: [] for k in engines}
    for q in questions:  # alternating, so drift in the machine's load falls on both alike
        for label, e in engines.items():
            # The repeated corpus would flatter the per-chunk text caches: emptied before every question.
            bm25._counted.cache_clear()
            highlight._sentence_terms.cache_clear()
            t = time.perf_counter()
            e.ask(q)
            times[label].append(time.perf_counter() - t)
    stats = {label: e.stats() for label, e in engines.items()}
    sizes = {"local": dir_bytes(folder), "Milvus Lite": dir_bytes(uri)}
    say()
    say("| backend | chunks | warm ask p50 ms | p95 ms | mean ms | data on disk MB | RSS store process: libraries "
        "loaded / store open, warm, 20 searches MB | store RSS per 1M chunks (extrapolated) GB |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label in engines:
        before, after = memory[label]
        n = int(stats[label]["chunks"])
        say(f"| {label} | {n:,} | {pct(times[label], 50):.0f} | {pct(times[label], 95):.0f} | "
            f"{1000 * statistics.mean(times[label]):.0f} | {sizes[label] / 1e6:.0f} | {before:.0f} / {after:.0f} | "
            f"{(after - before) / n * 1e6 / 1024:.2f} |")
    say()
    say(f"{len(questions)} realtimeqa questions, one per call, alternating backends, text caches emptied before each; "
        f"this process's RSS now {vm_rss_mb():.0f} MB (both engines, models, reader). Memory per million chunks is "
        f"extrapolated linearly from {chunks:,} chunks.")


# -- crash safety -------------------------------------------------------------------------------------
def cli(args: list[str], folder: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QUOTEBOT, *args, "--index", str(folder), "--config", str(config)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def wal_seen(folder: Path) -> bool:
    """Whether Milvus Lite has begun the chunks collection's write-ahead log: the first chunk is being written."""
    wal = folder / "milvus.db" / "collections" / "quotebot" / "wal"
    return wal.is_dir() and any(wal.iterdir())


def start_index(folder: Path, corpus: Path, config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(index_cmd(folder, corpus, config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def until_writing(proc: subprocess.Popen[bytes], folder: Path) -> float:
    """Seconds until the first chunk write began (polled every 20 ms), or until the process ended."""
    t = time.perf_counter()
    while proc.poll() is None and not wal_seen(folder):
        time.sleep(0.02)
    return time.perf_counter() - t


def crash(articles: int, kills: int, write_kills: int, window: float | None, seed: int) -> None:
    header(f"Crash safety: SIGKILL `quotebot index` (Milvus Lite): {kills} kills anywhere in the run, "
           f"{write_kills} once it writes")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="qb-crash-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        first_articles(articles, corpus)
        config = work / "milvus.toml"
        config.write_text(MILVUS_CONFIG)
        t = time.perf_counter()
        proc = start_index(work / "clean", corpus, config)
        first_write = until_writing(proc, work / "clean")
        proc.wait()
        clean_wall = time.perf_counter() - t
        clean = json.loads(cli(["info", "--json"], work / "clean", config).stdout)
        window = window or clean_wall - first_write
        say(f"clean build: {articles} articles, {clean['articles']} indexed, {clean['chunks']} chunks, "
            f"{clean_wall:.1f} s (model loading included), first chunk write at {first_write:.1f} s. Kills: {kills} at "
            f"a delay drawn uniformly from 0 to {clean_wall:.1f} s after the start; {write_kills} at a delay drawn "
            f"uniformly from 0 to {window:.1f} s after the first chunk write was seen (seed {seed})")
        say()
        say("| # | killed at s | state after the kill: articles / chunks | re-run | check | articles | ids unique | "
            f"chunks (clean build: {clean['chunks']}) | result |")
        say("|---:|---:|---|---|---|---:|---|---:|---|")
        passed = 0
        plan = [(rng.uniform(0, clean_wall), False) for _ in range(kills)]
        plan += [(rng.uniform(0, window), True) for _ in range(write_kills)]
        for i, (delay, after_first_write) in enumerate(plan):
            folder = work / f"kill-{i}"
            proc = start_index(folder, corpus, config)
            waited = until_writing(proc, folder) if after_first_write else 0.0
            time.sleep(delay)
            finished = proc.poll() is not None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after = cli(["info", "--json"], folder, config)
            state = "nothing yet" if after.returncode else "{articles} / {chunks}".format(**json.loads(after.stdout))
            if not after.returncode:
                state += ", check " + ("clean" if cli(["check"], folder, config).returncode == 0 else "problems")
            if finished:
                state += " (had finished)"
            rerun = cli(["index", str(corpus), "--json"], folder, config)
            check = cli(["check"], folder, config)
            info = json.loads(cli(["info", "--json"], folder, config).stdout or "{}")
            exported = [json.loads(line)["id"] for line in cli(["export"], folder, config).stdout.splitlines()
                        if line.strip()]
            ok = (rerun.returncode == 0 and check.returncode == 0 and info.get("articles") == articles
                  and len(exported) == articles == len(set(exported)) and info.get("chunks") == clean["chunks"])
            passed += ok
            when = f"{waited:.1f} + {delay:.1f}" if after_first_write else f"{delay:.1f}"
            rerun_cell = "ok" if rerun.returncode == 0 else "FAILED: " + rerun.stderr.strip()[-160:]
            check_cell = "clean" if check.returncode == 0 else "PROBLEMS: " + check.stderr.strip()[:200]
            unique = "yes" if len(exported) == len(set(exported)) else "NO"
            say(f"| {i + 1} | {when} | {state} | {rerun_cell} | {check_cell} | {info.get('articles')} | {unique} | "
                f"{info.get('chunks')} | {'pass' if ok else 'FAIL'} |")
            shutil.rmtree(folder, ignore_errors=True)
        say()
        say(f"{passed} of {len(plan)} runs: re-run completed, check clean, every article exactly once, chunk count "
            "as a clean build. (killed at: seconds after the start; 'a + b': the first chunk write was seen a s "
            "after the start, the kill came b s later.)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("answers")
    a.add_argument("--set", action="append", dest="sets", help=f"eval set (repeatable; default {', '.join(SETS)})")
    k = sub.add_parser("keywords")
    k.add_argument("--set", action="append", dest="sets", help=f"eval set (repeatable; default {', '.join(SETS)})")
    t = sub.add_parser("throughput")
    t.add_argument("--articles", type=int, default=150)
    t.add_argument("--runs", type=int, default=3)
    lat = sub.add_parser("latency")
    lat.add_argument("--chunks", type=int, default=100_000)
    lat.add_argument("--questions", type=int, default=50)
    lat.add_argument("--folder", type=Path, default=OUT / "scale-index", help="bench/scale.py's ask index")
    c = sub.add_parser("crash")
    c.add_argument("--articles", type=int, default=60)
    c.add_argument("--kills", type=int, default=10, help="kills at a random moment of the whole run")
    c.add_argument("--write-kills", type=int, default=10, help="kills at a random moment after the first chunk write")
    c.add_argument("--window", type=float, help="seconds after the first chunk write the write kills are drawn from "
                   "(default: until the clean build ended)")
    c.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.what == "answers":
        answers(args.sets or SETS)
    elif args.what == "keywords":
        keywords(args.sets or SETS)
    elif args.what == "throughput":
        throughput(args.articles, args.runs)
    elif args.what == "latency":
        latency(args.chunks, args.questions, args.folder)
    else:
        crash(args.articles, args.kills, args.write_kills, args.window, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
