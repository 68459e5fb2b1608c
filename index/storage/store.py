"""The store seam: what the engine and search need from an index, whichever backend holds it.

Two implementations sit behind it: ``index.storage.local`` (one folder: SQLite, FTS5 and FAISS; the
default) and ``index.storage.milvus`` (a Milvus collection: Milvus Lite embedded, or a server or cluster
by URI). Everything above the storage package (Engine, ranking, the front ends) only sees ``Store`` and
``Writer``; ``index.storage.factory`` picks the implementation from ``[store]``.

Both backends count words with the same tokenizer (``index.text.terms``) and score candidates with the same
BM25 (``index.ranking.bm25``): a backend only has to *find* candidates and report the index-wide statistics.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import numpy as np

from index.text.terms import stems_many
from index.types import Article, Chunk

@dataclass(frozen=True)
class ChunkRow:
    """A chunk joined with its article's metadata: everything a quote needs."""

    id: int
    article_id: str
    title: str
    source: str | None
    url: str | None
    date: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Where:
    """Which articles a search may return: by publication day (undated articles always pass, as in
    ``TimeFrame.allows``) and by source. A backend that can filter inside its search does; the Searcher
    checks every candidate again."""

    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()  # folded (``source_key``) names; empty = any source

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None or bool(self.sources)

    def allows_source(self, source: str | None) -> bool:
        return not self.sources or source_key(source) in self.sources


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored, with its chunks and their vectors: what ``quotebot migrate`` copies, so that
    nothing is embedded again."""

    article: Article
    digest: str
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray


def source_key(source: str | None) -> str:
    """A source name as ``--source`` matches it: case and surrounding spaces ignored."""
    return " ".join((source or "").split()).casefold()


def content_hash(article: Article, salt: str) -> str:
    """Hash of everything that changes an article's chunks; ``salt`` carries the chunking settings."""
    h = hashlib.sha256(salt.encode())
    for part in (article.title, article.text, article.source, article.url, article.date):
        h.update(b"\x00" + (part or "").encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def token_counts(title: str, bodies: Sequence[str]) -> list[int]:
    """Tokens per keyword row (title and body), as FTS5 counts them: BM25's document lengths."""
    title_tokens = len(stems_many([title])[0])
    return [title_tokens + len(tokens) for tokens in stems_many(bodies)]


class Store(Protocol):
    """Reads of an index's last committed state; safe to call from any thread."""

    location: str  # for messages: the folder, or the Milvus URI and collection
    read_only: bool

    @property
    def model(self) -> str: ...
    @property
    def dim(self) -> int: ...
    def warm(self) -> None:
        """Load what the first question would otherwise wait for (vectors, statistics)."""
    def vector_search(self, queries: np.ndarray, k: int, where: Where | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, chunk ids) of the ``k`` nearest chunks per query row; ids -1 pad a short list."""
    def keyword_search(self, words: Sequence[str], limit: int, where: Where | None = None) -> list[tuple[int, float]]:
        """(chunk id, score) of the best keyword matches of any of ``words`` (``terms.query_words``)."""
    def doc_freqs(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """Chunks holding each stemmed term (those with any), and the number of chunks."""
    def mean_tokens(self) -> float:
        """Mean tokens per chunk (title included): BM25's average document length."""
    def chunk_rows(self, ids: Iterable[int]) -> dict[int, ChunkRow]: ...
    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``ids``, in order."""
    def article_hashes(self, ids: Sequence[str]) -> dict[str, str]: ...
    def page_validators(self, urls: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """URL -> (ETag, Last-Modified) of fetched pages whose article is still indexed."""
    def articles(self) -> Iterator[Article]: ...
    def stored(self) -> Iterator[StoredArticle]: ...
    def counts(self) -> tuple[int, int]:
        """(articles, chunks)."""
    def check(self) -> list[str]:
        """What is inconsistent in the committed index; empty when sound."""
    def size_bytes(self) -> int | None:
        """Bytes on disk, where the backend can tell."""
    def close(self) -> None: ...


class Writer(Protocol):
    """One write session; ``commit`` makes its changes visible (the local backend holds them until then,
    Milvus shows each article once written, its record written last)."""

    @property
    def store(self) -> Store:
        """The index being written, as readers see it (read-only here, so a backend's own Store type fits)."""
    def delete(self, article_ids: Sequence[str]) -> int:
        """Remove articles with their chunks; returns chunks removed."""
    def add(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray, digest: str) -> None:
        """Insert or replace an article with its chunks and their vectors (``digest``: its ``content_hash``)."""
    def set_page(self, url: str, article_id: str, etag: str | None, last_modified: str | None) -> None: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...


class Backend(Protocol):
    """Where an index lives: opens it for reading, creates it and hands out write sessions."""

    location: str

    def exists(self) -> bool: ...
    def open(self) -> Store: ...
    def drop(self) -> None:
        """Delete the index, every article of it (a left Discord server's); side files are the caller's."""
    def repair(self) -> str:
        """What to do when ``check`` finds problems, in words and commands."""
    def writing(self, model: str, dim: Callable[[], int],
                sources: Sequence[str | Path] = ()) -> AbstractContextManager[Writer]:
        """A write session (creating the index for ``model`` when missing; ``dim`` loads the model, so it is
        asked late); errors of the disk or server are one-line ``IndexError_``s (``sources``: the inputs,
        for a rebuild command)."""
