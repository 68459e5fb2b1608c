"""Followed feeds: the follow list beside the index, RSS/Atom/RDF parsing, and polling them into the index.

The follow list is a small SQLite file in the index folder (``feeds.sqlite3``), apart from the index
itself, so the CLI and the bot share it and a rebuilt index keeps it. Polling is two steps: every due
feed is fetched at once (conditional GET), then the new entries' pages are fetched while the ones
already here are embedded (fetching runs in a thread of its own, embedding stays the bottleneck). A
feed or entry that fails is one line in the report and never stops the others.
"""

from __future__ import annotations

import asyncio
import html
import queue
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXException

from index.storage import sidecar
from index.errors import InputError
from index.ingest.articles import Failure, read_bytes
from index.types import Article

if TYPE_CHECKING:
    from index.engine import Engine, IngestReport
    from index.ingest.fetch import Fetched, Fetcher
    from index.storage.store import Store

FEEDS_FILE = "feeds.sqlite3"
MAX_TRIES = 3  # an entry whose page keeps failing is given up after this many polls, not retried forever
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, title TEXT NOT NULL DEFAULT '',
    added TEXT NOT NULL, etag TEXT, last_modified TEXT, last_checked TEXT, last_new TEXT, last_error TEXT);
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, feed_url TEXT NOT NULL, article_id TEXT, done INTEGER NOT NULL, tries INTEGER NOT NULL);
"""


class FeedError(InputError):
    """A feed cannot be fetched, parsed or followed; the message is one line."""


@dataclass(frozen=True)
class Feed:
    """One followed feed and what its last poll found; times are ISO 8601 in UTC."""

    url: str
    name: str
    added: str
    title: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_checked: str | None = None
    last_new: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Entry:
    """One item of a feed: ``key`` (its guid, else its link) marks it seen; ``content`` is HTML or ""."""

    key: str
    link: str
    title: str
    date: str | None
    content: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[Entry, ...]
    problems: tuple[str, ...] = ()  # entries that could not be read (no link)


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# -- parsing ---------------------------------------------------------------------------------------


def _strip_tags(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())


def _entry_date(entry: dict) -> str | None:
    """The entry's publish date normalised (its time zone kept), else its update date, else None."""
    from index.text.dates import normalise_date

    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if raw and (day := normalise_date(raw)):
            return day
    for key in ("published_parsed", "updated_parsed"):  # a format feedparser reads and we don't: UTC
        parsed = entry.get(key)
        if parsed:
            return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()
    return None


def _content(entry: dict) -> str:
    """The longest HTML or text body the entry carries (content:encoded, Atom content, description)."""
    bodies = [c.get("value", "") for c in entry.get("content", []) or []]
    bodies.append(entry.get("summary", "") or "")
    return max(bodies, key=lambda b: len(_strip_tags(b)))


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """RSS 0.9x/2.0, Atom or RDF bytes as entries with absolute links.

    Raises:
        FeedError: the bytes are not a feed (an HTML page, malformed XML with nothing readable).
    """
    import feedparser  # only paid for by commands that read feeds

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    problem = parsed.get("bozo_exception") if parsed.bozo else None
    malformed = isinstance(problem, SAXException)  # not a charset or content-type complaint
    if not parsed.entries and not parsed.version and not malformed:
        raise FeedError("not an RSS, Atom or RDF feed")
    entries: list[Entry] = []
    problems: list[str] = []
    for item in parsed.entries:
        link = item.get("link") or ""
        guid = item.get("id") or ""
        if not link and guid.startswith(("http://", "https://")):
            link = guid
        title = _strip_tags(item.get("title", "") or "")
        if not link.startswith(("http://", "https://")):
            problems.append(f"entry '{title[:80] or guid[:80] or '?'}' has no web link")
            continue
        entries.append(Entry(guid or link, link, title, _entry_date(item), _content(item)))
    if malformed and not entries:  # what the lenient parser recovered from a broken feed is kept, if anything
        raise FeedError(f"not a valid feed: malformed XML ({_one_line(problem)})")
    return ParsedFeed(_strip_tags(parsed.feed.get("title", "") or ""), tuple(entries), tuple(problems))


class _AlternateLinks(HTMLParser):
    """``<link rel="alternate" type="application/rss+xml" href=…>`` of an HTML page, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "link" and "alternate" in a.get("rel", "").lower().split() and \
                a.get("type", "").lower().split(";")[0].strip() in FEED_TYPES and a.get("href"):
            self.found.append(a["href"])


def discover(page: bytes, url: str) -> str | None:
    """The first feed an HTML page announces (feed autodiscovery), as an absolute URL, or None."""
    finder = _AlternateLinks()
    try:
        finder.feed(page.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - a broken page announces nothing
        return None
    return urljoin(url, finder.found[0]) if finder.found else None


def _header(fetched: Fetched) -> str:
    """The Content-Type header again, so feedparser knows the charset the server named."""
    return fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else "")


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


# -- articles from entries -------------------------------------------------------------------------


def entry_article(entry: Entry, source: str, origin: str, max_article_bytes: int) -> Article | Failure:
    """The entry's own full content as an Article (id and url = its link; title and date from the entry)."""
    wrapped = f"<html><head><title>{html.escape(entry.title)}</title></head><body><article>{entry.content}" \
              "</article></body></html>"
    for item in read_bytes("entry.html", wrapped.encode("utf-8"), entry.link, max_article_bytes):
        if isinstance(item, Failure):
            return Failure(origin, item.reason)
        return replace(item, title=entry.title or item.title, url=entry.link, date=entry.date or item.date,
                       source=source or item.source, origin=origin)
    return Failure(origin, "no article text in the entry")


def with_entry(article: Article, entry: Entry, source: str, origin: str) -> Article:
    """A fetched page's Article completed by its feed entry: the feed's date wins (it has the time and zone
    the publisher gave), the page's title and site name win when it has them."""
    site = article.source
    if source and (not site or site.lower().removeprefix("www.") in _host_names(article.url or entry.link)):
        site = source  # a bare host name says less than the feed's own title
    return replace(article, title=article.title or entry.title, date=entry.date or article.date, source=site,
                   url=article.url or entry.link, origin=origin)


def _host_names(url: str) -> set[str]:
    """The names a page's host goes by when no site name is found: host, host:port, without www."""
    parts = urlsplit(url)
    return {n.lower().removeprefix("www.") for n in (parts.hostname or "", parts.netloc) if n}


def substantial(entry: Entry, min_chars: int) -> bool:
    """Whether the feed carries the whole article: at least ``min_chars`` characters of text."""
    return bool(entry.content) and len(_strip_tags(entry.content)) >= min_chars


# -- the follow list -------------------------------------------------------------------------------


class FeedList:
    """The followed feeds of one index folder; every call is its own short transaction (the bot and the
    CLI may both use it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FEEDS_FILE

    def _connect(self) -> sqlite3.Connection:
        return sidecar.connect(self.path, _SCHEMA)

    def all(self) -> list[Feed]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            return [Feed(**dict(row)) for row in conn.execute("SELECT * FROM feeds ORDER BY name COLLATE NOCASE")]

    def find(self, name_or_url: str) -> Feed | None:
        """The feed with this name (any case) or URL."""
        wanted = name_or_url.strip()
        return next((f for f in self.all() if f.url == wanted or f.name.casefold() == wanted.casefold()), None)

    def add(self, feed: Feed) -> tuple[Feed, bool]:
        """Follow ``feed``; following a URL again keeps the first (True when it is new)."""
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT * FROM feeds WHERE url = ?", (feed.url,)).fetchone()
            if row is not None:
                return Feed(**dict(row)), False
            clash = conn.execute("SELECT url FROM feeds WHERE name = ?", (feed.name,)).fetchone()
            if clash is not None:
                raise FeedError(f"the name '{feed.name}' is already used by {clash['url']}: choose another name")
            conn.execute("INSERT INTO feeds (url, name, title, added) VALUES (?, ?, ?, ?)",
                         (feed.url, feed.name, feed.title, feed.added))
        return feed, True

    def free_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted (2)``, ``(3)``… when a followed feed has that name already."""
        taken = {f.name.casefold() for f in self.all()}
        name, n = wanted, 2
        while name.casefold() in taken:
            name, n = f"{wanted} ({n})", n + 1
        return name

    def remove(self, name_or_url: str) -> Feed | None:
        feed = self.find(name_or_url)
        if feed is not None:
            with closing(self._connect()) as conn:
                conn.execute("DELETE FROM feeds WHERE url = ?", (feed.url,))
                conn.execute("DELETE FROM entries WHERE feed_url = ?", (feed.url,))
        return feed

    def record(self, feed: Feed) -> None:
        """Save what a poll found (validators, times, error) for a feed still followed."""
        with closing(self._connect()) as conn:
            conn.execute("UPDATE feeds SET title = ?, etag = ?, last_modified = ?, last_checked = ?, last_new = ?, "
                         "last_error = ? WHERE url = ?", (feed.title, feed.etag, feed.last_modified,
                                                          feed.last_checked, feed.last_new, feed.last_error, feed.url))

    def settled(self, keys: Sequence[str]) -> set[str]:
        """The keys among ``keys`` that need no more work: indexed, or failed MAX_TRIES times."""
        if not keys or not self.path.exists():
            return set()
        with closing(self._connect()) as conn:
            out: set[str] = set()
            for lo in range(0, len(keys), 500):
                part = list(keys[lo : lo + 500])
                marks = ",".join("?" * len(part))
                out.update(r[0] for r in conn.execute(
                    f"SELECT key FROM entries WHERE key IN ({marks}) AND (done = 1 OR tries >= ?)", [*part, MAX_TRIES]))
            return out

    def mark(self, feed_url: str, done: Iterable[tuple[str, str]], failed: Iterable[str]) -> list[str]:
        """Entries indexed (key, article id) and entries that failed once more; returns the failed keys
        now given up."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO entries VALUES (?, ?, ?, 1, 1) ON CONFLICT(key) DO UPDATE SET done = 1, "
                             "article_id = excluded.article_id", [(k, feed_url, a) for k, a in done])
            failed = list(failed)
            conn.executemany("INSERT INTO entries VALUES (?, ?, NULL, 0, 1) ON CONFLICT(key) DO UPDATE SET "
                             "tries = tries + 1", [(k, feed_url) for k in failed])
            conn.execute("COMMIT")
            marks = ",".join("?" * len(failed))
            return [r[0] for r in conn.execute(f"SELECT key FROM entries WHERE key IN ({marks}) AND tries >= ?",
                                               [*failed, MAX_TRIES])] if failed else []


def check_url(url: str) -> str:
    """A feed URL as given, trimmed, or a FeedError when it is not an http(s) URL."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FeedError(f"not a web address: '{url[:200]}' (give an http:// or https:// URL)")
    return url


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise FeedError("a feed name must be 1 to 100 characters")
    return name


def is_due(feed: Feed, interval_minutes: int, now: datetime) -> bool:
    if not feed.last_checked:
        return True
    return now - datetime.fromisoformat(feed.last_checked) >= timedelta(minutes=interval_minutes) - timedelta(seconds=1)


# -- following -------------------------------------------------------------------------------------


def _fetch_one(url: str, settings) -> Fetched:  # type: ignore[no-untyped-def]
    from index.ingest.fetch import FetchError, fetch_all

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
    known = feeds.find(url)
    if known is not None:
        return known, False, -1
    fetched = _fetch_one(url, engine.settings.fetch)
    try:
        parsed = parse_feed(fetched.body, fetched.final_url, _header(fetched))
    except FeedError as exc:
        found = discover(fetched.body, fetched.final_url) if "html" in fetched.content_type.lower() else None
        if found is None:
            raise FeedError(f"{url}: {exc}") from None
        url = check_url(found)
        known = feeds.find(url)
        if known is not None:
            return known, False, -1
        fetched = _fetch_one(url, engine.settings.fetch)
        try:
            parsed = parse_feed(fetched.body, fetched.final_url, _header(fetched))
        except FeedError as exc2:
            raise FeedError(f"{url} (announced by the page): {exc2}") from None
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
    failures: list[Failure] = field(default_factory=list)
    new: int = 0


async def _poll_feeds(polls: list[_Poll], settings) -> None:  # type: ignore[no-untyped-def]
    from index.ingest.fetch import FetchError, Fetcher

    async def one(fetcher: Fetcher, poll: _Poll) -> None:
        try:
            poll.fetched = await fetcher.get(poll.feed.url, poll.feed.etag, poll.feed.last_modified)
        except FetchError as exc:
            poll.error = exc.reason
            return
        if poll.fetched.status == 304:
            return
        try:
            poll.parsed = parse_feed(poll.fetched.body, poll.fetched.final_url, _header(poll.fetched))
        except FeedError as exc:
            poll.error = str(exc)

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
    from index.ingest.articles import article_from_page

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

    async def run() -> None:
        work = asyncio.ensure_future(fetch_all())
        while not work.done():  # an ingest that stopped (Ctrl-C, a busy index) stops the fetching too
            await asyncio.wait({work}, timeout=0.2)
            if stop.is_set():
                work.cancel()
        with suppress(asyncio.CancelledError):
            await work

    async def fetch_all() -> None:
        jobs = []
        async with Fetcher(settings.fetch) as fetcher:
            for poll in polls:
                source = poll.parsed.title if poll.parsed else ""
                for entry in poll.todo:
                    origin = f"{poll.feed.name}: {entry.link}"
                    if substantial(entry, settings.feeds.full_content_chars):
                        give(poll, entry, entry_article(entry, source, origin, max_article))
                    else:
                        jobs.append(page(fetcher, poll, entry, origin, source))
            await asyncio.gather(*jobs)

    asyncio.run(run())


def _drain(out: queue.Queue) -> Iterator[Article | Failure]:
    while (item := out.get()) is not _DONE:
        yield item


def _new_entries(polls: list[_Poll], engine: Engine) -> None:
    """Fill each poll's ``todo``: entries neither settled in the follow list nor already in the index,
    each link once across feeds."""
    feeds = FeedList(engine.folder)
    entries = [e for p in polls if p.parsed for e in p.parsed.entries]
    settled = feeds.settled([e.key for e in entries])
    indexed: set[str] = set()
    if entries and engine.has_index():
        indexed = set(engine.store.article_hashes(list({e.link for e in entries})))
    claimed: set[str] = set()
    for poll in polls:
        for entry in poll.parsed.entries if poll.parsed else ():
            if entry.key in settled or entry.link in indexed or entry.link in claimed or entry.key in claimed:
                continue
            claimed.update((entry.link, entry.key))
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
    asyncio.run(_poll_feeds(polls, engine.settings.fetch))
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
    finally:
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
    if poll.parsed is not None:
        poll.failures += [Failure(feed.name, p) for p in poll.parsed.problems]
    retry = len(set(poll.failed) - set(given_up))
    fetched = poll.fetched
    keep = retry or fetched is None or fetched.status == 304  # an entry to retry must not hide behind a 304
    error = f"{len(poll.failed)} entries failed (first: {poll.failures[0].reason})" if poll.failed else None
    feeds.record(replace(
        feed, title=poll.parsed.title if poll.parsed else feed.title,
        etag=feed.etag if keep else fetched.etag, last_modified=feed.last_modified if keep else fetched.last_modified,
        last_checked=now.isoformat(), last_new=now.isoformat() if poll.new else feed.last_new, last_error=error))
