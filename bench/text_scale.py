"""Text-scale benchmark (run by hand): time and peak memory of the ingest path before embedding
(read, clean, split sentences, chunk) on big generated texts, and the embedding rate that decides how
big one article may be.

  python bench/text_scale.py                     # 0.3, 5 and 50 MB single-paragraph .txt, 300 KB .jsonl record
  python bench/text_scale.py --sizes 0.3 5       # some sizes only
  python bench/text_scale.py --max-article-mb 100   # past the default limit: what a refused file would cost
  python bench/text_scale.py --embed 512         # also: chunks/s and MB an hour of the real model here

Each case runs in a fresh subprocess, so its peak RSS (``ru_maxrss``) is its own; ``base`` is the RSS
after the imports and the tokenizer load, before the file is read. Token counts come from the packaged
model's tokenizer, as in ``quotebot index`` (``--approx-tokens`` uses the model-free estimate). The text is
generated news-like prose, dense with abbreviations, initials and decimals ("Gen. J. K. Lee of the U.S.
Army said 3.5 million..."), deterministic. A case over ``--timeout`` seconds is reported as unfinished.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.config import IngestSettings  # noqa: E402

_WORDS = ("army city forces offensive siege report missiles officials government week river border talks "
          "minister election market prices company vote court police water council school health").split()
_OPENERS = ("Mr. Smith", "Gen. J. K. Lee", "Dr. Ruiz", "The U.S. Army", "Sen. Warren", "Lt. Col. Ames",
            "Officials in St. Louis", "Prof. A. Chen", "The U.N. envoy", "Rep. Ocasio-Cortez")


def prose(n_chars: int, seed: int = 0, wrap: int = 0) -> str:
    """Abbreviation-dense sentences to ``n_chars``: one line, or one paragraph hard-wrapped at ``wrap``."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < n_chars:
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 22)))
        s = f"{rng.choice(_OPENERS)} said on Jan. {rng.randint(1, 28)} that {rng.randint(1, 99)}.{rng.randint(0, 9)} " \
            f"million {words}, e.g. in the U.K. and the U.S. market{rng.choice('..?!')}"
        parts.append(s)
        size += len(parts[-1]) + 1
    text = " ".join(parts)[:n_chars]
    if not wrap:
        return text
    lines, pos = [], 0
    while pos < len(text):
        cut = text.rfind(" ", pos, pos + wrap) if pos + wrap < len(text) else len(text)
        cut = cut if cut > pos else pos + wrap
        lines.append(text[pos:cut].strip())
        pos = cut
    return "\n".join(lines)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def token_counter(approx: bool):
    """The model's word-piece counter (what indexing uses), or the model-free estimate."""
    from index.ingest.chunking import approx_tokens

    if approx:
        return approx_tokens, 256
    from transformers import AutoTokenizer

    from index.models.embedding import resolve_model_path

    tok = AutoTokenizer.from_pretrained(resolve_model_path("all-MiniLM-L6-v2"))

    def count(texts):
        return [len(x) for x in tok(list(texts), add_special_tokens=True, truncation=False)["input_ids"]]

    return count, 256


def run_one(path: Path, approx: bool, max_article_mb: float) -> dict[str, object]:
    """Read, clean, split and chunk one file as ``quotebot index`` does (defaults: 700 chars, overlap 1)."""
    from index.ingest.chunking import chunk_text
    from index.ingest.articles import Failure, read_file

    count, max_tokens = token_counter(approx)
    count(["warm up"])
    base = rss_mb()
    t = time.perf_counter()
    chunks = chars = articles = 0
    failures = []
    for item in read_file(path, max_bytes=10**9, max_article_bytes=int(max_article_mb * 1e6)):
        if isinstance(item, Failure):
            failures.append(str(item))
            continue
        articles += 1
        chars += len(item.text)
        reserved = count([item.title])[0] if item.title else 0
        chunks += len(chunk_text(item.id, item.text, max_tokens=max_tokens, reserved_tokens=reserved,
                                 count_tokens=count))
    return {"seconds": round(time.perf_counter() - t, 2), "base_mb": round(base), "peak_mb": round(rss_mb()),
            "articles": articles, "chars": chars, "chunks": chunks, "failures": failures}


def embed_rate(n: int) -> dict[str, float]:
    """Chunks and characters a second of the packaged model over ``n`` default-size chunks of prose."""
    from index.ingest.chunking import chunk_text
    from index.config import ModelSettings
    from index.models.embedding import load_embedder

    embedder = load_embedder(ModelSettings())
    text = prose(800 * n, seed=1)
    chunks = chunk_text("e", text, max_tokens=embedder.max_tokens, count_tokens=embedder.count_tokens)[:n]
    texts = [c.text for c in chunks]
    embedder.encode_documents(texts[:32])
    t = time.perf_counter()
    embedder.encode_documents(texts)
    dt = time.perf_counter() - t
    chars = sum(len(x) for x in texts)
    return {"chunks": len(texts), "seconds": round(dt, 1), "chunks_per_s": round(len(texts) / dt, 1),
            "mb_per_hour": round(chars / dt * 3600 / 1e6, 1)}


def make_cases(folder: Path, sizes: list[float], record_kb: float) -> list[tuple[str, Path]]:
    cases = []
    for mb in sizes:
        p = folder / f"para_{mb:g}mb.txt"
        p.write_text("A generated paragraph\n\n" + prose(int(mb * 1e6)), encoding="utf-8")
        cases.append((f"{mb:g} MB single paragraph (.txt)", p))
    if record_kb:
        p = folder / "record.jsonl"
        record = {"id": "big", "title": "One big record", "text": prose(int(record_kb * 1e3), seed=2, wrap=72)}
        p.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        cases.append((f"{record_kb:g} KB JSONL record (one hard-wrapped paragraph)", p))
    return cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=float, nargs="*", default=[0.3, 5, 50], help="single-paragraph sizes, MB")
    ap.add_argument("--record-kb", type=float, default=300, help="size of the one JSONL record (0: none)")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--approx-tokens", action="store_true", help="count tokens without the model's tokenizer")
    ap.add_argument("--max-article-mb", type=float, default=IngestSettings().max_article_mb,
                    help="[ingest] max_article_mb (default: the configured default)")
    ap.add_argument("--embed", type=int, default=0, help="also measure the embedding rate over N chunks")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.approx_tokens, args.max_article_mb)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in make_cases(Path(tmp), args.sizes, args.record_kb):
            cmd = [sys.executable, __file__, "--one", str(path), "--max-article-mb", str(args.max_article_mb)]
            cmd += ["--approx-tokens"] if args.approx_tokens else []
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"{name}: did not finish in {args.timeout:g} s")
                continue
            if out.returncode:
                print(f"{name}: failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{name}: {r['seconds']} s, peak RSS {r['peak_mb']} MB (base {r['base_mb']} MB), "
                  f"{r['chars'] / 1e6:.2f} M chars, {r['chunks']} chunks"
                  + (f", refused: {'; '.join(r['failures'])}" if r["failures"] else ""))
    if args.embed:
        r = embed_rate(args.embed)
        print(f"embedding: {r['chunks']} chunks in {r['seconds']} s = {r['chunks_per_s']} chunks/s, "
              f"{r['mb_per_hour']} MB of text an hour")


if __name__ == "__main__":
    main()
