"""The one object both front ends call: ingest files, answer questions, describe the index.

It owns the lazily loaded model, the store for reading, and the write path (one writer at a time,
across threads by a lock and across processes by a lock file). Questions asked while an ingest runs are
answered from the last committed state.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import date, datetime
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path

from index.ingest.chunking import chunk_text
from index.ingest.cleaning import not_utf8
from index.config import Settings
from index.models.embedding import Embedder, load_embedder, load_query_encoder
from index.ranking import timeframe
from index.errors import IndexError_, InputError, ModelError
from index.ingest.articles import Failure, article_from_page, find_files, read_bytes, read_file
from index.models.reader import SHIPPED, Reader
from index.ranking.search import Searcher
from index.storage.factory import open_backend
from index.storage.store import Backend, Store, Writer, content_hash
from index.types import Answer, Article, Chunk

MAX_QUESTION_CHARS = 2000
EMBED_BATCH_CHUNKS = 512
COMMIT_EVERY_SECONDS = 30.0
# Part of every article's content hash: bump it when chunking's rules change, so that re-indexing
# re-chunks unchanged articles (2: promo lines between paragraphs are in no chunk).
CHUNKING_RULES = 2

AskedAt = date | datetime | str | None
"""When a question was asked: a date, a datetime, an ISO string, or None for now."""

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


class Engine:
    """Quotebot's engine over one index: a folder (its side files: feeds, votes) and the store ``[store]``
    names, which is the folder itself by default (``index.storage.store``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.folder = settings.index_path
        self.backend: Backend = open_backend(settings)
        self._embedder: Embedder | None = None
        self._fast: Embedder | None | bool = None
        self._store: Store | None = None
        self._reader: Reader | None = None
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()

    # -- lazy parts -----------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._load_lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings.model)
            return self._embedder

    @property
    def query_encoder(self) -> Embedder:
        """What encodes questions: the loaded model if it is loaded, else its cached ONNX export, else the model."""
        with self._load_lock:
            if self._embedder is None and self._fast is None:
                self._fast = load_query_encoder(self.settings.model) or False
            fast = self._fast if self._embedder is None else None
        return fast or self.embedder  # type: ignore[return-value]

    def _export_query_encoder(self) -> None:
        """Once the full model is loaded, cache its export for later processes (index.models.query_encoder makes
        it once per process and model, and logs why when it won't)."""
        export = getattr(self._embedder, "export_query_encoder", None)
        if export is not None:
            export()

    @property
    def reader(self) -> Reader | None:
        """The shipped re-ranker and answer reader (onnxruntime, no torch), or None when disabled."""
        if not self.settings.rerank.enabled:
            return None
        with self._load_lock:
            if self._reader is None:
                try:
                    self._reader = Reader()
                except (OSError, ValueError, RuntimeError) as exc:
                    raise ModelError(f"cannot load the re-ranker from {SHIPPED} ({exc}); reinstall quotebot, "
                                     "or set [rerank] enabled = false") from None
            return self._reader

    def warm_up(self) -> None:
        """Load the model and open the index now rather than on the first question."""
        self.embedder.encode(["warm up"])
        if self.reader is not None:
            self.reader.read("warm up", ["warm up"])
        if self.has_index():
            self.store.warm()

    def has_index(self) -> bool:
        """Whether anything was ever indexed here (asking an empty index is an error that says so)."""
        return self._store is not None or self.backend.exists()

    @property
    def store(self) -> Store:
        with self._load_lock:
            if self._store is None:
                store = self.backend.open()
                want = self.settings.model.name
                if store.model != want:
                    store.close()
                    raise IndexError_(
                        f"index at {store.location} was built with model '{store.model}' but the config says "
                        f"'{want}': set [model] name = \"{store.model}\", or index into a new folder (--index)"
                    )
                self._store = store
            return self._store

    # -- asking ---------------------------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, asked_at: AskedAt = None,
            since: date | None = None, until: date | None = None, sources: Sequence[str] = ()) -> Answer:
        """One question; ``asked_at`` (default: now) bounds and weighs articles by date (index.ranking.timeframe);
        ``sources``, when given, are the only sources quoted (case ignored)."""
        return self.ask_many([question], k, asked_at=[asked_at], since=since, until=until, sources=sources)[0]

    def ask_many(self, questions: Sequence[str], k: int | None = None,
                 ids: Sequence[str | None] | None = None, asked_at: Sequence[AskedAt] | None = None,
                 since: date | None = None, until: date | None = None,
                 sources: Sequence[str] = ()) -> list[Answer]:
        """Answers in order; an empty question or a bad date is an InputError naming which one.

        ``asked_at`` gives each question's asking time (a date, a datetime, an ISO string, or None for
        now); articles published after it are never quoted, and recent ones are preferred.
        """
        def where(i: int) -> str:
            return f" (question {ids[i]})" if ids is not None and ids[i] is not None else ""

        cleaned = []
        for i, q in enumerate(questions):
            q = " ".join(str(q).split())
            if not q:
                raise InputError(f"empty question{where(i)}: ask something, e.g. quotebot ask \"who won?\"")
            if not_utf8(q):
                raise InputError(f"the question is not valid text (undecodable bytes){where(i)}: type it again")
            cleaned.append(q[:MAX_QUESTION_CHARS])
        if k is not None and not 1 <= k <= 50:
            raise InputError(f"results must be between 1 and 50, got {k}")
        frames = []
        for i, q in enumerate(cleaned):
            when = asked_at[i] if asked_at is not None else None
            try:
                day = timeframe.as_of(when) if when is not None else timeframe.today()
            except ValueError as exc:
                raise InputError(f"{exc}{where(i)}") from None
            frames.append(timeframe.frame(q, day, since, until))
        store = self.store
        searcher = Searcher(store, self.query_encoder, self.settings.search, self.settings.chunking.max_chars,
                            reader=self.reader, reading=self.settings.rerank, sources=sources)
        answers = searcher.search_many(cleaned, k, ids, frames)
        self._export_query_encoder()  # only does work when the slow path just loaded the full model
        return answers

    # -- writing --------------------------------------------------------------------------------
    def ingest(self, inputs: Sequence[Path | str], progress: FileProgress | None = None,
               shard: Shard | None = None) -> IngestReport:
        """Index files, folders and http(s) links; unchanged articles are skipped, changed ones replaced.

        Links are fetched first ([fetch] settings), outside the write lock; a page unchanged since its last
        fetch (ETag / Last-Modified) costs one conditional GET and nothing else. With ``shard``, only that
        share of the articles (and links) is indexed: several processes given the same inputs and different
        shards index them all once between them (on a store that takes several writers: Milvus).
        """
        urls = list(dict.fromkeys(str(i) for i in inputs if is_url(i) and in_shard(str(i), shard)))
        found = list(find_files([Path(i) for i in inputs if not is_url(i)]))
        files = [p for p in found if isinstance(p, Path)]
        report = IngestReport(failed=[f for f in found if isinstance(f, Failure)])
        pages = self._fetch(urls, report)
        if not files and not pages:
            return report  # nothing readable: don't load a model or create an index for it
        max_bytes = int(self.settings.ingest.max_file_mb * 1e6)
        max_article = int(self.settings.ingest.max_article_mb * 1e6)

        def items() -> Iterator[Item | int]:
            for n, page in enumerate(pages, 1):
                yield page
                yield n
            for n, path in enumerate(files, len(pages) + 1):
                yield from read_file(path, max_bytes, max_article)
                yield n

        return self._ingest(items(), len(pages) + len(files), report, progress, inputs, shard)

    def ingest_items(self, items: Iterable[Item], progress: FileProgress | None = None) -> IngestReport:
        """Index articles made elsewhere (feed entries, fetched pages); a Failure is reported as given.

        One writer at a time, as for ``ingest``; ``progress`` counts items (total 0 when unknown).
        """
        total = len(items) if isinstance(items, Sized) else 0

        def counted() -> Iterator[Item | int]:
            for n, item in enumerate(items, 1):
                yield item
                yield n

        return self._ingest(counted(), total, IngestReport(), progress)

    def _fetch(self, urls: Sequence[str], report: IngestReport) -> list[Page]:
        """Fetch ``urls``: their pages' articles; a failure goes into the report, and a page that answers 304
        counts as unchanged."""
        if not urls:
            return []
        from index.ingest.fetch import FetchError, fetch_all  # aiohttp: only imported when there are links

        known: dict[str, tuple[str | None, str | None]] = {}
        if self.has_index():
            try:
                known = self.store.page_validators(urls)
            except IndexError_:
                known = {}  # an unreadable index is reported by the write that follows
        max_article = int(self.settings.ingest.max_article_mb * 1e6)
        out: list[Page] = []
        for fetched in fetch_all(urls, self.settings.fetch, known):
            if isinstance(fetched, FetchError):
                report.failed.append(Failure(fetched.url, fetched.reason))
            elif fetched.status == 304:
                report.unchanged += 1
            elif isinstance(item := article_from_page(fetched, max_article), Failure):
                report.failed.append(item)
            else:
                out.append(Page(item, fetched.url, fetched.etag, fetched.last_modified))
        return out

    def ingest_bytes(self, name: str, data: bytes, article_id: str | None = None) -> IngestReport:
        """Index one uploaded file's bytes (the Discord /index command)."""
        max_article = int(self.settings.ingest.max_article_mb * 1e6)
        return self._ingest(read_bytes(name, data, article_id, max_article), 1, IngestReport(), None)

    def _ingest(self, items: Iterable[Item | int], total_files: int, report: IngestReport,
                progress: FileProgress | None, sources: Sequence[Path | str] = (),
                shard: Shard | None = None) -> IngestReport:
        """Write ``items`` under the write locks; ``sources`` (the paths asked for) go into a rebuild command."""
        started = time.monotonic()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)  # the side files' home (feeds, votes), whichever store
        except OSError:
            pass  # a local store says why in one line; a Milvus one needs the folder only for side files
        with self._write_lock, self.backend.writing(self.settings.model.name, lambda: self.embedder.dim,
                                                    sources) as writer:
            self._write(items, writer, report, total_files, progress, shard)
            writer.commit()
        self._export_query_encoder()
        report.seconds = time.monotonic() - started
        return report

    def _write(self, items: Iterable[Item | int], writer: Writer, report: IngestReport,
               total_files: int, progress: FileProgress | None, shard: Shard | None = None) -> None:
        chunking = self.settings.chunking
        salt = (f"{CHUNKING_RULES}/{chunking.max_chars}/{chunking.overlap_sentences}/{chunking.title_context}/"
                f"{self.embedder.max_tokens}")
        seen: dict[str, str] = {}  # article id -> where it was first read
        pending: list[tuple[Article, list[Chunk], str, bool]] = []
        last_commit = time.monotonic()

        def flush() -> None:
            nonlocal last_commit
            if not pending:
                return
            texts = [self._embed_text(a, c) for a, chunks, _, _ in pending for c in chunks]
            vectors = self.embedder.encode_documents(texts)
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
            page = item if isinstance(item, Page) else None
            item = page.article if page else item
            if not page and not in_shard(item.id, shard):  # a link was sharded by its URL, before fetching
                report.other_shards += 1
                continue
            if item.id in seen:
                report.failed.append(Failure(item.origin or item.id, f"duplicate article id '{item.id}' (first at "
                                             f"{seen[item.id]}); the first one was kept"))
                continue
            seen[item.id] = item.origin or "an earlier input"
            digest = content_hash(item, salt)
            old = writer.store.article_hashes([item.id]).get(item.id)
            if page:  # written with the article, in its transaction: a failed run remembers no validators
                writer.set_page(page.url, item.id, page.etag, page.last_modified)
            if old == digest:
                report.unchanged += 1
                continue
            pending.append((item, self._chunk(item), digest, old is not None))
            if sum(len(p[1]) for p in pending) >= EMBED_BATCH_CHUNKS:
                flush()
        flush()
        if progress:
            progress(total_files, total_files, report.chunks)

    def _chunk(self, article: Article) -> list[Chunk]:
        settings = self.settings.chunking
        embedder = self.embedder
        reserved = embedder.count_tokens([article.title])[0] if settings.title_context and article.title else 0
        return chunk_text(article.id, article.text, max_chars=settings.max_chars,
                          overlap_sentences=settings.overlap_sentences, max_tokens=embedder.max_tokens,
                          reserved_tokens=reserved, count_tokens=embedder.count_tokens)

    def _embed_text(self, article: Article, chunk: Chunk) -> str:
        """What the model reads: the title as context, then the verbatim chunk."""
        if self.settings.chunking.title_context and article.title:
            return f"{article.title}\n{chunk.text}"
        return chunk.text

    def migrate(self, target: Backend, progress: Callable[[int], None] | None = None) -> IngestReport:
        """Copy every article, with its chunks and vectors, into ``target``: nothing is embedded again.

        Articles already there with the same content are skipped, so an interrupted migration re-run
        finishes the job. Page validators are not copied: a followed page is fetched once unconditionally.
        """
        started = time.monotonic()
        report = IngestReport()
        source = self.store
        with target.writing(source.model, lambda: source.dim) as writer:
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
            writer.commit()
        report.seconds = time.monotonic() - started
        return report

    # -- describing -----------------------------------------------------------------------------
    def check(self) -> list[str]:
        """Integrity problems of the committed index; an empty list means it is sound."""
        return self.store.check()

    def export(self) -> Iterator[dict[str, object]]:
        """Every article as a corpus record; ``quotebot index`` of them rebuilds an equivalent index."""
        for a in self.store.articles():
            yield {"id": a.id, "title": a.title, "text": a.text, "source": a.source, "url": a.url, "date": a.date}

    def stats(self) -> dict[str, object]:
        store = self.store
        articles, chunks = store.counts()
        return {"index": store.location, "backend": self.settings.store.backend, "articles": articles,
                "chunks": chunks, "model": store.model, "dimension": store.dim, "bytes": store.size_bytes()}

