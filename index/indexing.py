"""The write path: articles in, chunks and their vectors out to a store's writer, article by article.

Apart from the engine (index.engine, which takes the locks and opens the write session) so that what is
written, and when it is committed, reads in one place. Every article's content hash includes the chunking
rules and settings: an article is re-embedded exactly when what it would be stored as changed.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.config import ChunkSettings
from index.ingest.articles import Failure
from index.ingest.chunking import chunk_text
from index.models.embedding import Embedder
from index.storage.store import Store, Writer, content_hash
from index.types import Article, Chunk

EMBED_BATCH_CHUNKS = 512
COMMIT_EVERY_SECONDS = 30.0
# Part of every article's content hash: bump it when chunking's rules change, so that re-indexing
# re-chunks unchanged articles (2: promo lines between paragraphs are in no chunk).
CHUNKING_RULES = 2

FileProgress = Callable[[int, int, int], None]
"""Called as (files done, files in all, chunks embedded so far); links count as files."""

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


Shard = tuple[int, int]
"""(i, n): this process indexes the i-th of n shares of the articles (0 <= i < n), by a hash of their ids."""


def in_shard(key: str, shard: Shard | None) -> bool:
    """Whether the article (or link) ``key`` falls to ``shard``: the same share on every machine."""
    if shard is None:
        return True
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % shard[1] == shard[0]


def is_url(item: str | Path) -> bool:
    """Whether an input to ``ingest`` is a link (``scheme://...``) rather than a path."""
    return isinstance(item, str) and bool(_URL.match(item))


@dataclass(frozen=True)
class Page:
    """A fetched page's article with what to send next time to learn it is unchanged (a conditional GET)."""

    article: Article
    url: str  # as asked
    etag: str | None = None
    last_modified: str | None = None


Item = Article | Failure | Page


@dataclass
class IngestReport:
    """What an ingest did, article by article."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    other_shards: int = 0  # articles left to the other processes of an ``--shard`` run
    chunks: int = 0
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def wrote(self, chunks: int, existed: bool) -> None:
        """Count an article just written: replaced when it was indexed before, else added."""
        self.chunks += chunks
        if existed:
            self.updated += 1
        else:
            self.added += 1

    def summary(self) -> str:
        shards = f", {self.other_shards} left to other shards" if self.other_shards else ""
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len(self.failed)} failed{shards} ({self.chunks} chunks embedded in {self.seconds:.1f} s)")

    def to_dict(self) -> dict[str, object]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "other_shards": self.other_shards,
                "failed": [{"where": f.where, "reason": f.reason} for f in self.failed],
                "chunks": self.chunks, "seconds": round(self.seconds, 3)}


def write_items(items: Iterable[Item | int], writer: Writer, embedder: Embedder, chunking: ChunkSettings,
                report: IngestReport, total_files: int, progress: FileProgress | None,
                shard: Shard | None = None) -> None:
    """Chunk, embed (in batches of about EMBED_BATCH_CHUNKS chunks) and write ``items``, skipping articles
    stored with the same content hash; an int among the items says how many files are done (for
    ``progress``). Commits every COMMIT_EVERY_SECONDS; the caller commits the rest."""
    salt = (f"{CHUNKING_RULES}/{chunking.max_chars}/{chunking.overlap_sentences}/{chunking.title_context}/"
            f"{embedder.max_tokens}")
    seen: dict[str, str] = {}  # article id -> where it was first read
    pending: list[tuple[Article, list[Chunk], str, bool]] = []
    last_commit = time.monotonic()

    def flush() -> None:
        nonlocal last_commit
        if not pending:
            return
        texts = [embed_text(a, c, chunking) for a, chunks, _, _ in pending for c in chunks]
        vectors = embedder.encode_documents(texts)
        pos = 0
        for article, chunks, digest, existed in pending:
            writer.add(article, chunks, vectors[pos : pos + len(chunks)], digest)
            pos += len(chunks)
            report.wrote(len(chunks), existed)
        pending.clear()
        if time.monotonic() - last_commit > COMMIT_EVERY_SECONDS:
            writer.commit()
            last_commit = time.monotonic()

    files_done = 0
    for item in items:
        if isinstance(item, int):
            files_done = item
            if progress:
                progress(files_done, total_files, report.chunks + sum(len(p[1]) for p in pending))
            continue
        if isinstance(item, Failure):
            report.failed.append(item)
            continue
        page, article = (item, item.article) if isinstance(item, Page) else (None, item)
        if not page and not in_shard(article.id, shard):  # a link was sharded by its URL, before fetching
            report.other_shards += 1
            continue
        if article.id in seen:
            report.failed.append(Failure(article.origin or article.id, f"duplicate article id '{article.id}' "
                                         f"(first at {seen[article.id]}); the first one was kept"))
            continue
        seen[article.id] = article.origin or "an earlier input"
        digest = content_hash(article, salt)
        old = writer.store.article_hashes([article.id]).get(article.id)
        if page:  # written with the article, in its transaction: a failed run remembers no validators
            writer.set_page(page.url, article.id, page.etag, page.last_modified)
        if old == digest:
            report.unchanged += 1
            continue
        pending.append((article, chunk_article(article, embedder, chunking), digest, old is not None))
        if sum(len(p[1]) for p in pending) >= EMBED_BATCH_CHUNKS:
            flush()
    flush()
    if progress:
        progress(total_files, total_files, report.chunks)


def chunk_article(article: Article, embedder: Embedder, settings: ChunkSettings) -> list[Chunk]:
    """The article's chunks, each within the model's token budget (less the title's, when it is prepended)."""
    reserved = embedder.count_tokens([article.title])[0] if settings.title_context and article.title else 0
    return chunk_text(article.id, article.text, max_chars=settings.max_chars,
                      overlap_sentences=settings.overlap_sentences, max_tokens=embedder.max_tokens,
                      reserved_tokens=reserved, count_tokens=embedder.count_tokens)


def embed_text(article: Article, chunk: Chunk, settings: ChunkSettings) -> str:
    """What the model reads: the title as context, then the verbatim chunk."""
    if settings.title_context and article.title:
        return f"{article.title}\n{chunk.text}"
    return chunk.text


def copy_articles(source: Store, writer: Writer, report: IngestReport,
                  progress: Callable[[int], None] | None) -> None:
    """Copy every article of ``source``, with its chunks and vectors, through ``writer`` (nothing is embedded
    again), skipping those already there with the same content hash; commits every COMMIT_EVERY_SECONDS, the
    caller commits the rest. ``progress`` is called with the number of articles done."""
    last_commit = time.monotonic()
    for n, stored in enumerate(source.stored(), 1):
        old = writer.store.article_hashes([stored.article.id]).get(stored.article.id)
        if old == stored.digest:
            report.unchanged += 1
        else:
            writer.add(stored.article, stored.chunks, stored.vectors, stored.digest)
            report.wrote(len(stored.chunks), old is not None)
        if time.monotonic() - last_commit > COMMIT_EVERY_SECONDS:
            writer.commit()
            last_commit = time.monotonic()
        if progress:
            progress(n)
