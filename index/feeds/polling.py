"""Following feeds and polling them into the index.

Polling is two steps: every due feed is fetched at once (conditional GET), then the new entries' pages
are fetched while the ones already here are embedded (fetching runs in a thread of its own, embedding
stays the bottleneck). A feed or entry that fails is one line in the report and never stops the others.
What a feed's bytes hold is ``index.feeds.parsing``; which feeds are followed, ``index.feeds.follow_list``.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from index.feeds.follow_list import Feed, FeedList, check_name, check_url
from index.feeds.parsing import (Entry, FeedError, ParsedFeed, discover, entry_article, on_site, one_line,
                                 parse_feed, substantial, with_entry)
from index.ingest.articles import Failure
from index.types import Article

if TYPE_CHECKING:
    from index.config import FetchSettings
    from index.engine import Engine
    from index.indexing import IngestReport
    from index.ingest.fetch import Fetched, Fetcher
    from index.storage.store import Store


def now_utc() -> datetime:
    """Now in UTC to the second: the times the follow list records."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def _header(fetched: Fetched) -> str:
    """The Content-Type header again, so feedparser knows the charset the server named."""
    return fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else "")


def is_due(feed: Feed, interval_minutes: int, now: datetime) -> bool:
    """Whether ``feed`` was never polled or last polled ``interval_minutes`` ago (a second's slack)."""
    if not feed.last_checked:
        return True
    return now - datetime.fromisoformat(feed.last_checked) >= timedelta(minutes=interval_minutes) - timedelta(seconds=1)


# -- following -------------------------------------------------------------------------------------


def _fetch_one(url: str, settings: FetchSettings) -> Fetched:
    from index.ingest.fetch import FetchError
    from index.ingest.fetching import fetch_all

    (result,) = fetch_all([url], settings)
    if isinstance(result, FetchError):
        raise FeedError(str(result))
    return result


def follow(engine: Engine, url: str, name: str | None = None) -> tuple[Feed, bool, int]:
    """Fetch and parse ``url`` (or the feed its HTML page announces), then follow it.

    Returns (the feed, whether it is newly followed, its entries now). Nothing is saved unless the feed
    parses; following a URL again changes nothing.
    """
    url = check_url(url)
    wanted_name = check_name(name) if name is not None else None
    feeds = FeedList(engine.folder)
    announced = False  # the second time round: the feed a page announced
    while True:
        known = feeds.at(url)
        if known is not None:
            return known, False, -1
        fetched = _fetch_one(url, engine.settings.fetch)
        try:
            parsed = parse_feed(fetched.body, fetched.final_url, _header(fetched))
            break
        except Exception as exc:  # noqa: BLE001 - whatever the parser chokes on is one line, not a traceback
            if not isinstance(exc, FeedError):
                raise FeedError(f"{url}: the feed could not be read: {type(exc).__name__}: {one_line(exc)}") from None
            if announced:
                raise FeedError(f"{url} (announced by the page): {exc}") from None
            found = discover(fetched.body, fetched.final_url) if "html" in fetched.content_type.lower() else None
            if found is None:
                raise FeedError(f"{url}: {exc}") from None
            url, announced = check_url(found), True
    default = parsed.title or urlsplit(url).hostname or url
    feed = Feed(url, wanted_name or feeds.free_name(check_name(default)), now_utc().isoformat(), parsed.title)
    feed, new = feeds.add(feed)
    return feed, new, len(parsed.entries)


# -- polling ---------------------------------------------------------------------------------------


@dataclass
class UpdateReport:
    """What one poll did: articles new, feeds with nothing new, and every failure (feed or entry)."""

    polled: int = 0
    new: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return f"{self.new} new, {self.unchanged} unchanged, {len(self.failed)} failed"

    def to_dict(self) -> dict[str, object]:
        return {"polled": self.polled, "new": self.new, "unchanged": self.unchanged,
                "failed": [{"where": f.where, "reason": f.reason} for f in self.failed],
                "seconds": round(self.seconds, 3)}


@dataclass
class _Poll:
    """One feed's poll in progress."""

    feed: Feed
    fetched: Fetched | None = None
    parsed: ParsedFeed | None = None
    error: str | None = None
    todo: list[Entry] = field(default_factory=list)
    given: dict[str, tuple[str, str]] = field(default_factory=dict)  # origin -> (entry key, article id) given
    known: list[tuple[str, str]] = field(default_factory=list)  # (entry key, article id) found already indexed
    failed: list[str] = field(default_factory=list)  # entry keys that failed
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (key, why) of new entries with no web link
    failures: list[Failure] = field(default_factory=list)
    new: int = 0


async def _poll_feeds(polls: list[_Poll], settings: FetchSettings) -> None:
    from index.ingest.fetch import FetchError, Fetcher

    async def one(fetcher: Fetcher, poll: _Poll) -> None:
        try:
            poll.fetched = await fetcher.get(poll.feed.url, poll.feed.etag, poll.feed.last_modified)
        except FetchError as exc:
            poll.error = exc.reason
            return
        except Exception as exc:  # noqa: BLE001 - one feed that breaks the fetcher must not stop the others
            poll.error = f"the feed could not be fetched: {type(exc).__name__}: {one_line(exc)}"
            return
        if poll.fetched.status == 304:
            return
        try:
            poll.parsed = parse_feed(poll.fetched.body, poll.fetched.final_url, _header(poll.fetched))
        except FeedError as exc:
            poll.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one feed the parser chokes on must not stop the others
            poll.error = f"the feed could not be read: {type(exc).__name__}: {one_line(exc)}"

    async with Fetcher(settings) as fetcher:
        await asyncio.gather(*(one(fetcher, p) for p in polls))


_DONE = object()


def _produce(polls: list[_Poll], engine: Engine, store: Store | None, out: queue.Queue, stop: threading.Event,
             crashed: list[BaseException]) -> None:
    """Put every new entry's Article on ``out`` as soon as it is ready, then _DONE, whatever happens
    (what went wrong is put in ``crashed``): the ingest reading ``out`` must never wait forever."""
    try:
        _fetch_entries(polls, engine, store, out, stop)
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
        crashed.append(exc)
    finally:
        out.put(_DONE)


def _fetch_entries(polls: list[_Poll], engine: Engine, store: Store | None, out: queue.Queue,
                   stop: threading.Event) -> None:
    from index.ingest.fetch import FetchError, Fetcher
    from index.ingest.fetching import run_fetching, run_until_stopped
    from index.ingest.pages import article_from_page

    settings = engine.settings
    max_article = int(settings.ingest.max_article_mb * 1e6)

    ids: set[str] = set()

    def give(poll: _Poll, entry: Entry, item: Article | Failure) -> None:
        if isinstance(item, Failure):
            poll.failed.append(entry.key)
            poll.failures.append(item)
        elif item.id in ids or (store is not None and store.article_hashes([item.id])):
            poll.known.append((entry.key, item.id))  # another link to a page already here (its canonical URL)
            return
        else:
            ids.add(item.id)
            poll.given[item.origin] = (entry.key, item.id)
            out.put(item)

    async def page(fetcher: Fetcher, poll: _Poll, entry: Entry, origin: str, source: str) -> None:
        try:
            fetched = await fetcher.get(entry.link)
        except FetchError as exc:
            give(poll, entry, Failure(origin, exc.reason))
            return
        # trafilatura is CPU work: off this loop, so other pages keep downloading meanwhile
        item = await asyncio.to_thread(article_from_page, fetched, max_article)
        give(poll, entry, with_entry(item, entry, source, origin) if isinstance(item, Article)
             else Failure(origin, item.reason))

    async def fetch_all() -> None:
        jobs = []
        async with Fetcher(settings.fetch) as fetcher:
            for poll in polls:
                source = poll.parsed.title if poll.parsed else ""
                homes = (poll.feed.url, poll.fetched.final_url if poll.fetched else poll.feed.url)
                for entry in poll.todo:
                    origin = f"{poll.feed.name}: {entry.link}"
                    # the feed's text is the article only on the feed's own site; elsewhere the page is read
                    if substantial(entry, settings.feeds.full_content_chars) and on_site(entry.link, *homes):
                        give(poll, entry, entry_article(entry, source, origin, max_article))
                    else:
                        jobs.append(page(fetcher, poll, entry, origin, source))
            await asyncio.gather(*jobs)

    run_fetching(run_until_stopped(fetch_all(), stop, 0.2))  # stops when the ingest does (Ctrl-C, a busy index)


def _drain(out: queue.Queue) -> Iterator[Article | Failure]:
    while (item := out.get()) is not _DONE:
        yield item


def _new_entries(polls: list[_Poll], engine: Engine) -> None:
    """Fill each poll's ``todo``: entries neither settled in the follow list nor already in the index,
    each link once across feeds."""
    feeds = FeedList(engine.folder)
    entries = [e for p in polls if p.parsed for e in p.parsed.entries]
    indexed: set[str] = set()
    if entries and engine.has_index():
        indexed = set(engine.store.article_hashes(list({e.link for e in entries})))
    links: set[str] = set()
    for poll in polls:
        mine = poll.parsed.entries if poll.parsed else ()
        problems = poll.parsed.problems if poll.parsed else ()
        # a GUID is the feed's own; an entry with no web link is reported the first time only
        settled = feeds.settled(poll.feed.url, [e.key for e in mine] + [k for k, _ in problems])
        poll.unreadable = [(k, why) for k, why in problems if k not in settled]
        keys: set[str] = set()
        for entry in mine:
            if entry.key in settled or entry.key in keys or entry.link in indexed or entry.link in links:
                continue
            keys.add(entry.key)
            links.add(entry.link)
            poll.todo.append(entry)


def update(engine: Engine, *, everything: bool = False, now: datetime | None = None,
           progress: Callable[[int, int, int], None] | None = None) -> UpdateReport:
    """Poll every due feed (every feed with ``everything``) once and index its new entries.

    A feed's validators (ETag, Last-Modified) are saved only when all its new entries were handled, so
    an entry that failed is seen again next time; the index keeps its last committed state whatever fails.
    """
    import time

    started = time.monotonic()
    now = now or now_utc()
    feeds = FeedList(engine.folder)
    interval = engine.settings.feeds.interval_minutes
    polls = [_Poll(f) for f in feeds.all() if everything or is_due(f, interval, now)]
    report = UpdateReport(polled=len(polls))
    if not polls:
        return report
    from index.ingest.fetching import run_fetching  # aiohttp: only imported when feeds are polled

    run_fetching(_poll_feeds(polls, engine.settings.fetch))
    _new_entries(polls, engine)
    ingest = _index(polls, engine, progress) if any(p.todo for p in polls) else None
    for poll in polls:
        _settle(poll, ingest, feeds, now)
        report.failed += poll.failures
        report.new += poll.new
        report.unchanged += poll.error is None and poll.new == 0 and not poll.failures
    report.seconds = time.monotonic() - started
    return report


def _index(polls: list[_Poll], engine: Engine, progress: Callable[[int, int, int], None] | None) -> IngestReport:
    """Fetch the new entries in a thread while this one embeds and writes them (one writer: the engine's)."""
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    crashed: list[BaseException] = []
    # Opened here, before the ingest creates an index that has no tables yet for the other thread to read.
    store = engine.store if engine.has_index() else None
    fetcher = threading.Thread(target=_produce, args=(polls, engine, store, out, stop, crashed),
                               name="quotebot-feeds", daemon=True)
    fetcher.start()
    try:
        report = engine.ingest_items(_drain(out), progress=progress)
    except BaseException:
        stop.set()
        fetcher.join(timeout=1.0)  # a daemon: an interrupted poll does not wait for a lookup that hangs
        raise
    stop.set()
    fetcher.join()
    if crashed:
        raise crashed[0]
    return report


def _settle(poll: _Poll, ingest: IngestReport | None, feeds: FeedList, now: datetime) -> None:
    """Record one feed's outcome in the follow list and in ``poll`` (new, failures)."""
    feed = poll.feed
    if poll.error is not None:
        poll.failures.insert(0, Failure(feed.name, poll.error))
        feeds.record(replace(feed, last_checked=now.isoformat(), last_error=poll.error))
        return
    failed_in_ingest = {f.where: f for f in ingest.failed} if ingest else {}
    done = [pair for origin, pair in poll.given.items() if origin not in failed_in_ingest]
    for origin, (key, _) in poll.given.items():
        if origin in failed_in_ingest:
            poll.failed.append(key)
            poll.failures.append(failed_in_ingest[origin])
    poll.new = len(done)
    given_up = feeds.mark(feed.url, done + poll.known, poll.failed)
    feeds.give_up(feed.url, [k for k, _ in poll.unreadable])  # reported this once, never again
    poll.failures += [Failure(feed.name, why) for _, why in poll.unreadable]
    retry = len(set(poll.failed) - set(given_up))
    fetched = poll.fetched
    if retry or fetched is None or fetched.status == 304:  # an entry to retry must not hide behind a 304
        etag, last_modified = feed.etag, feed.last_modified
    else:
        etag, last_modified = fetched.etag, fetched.last_modified
    error = f"{len(poll.failed)} entries failed (first: {poll.failures[0].reason})" if poll.failed else None
    feeds.record(replace(
        feed, title=poll.parsed.title if poll.parsed else feed.title, etag=etag, last_modified=last_modified,
        last_checked=now.isoformat(), last_new=now.isoformat() if poll.new else feed.last_new, last_error=error))
