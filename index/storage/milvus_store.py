"""Reads of a Milvus index (``MilvusStore``): vector and keyword search inside Milvus, rows and vectors by id,
articles from their records; written by ``index.storage.milvus``.

Milvus reports no term statistics. They are read from a uniform sample of the chunks (all of them on an
index of up to ``SAMPLE`` chunks, where they are exact): BM25's mean length, and the document counts of
common terms; a rarer term is counted by keyword search (a sparse search returns every chunk holding it,
cheap for a rare term), cached for ``STATS_TTL`` seconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import IndexError_
from index.storage.milvus_schema import (BATCH, ID_SPACE, META, SCHEMA_VERSION, encode_term, encode_terms,
                                         filter_expr, key_text, lit, quoted)
from index.storage.store import ChunkRow, StoredArticle, Where
from index.text.terms import stems_many
from index.types import Article, Chunk

if TYPE_CHECKING:
    from index.storage.milvus import MilvusBackend

DF_LIMIT = 16_384  # Milvus's largest top-k: a term in more chunks counts as in this many
STATS_TTL = 30.0  # seconds a cached statistic (chunk count, mean length, document frequencies) is used
SAMPLE = 5_000  # chunks read to measure term frequencies and the mean length (all of them up to this many)
COMMON = 30  # a term in this many sampled chunks or more has its count scaled up from the sample
_OUTPUT = ["id", "article_id", "title", "source", "url", "date", "start", "stop", "body"]


@dataclass(frozen=True)
class Sample:
    """What a uniform sample of the chunks says: document counts of its (encoded) terms and mean length."""

    total: int  # chunks in the collection when it was read
    size: int  # chunks in the sample
    counts: Counter[str]
    mean_tokens: float


class MilvusStore:
    """Reads from the collections; thread-safe (pymilvus's client is)."""

    def __init__(self, backend: MilvusBackend) -> None:
        self.backend = backend
        self.location = backend.location
        self.read_only = False
        self.client = backend.client()
        self.chunks, self.articles_name, self.pages = backend.names
        with backend.errors():
            meta = json.loads(self.client.describe_collection(self.chunks).get("properties", {}).get(META) or "{}")
            if meta.get("quotebot_schema") != SCHEMA_VERSION:
                raise IndexError_(f"{self.location} is not a Quotebot index of schema {SCHEMA_VERSION} "
                                  f"(it says {meta.get('quotebot_schema')!r}): use another [store] collection")
            for name in backend.names:
                self.client.load_collection(name)
        self.meta = meta
        self._stats: dict[str, tuple[float, Any]] = {}
        self._stats_lock = threading.Lock()
        self._vectors = threading.local()

    @property
    def model(self) -> str:
        return str(self.meta["model"])

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    def warm(self) -> None:
        self.mean_tokens()

    # -- search ---------------------------------------------------------------------------------
    def vector_search(self, queries: np.ndarray, k: int, where: Where | None = None) -> tuple[np.ndarray, np.ndarray]:
        n = len(queries)
        scores, ids = np.zeros((n, k), np.float32), np.full((n, k), -1, np.int64)
        if n == 0:
            return scores, ids
        with self.backend.errors():
            hits = self.client.search(self.chunks, data=np.asarray(queries, np.float32).tolist(), anns_field="dense",
                                      limit=k, filter=filter_expr(where), search_params={"metric_type": "IP"},
                                      output_fields=[])
        for i, row in enumerate(hits):
            for j, hit in enumerate(row[:k]):
                ids[i, j], scores[i, j] = int(hit["id"]), float(hit["distance"])
        return scores, ids

    def keyword_search(self, words: Sequence[str], limit: int, where: Where | None = None) -> list[tuple[int, float]]:
        text = encode_terms(t for ts in stems_many(list(words)) for t in ts)
        if not text:
            return []
        with self.backend.errors():
            hits = self.client.search(self.chunks, data=[text], anns_field="sparse", limit=limit,
                                      filter=filter_expr(where), search_params={"metric_type": "BM25"},
                                      output_fields=[])
        return [(int(h["id"]), abs(float(h["distance"]))) for h in hits[0]]

    # -- statistics -----------------------------------------------------------------------------
    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self._stats.get(key)
        if hit and now - hit[0] < STATS_TTL:
            return hit[1]
        value = compute()
        with self._stats_lock:
            self._stats[key] = (now, value)
        return value

    def _count(self, collection: str, expr: str = "") -> int:
        with self.backend.errors():
            rows = self.client.query(collection, filter=expr, output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def _sample(self) -> Sample:
        """A uniform sample of the chunks' terms and lengths, read again when the chunk count changes.

        Chunk ids are uniform hashes, so the chunks below an id bound are a uniform sample; an index of at
        most ``SAMPLE`` chunks is read whole, and its counts are exact.
        """
        total = self._cached("rows", lambda: self._count(self.chunks))
        hit = self._stats.get("sample")
        if hit and hit[1].total == total:
            return hit[1]
        bound = "" if total <= SAMPLE else f"id < {int(ID_SPACE * SAMPLE / total)}"
        counts: Counter[str] = Counter()
        tokens = []
        with self.backend.errors():
            for row in self.client.query(self.chunks, filter=bound, output_fields=["terms", "tokens"],
                                         limit=DF_LIMIT):
                counts.update(set(row["terms"].split()))
                tokens.append(row["tokens"])
        sample = Sample(total, len(tokens), counts, float(np.mean(tokens)) if tokens else 0.0)
        with self._stats_lock:
            self._stats["sample"] = (time.monotonic(), sample)
        return sample

    def doc_freqs(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """Exact counts on an index the sample covers; else common terms (``COMMON`` sample chunks or
        more: within about 20%) scaled up from the sample, and the rest counted by keyword search, whose
        cost grows with the chunks it returns: common terms would cost seconds each there."""
        sample = self._sample()
        out: dict[str, int] = {}
        rare = []
        for t in sorted(set(terms)):
            seen = sample.counts.get(encode_term(t), 0)
            if sample.size >= sample.total or seen >= COMMON:
                if seen:
                    out[t] = seen if sample.size >= sample.total else round(seen * sample.total / sample.size)
            elif self._fresh(f"df:{t}"):
                if self._stats[f"df:{t}"][1]:
                    out[t] = self._stats[f"df:{t}"][1]
            else:
                rare.append(t)
        if rare and sample.total:
            with self.backend.errors():
                hits = self.client.search(self.chunks, data=[encode_term(t) for t in rare], anns_field="sparse",
                                          limit=min(DF_LIMIT, sample.total), search_params={"metric_type": "BM25"},
                                          output_fields=[])
            now = time.monotonic()
            with self._stats_lock:
                for term, row in zip(rare, hits):
                    self._stats[f"df:{term}"] = (now, len(row))
                    if row:
                        out[term] = len(row)
        return out, sample.total

    def _fresh(self, key: str) -> bool:
        hit = self._stats.get(key)
        return hit is not None and time.monotonic() - hit[0] < STATS_TTL

    def mean_tokens(self) -> float:
        return self._sample().mean_tokens

    # -- rows -----------------------------------------------------------------------------------
    def _get(self, ids: Sequence[int], fields: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        with self.backend.errors():
            for lo in range(0, len(ids), BATCH):
                out.extend(self.client.get(self.chunks, ids=list(ids[lo : lo + BATCH]), output_fields=fields))
        return out

    def chunk_rows(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        """Rows with their vectors, which ``reconstruct`` then answers from (one request per candidate list)."""
        ids = list(dict.fromkeys(int(i) for i in ids))
        if not ids:
            return {}
        rows = self._get(ids, _OUTPUT + ["dense"])
        self._vectors.last = {int(r["id"]): np.asarray(r["dense"], np.float32) for r in rows}
        return {int(r["id"]): ChunkRow(int(r["id"]), r["article_id"], r["title"], r["source"] or None,
                                       r["url"] or None, r["date"] or None, int(r["start"]), int(r["stop"]), r["body"])
                for r in rows}

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        known: dict[int, np.ndarray] = getattr(self._vectors, "last", {})
        missing = [int(i) for i in ids if int(i) not in known]
        if missing:
            known = dict(known)
            rows = self._get(missing, ["id", "dense"])
            known.update({int(r["id"]): np.asarray(r["dense"], np.float32) for r in rows})
        return np.vstack([known[int(i)] for i in ids])

    def _records(self, expr: str, fields: list[str], collection: str | None = None) -> Iterator[dict[str, Any]]:
        """Every row matching ``expr``, in batches (query_iterator: no offset limit)."""
        with self.backend.errors():
            it = self.client.query_iterator(collection or self.articles_name, batch_size=BATCH, filter=expr,
                                            output_fields=fields)
            try:
                while batch := it.next():
                    yield from batch
            finally:
                it.close()

    def article_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Content hashes by article id (an id over ``KEY_BYTES`` is stored shortened: ``key_text``)."""
        out: dict[str, str] = {}
        for lo in range(0, len(ids), BATCH):
            given = {key_text(i): i for i in ids[lo : lo + BATCH]}
            for r in self._records(f"part == 0 and article_id in {quoted(list(given))}", ["article_id", "digest"]):
                out[given.get(r["article_id"], r["article_id"])] = r["digest"]
        return out

    def page_validators(self, urls: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        found: dict[str, tuple[str, str | None, str | None]] = {}
        for lo in range(0, len(urls), BATCH):
            part = list(urls[lo : lo + BATCH])
            for r in self._records(f"url in {quoted(part)}", ["url", "article_id", "etag", "last_modified"],
                                   self.pages):
                if r["etag"] or r["last_modified"]:
                    found[r["url"]] = (r["article_id"], r["etag"] or None, r["last_modified"] or None)
        indexed = self.article_hashes(list({a for a, _, _ in found.values()}))
        return {url: (etag, modified) for url, (aid, etag, modified) in found.items() if aid in indexed}

    def _article(self, head: dict[str, Any]) -> Article:
        text = head["text"]
        if head["parts"] > 1:
            rest = {r["part"]: r["text"] for r in self._records(
                f"article_id == {lit(head['article_id'])} and part > 0", ["part", "text"])}
            text += "".join(rest.get(i, "") for i in range(1, head["parts"]))
        return Article(head["article_id"], head["title"], text, head["source"] or None, head["url"] or None,
                       head["date"] or None)

    _HEAD = ["article_id", "title", "text", "source", "url", "date", "digest", "parts", "chunks"]

    def articles(self) -> Iterator[Article]:
        for head in self._records("part == 0", self._HEAD):
            yield self._article(head)

    def stored(self) -> Iterator[StoredArticle]:
        for head in self._records("part == 0", self._HEAD):
            article = self._article(head)
            rows = sorted(self._records(f"article_id == {lit(article.id)}", ["id", "start", "stop", "dense"],
                                        self.chunks), key=lambda r: r["start"])
            chunks = tuple(Chunk(article.id, r["start"], r["stop"], article.text[r["start"] : r["stop"]]) for r in rows)
            vectors = (np.vstack([np.asarray(r["dense"], np.float32) for r in rows]) if rows
                       else np.zeros((0, self.dim), np.float32))
            yield StoredArticle(article, head["digest"], chunks, vectors)

    def counts(self) -> tuple[int, int]:
        return self._count(self.articles_name, "part == 0"), self._count(self.chunks)

    def check(self) -> list[str]:
        """Each chunk a span of its article's text, each article's chunks all there, no chunk without an
        article, no duplicate rows."""
        problems: list[str] = []
        chunk_articles: dict[str, int] = {}
        ids: set[int] = set()
        rows = 0
        for r in self._records("", ["id", "article_id"], self.chunks):
            rows += 1
            ids.add(int(r["id"]))
            chunk_articles[r["article_id"]] = chunk_articles.get(r["article_id"], 0) + 1
        if rows != len(ids):
            problems.append(f"chunks: {rows - len(ids)} duplicate ids")
        seen: set[str] = set()
        for head in self._records("part == 0", self._HEAD):
            article = self._article(head)
            seen.add(article.id)
            have = chunk_articles.get(article.id, 0)
            if have != head["chunks"]:
                problems.append(f"article {article.id!r}: {have} of its {head['chunks']} chunks (an interrupted "
                                "write): index it again")
                continue
            for r in self._records(f"article_id == {lit(article.id)}", ["id", "start", "stop", "body"],
                                   self.chunks):
                if not 0 <= r["start"] < r["stop"] <= len(article.text):
                    problems.append(f"chunk {r['id']}: span {r['start']}:{r['stop']} outside its article")
                elif r["body"] != article.text[r["start"] : r["stop"]]:
                    problems.append(f"chunk {r['id']}: text differs from its article span")
        orphans = {a: n for a, n in chunk_articles.items() if a not in seen}
        if orphans:
            problems.append(f"chunks without an article: {sum(orphans.values())} (of {len(orphans)} article ids, "
                            f"e.g. {min(orphans)!r}: an interrupted write): index them again")
        return problems

    def size_bytes(self) -> int | None:
        if not self.backend.lite:
            return None
        return sum(p.stat().st_size for p in Path(self.backend.uri).rglob("*") if p.is_file())

    def close(self) -> None:
        """Nothing to release: the backend's client serves every store of it."""
