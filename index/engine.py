"""The one object both front ends call: ingest files, answer questions, describe the index.

It holds the models (index.models.loaded, shareable between engines), the store for reading, and the write
sessions (one writer at a time, across threads by a lock and across processes by a lock file); what a write
does article by article is index.indexing. Questions asked while an ingest runs are answered from the last
committed state.
"""

from __future__ import annotations

import threading
import time
from itertools import chain
from datetime import date, datetime
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence, Sized
from pathlib import Path

from index.ingest.cleaning import not_utf8
from index.config import Settings
from index.ranking import timeframe
from index.errors import IndexError_, InputError
from index.ingest.articles import Failure, find_files, read_bytes, read_file
from index.ingest.pages import article_from_page, public_url
from index.indexing import FileProgress, IngestReport, Item, Page, Shard, copy_articles, in_shard, is_url, write_items
from index.models.loaded import Models
from index.ranking.parameters import Parameters
from index.ranking.pipeline import Searcher
from index.storage.factory import open_backend
from index.storage.store import Backend, Store
from index.types import Answer

MAX_QUESTION_CHARS = 2000


def too_long(question: str) -> str | None:
    """Why a question is refused for its length (counted with runs of spaces folded, as it is asked), or None."""
    chars = len(" ".join(question.split()))
    if chars <= MAX_QUESTION_CHARS:
        return None
    return f"question too long: {chars} characters, at most {MAX_QUESTION_CHARS}"

AskedAt = date | datetime | str | None
"""When a question was asked: a date, a datetime, an ISO string, or None for now."""


class Engine:
    """Quotebot's engine over one index: a folder (its side files: feeds, votes) and the store ``[store]``
    names, which is the folder itself by default (``index.storage.store``)."""

    def __init__(self, settings: Settings, models: Models | None = None,
                 on_change: Callable[[IngestReport], None] | None = None) -> None:
        """``models``: another engine's, to share one copy in memory (they must be for the same ``[model]``);
        ``on_change`` is called after each ingest that added or updated articles (not after one that only
        found them unchanged)."""
        if models is not None and models.settings != settings.model:
            raise ValueError(f"models for {models.settings} given to an engine whose [model] is {settings.model}")
        self.settings = settings
        self.folder = settings.index_path
        self.backend: Backend = open_backend(settings)
        self.models = models if models is not None else Models(settings.model, settings.reader.enabled)
        self.parameters = Parameters.from_settings(settings)
        self.on_change = on_change
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the models and open the index now rather than on the first question."""
        self.models.warm_up()
        if self.has_index():
            self.store.warm()

    def has_index(self) -> bool:
        """Whether anything was ever indexed here (asking an empty index is an error that says so)."""
        return self._store is not None or self.backend.exists()

    @property
    def store(self) -> Store:
        with self._store_lock:
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
        """Answers in order; an empty question, one over MAX_QUESTION_CHARS (spaces folded) or a bad date is
        an InputError naming which one.

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
            if why := too_long(q):
                raise InputError(f"{why}{where(i)}")
            cleaned.append(q)
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
        searcher = Searcher(store=store, encoder=self.models.query_encoder,
                            parameters=self.parameters, reader=self.models.reader,
                            sources=sources)
        answers = searcher.search_many(cleaned, k, ids, frames)
        self.models.export_query_encoder()  # only does work when the slow path just loaded the full model
        return answers

    # -- writing --------------------------------------------------------------------------------
    def ingest(self, inputs: Sequence[Path | str], progress: FileProgress | None = None,
               shard: Shard | None = None) -> IngestReport:
        """Index files, folders and http(s) links; unchanged articles are skipped, changed ones replaced.

        Links are fetched ([fetch] settings) as they are indexed, a few pages ahead (``fetch_iter``): memory
        holds a few pages however many are given. A page unchanged since its last fetch (ETag /
        Last-Modified) costs one conditional GET and nothing else. With ``shard``, only that
        share of the articles (and links) is indexed: several processes given the same inputs and different
        shards index them all once between them (on a store that takes several writers: Milvus).
        """
        asked: dict[str, str] = {}  # a page's public URL (no password, no #fragment) -> the URL to fetch
        for link in (str(i) for i in inputs if is_url(i)):
            if in_shard(public := public_url(link), shard):
                asked.setdefault(public, link.split("#", 1)[0])  # page#x is page: fetched and indexed once
        urls = list(asked.values())
        found = list(find_files([Path(i) for i in inputs if not is_url(i)]))
        files = [p for p in found if isinstance(p, Path)]
        report = IngestReport(failed=[f for f in found if isinstance(f, Failure)])
        pages = self._fetch(urls, report)
        first = next(pages, None)  # a link-only run that fetched nothing readable must not create an index
        if not files and first is None:
            return report  # nothing readable: don't load a model or create an index for it
        max_bytes = int(self.settings.ingest.max_file_mb * 1e6)
        max_article = int(self.settings.ingest.max_article_mb * 1e6)

        def items() -> Iterator[Item | int]:
            done = 0
            if first is not None:
                for done, page in enumerate(chain([first], pages), 1):
                    yield page
                    yield done
            for n, path in enumerate(files, done + 1):
                yield from read_file(path, max_bytes, max_article)
                yield n

        try:
            return self._ingest(items(), len(urls) + len(files), report, progress, inputs, shard)
        finally:
            pages.close()  # stops the fetching when the write ends early (an error, a busy index, Ctrl-C)

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

    def _fetch(self, urls: Sequence[str], report: IngestReport) -> Generator[Page, None, None]:
        """Fetch ``urls``: their pages' articles, as they come (a few fetched ahead); a failure goes into the
        report, and a page that answers 304 counts as unchanged."""
        if not urls:
            return
        from index.ingest.fetch import FetchError  # aiohttp: only imported when there are links
        from index.ingest.fetching import fetch_iter

        known: dict[str, tuple[str | None, str | None]] = {}
        if self.has_index():
            try:
                known = self.store.page_validators([public_url(u) for u in urls])  # stored without passwords
            except IndexError_:
                known = {}  # an unreadable index is reported by the write that follows
        validators = {u: known[public_url(u)] for u in urls if public_url(u) in known}
        max_article = int(self.settings.ingest.max_article_mb * 1e6)
        fetching = fetch_iter(urls, self.settings.fetch, validators)
        try:
            for fetched in fetching:
                if isinstance(fetched, FetchError):
                    report.failed.append(Failure(public_url(fetched.url), fetched.reason))
                elif fetched.status == 304:
                    report.unchanged += 1
                elif isinstance(item := article_from_page(fetched, max_article), Failure):
                    report.failed.append(item)
                else:
                    yield Page(item, public_url(fetched.url), fetched.etag, fetched.last_modified)
        finally:
            fetching.close()

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
        with self._write_lock, self.backend.writing(self.settings.model.name, lambda: self.models.embedder.dim,
                                                    sources) as writer:
            write_items(items, writer, self.models.embedder, self.settings.chunking, report, total_files, progress,
                        shard)
            writer.commit()
        self.models.export_query_encoder()
        report.seconds = time.monotonic() - started
        if self.on_change is not None and (report.added or report.updated):
            self.on_change(report)
        return report

    def migrate(self, target: Backend, progress: Callable[[int], None] | None = None) -> IngestReport:
        """Copy every article, with its chunks and vectors, into ``target``: nothing is embedded again.

        Articles already there with the same content are skipped, so an interrupted migration re-run
        finishes the job. Page validators are not copied: a followed page is fetched once unconditionally.
        """
        started = time.monotonic()
        report = IngestReport()
        source = self.store
        with target.writing(source.model, lambda: source.dim) as writer:
            copy_articles(source, writer, report, progress)
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

