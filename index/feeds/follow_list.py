"""The follow list: which feeds an index follows and which of their entries are settled.

A small SQLite file in the index folder (``feeds.sqlite3``), apart from the index itself, so the CLI and
the bot share it and a rebuilt index keeps it. Every call is its own short transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from index.feeds.parsing import FeedError
from index.storage import sidecar

FEEDS_FILE = "feeds.sqlite3"
MAX_TRIES = 3  # an entry whose page keeps failing is given up after this many polls, not retried forever

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, title TEXT NOT NULL DEFAULT '',
    added TEXT NOT NULL, etag TEXT, last_modified TEXT, last_checked TEXT, last_new TEXT, last_error TEXT);
CREATE TABLE IF NOT EXISTS entries (
    feed_url TEXT NOT NULL, key TEXT NOT NULL, article_id TEXT, done INTEGER NOT NULL, tries INTEGER NOT NULL,
    PRIMARY KEY (feed_url, key));
"""
# Before issue 19 an entry's key (its GUID) was unique across all feeds: a feed numbering its entries 1, 2, 3
# settled every other feed's 1, 2, 3. Such a table is rebuilt in place, keeping its rows, on first use.
_MIGRATE = """
ALTER TABLE entries RENAME TO entries_v1;
CREATE TABLE entries (
    feed_url TEXT NOT NULL, key TEXT NOT NULL, article_id TEXT, done INTEGER NOT NULL, tries INTEGER NOT NULL,
    PRIMARY KEY (feed_url, key));
INSERT OR IGNORE INTO entries (feed_url, key, article_id, done, tries)
    SELECT feed_url, key, article_id, done, tries FROM entries_v1;
DROP TABLE entries_v1;
"""


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


class FeedList:
    """The followed feeds of one index folder; every call is its own short transaction (the bot and the
    CLI may both use it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FEEDS_FILE

    def _connect(self) -> sqlite3.Connection:
        conn = sidecar.connect(self.path, _SCHEMA)
        if _keyed_across_feeds(conn):
            conn.execute("BEGIN IMMEDIATE")  # one migrating process; another waits, then finds it done
            try:
                if _keyed_across_feeds(conn):
                    for statement in filter(str.strip, _MIGRATE.split(";")):
                        conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                conn.close()
                raise
        return conn

    def all(self) -> list[Feed]:
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            return [Feed(**dict(row)) for row in conn.execute("SELECT * FROM feeds ORDER BY name COLLATE NOCASE")]

    def find(self, name_or_url: str) -> Feed | None:
        """The feed at this URL (normalised: ``feed``, ``feed?`` and ``feed#top`` are one), else the feed with
        this name (any case)."""
        wanted = name_or_url.strip()
        return self.at(wanted) or next((f for f in self.all() if f.name.casefold() == wanted.casefold()), None)

    def at(self, url: str) -> Feed | None:
        """The feed at ``url`` (normalised), or None; a feed stored by an older version unnormalised counts."""
        try:
            wanted = normalise_url(url)
        except FeedError:
            return None
        return next((f for f in self.all() if _same_url(f.url, wanted)), None)

    def add(self, feed: Feed) -> tuple[Feed, bool]:
        """Follow ``feed``; following a URL again keeps the first (True when it is new)."""
        known = self.at(feed.url)
        if known is not None:
            return known, False
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

    def settled(self, feed_url: str, keys: Sequence[str]) -> set[str]:
        """The keys among ``keys`` (entries of the feed at ``feed_url``) that need no more work: indexed, or
        failed MAX_TRIES times."""
        if not keys or not self.path.exists():
            return set()
        with closing(self._connect()) as conn:
            out: set[str] = set()
            for lo in range(0, len(keys), 500):
                part = list(keys[lo : lo + 500])
                marks = ",".join("?" * len(part))
                out.update(r[0] for r in conn.execute(
                    f"SELECT key FROM entries WHERE feed_url = ? AND key IN ({marks}) AND (done = 1 OR tries >= ?)",
                    [feed_url, *part, MAX_TRIES]))
            return out

    def give_up(self, feed_url: str, keys: Sequence[str]) -> None:
        """Entries that can never be read (no web link): settled at once, as if failed MAX_TRIES times."""
        if not keys:
            return
        with closing(self._connect()) as conn:
            conn.executemany("INSERT INTO entries (feed_url, key, article_id, done, tries) VALUES (?, ?, NULL, 0, ?) "
                             "ON CONFLICT(feed_url, key) DO UPDATE SET tries = MAX(tries, excluded.tries)",
                             [(feed_url, k, MAX_TRIES) for k in keys])

    def mark(self, feed_url: str, done: Iterable[tuple[str, str]], failed: Iterable[str]) -> list[str]:
        """Entries indexed (key, article id) and entries that failed once more; returns the failed keys
        now given up."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO entries (feed_url, key, article_id, done, tries) VALUES (?, ?, ?, 1, 1) "
                             "ON CONFLICT(feed_url, key) DO UPDATE SET done = 1, article_id = excluded.article_id",
                             [(feed_url, k, a) for k, a in done])
            failed = list(failed)
            conn.executemany("INSERT INTO entries (feed_url, key, article_id, done, tries) VALUES (?, ?, NULL, 0, 1) "
                             "ON CONFLICT(feed_url, key) DO UPDATE SET tries = tries + 1",
                             [(feed_url, k) for k in failed])
            conn.execute("COMMIT")
            marks = ",".join("?" * len(failed))
            return [r[0] for r in conn.execute(
                f"SELECT key FROM entries WHERE feed_url = ? AND key IN ({marks}) AND tries >= ?",
                [feed_url, *failed, MAX_TRIES])] if failed else []


def _keyed_across_feeds(conn: sqlite3.Connection) -> bool:
    """Whether the entries table is the old one, keyed by the entry's key alone."""
    return [r["name"] for r in conn.execute("PRAGMA table_info(entries)") if r["pk"]] == ["key"]


def check_url(url: str) -> str:
    """A feed URL normalised (``normalise_url``), or a FeedError when it is not an http(s) URL."""
    return normalise_url(url)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """One spelling of a feed's http(s) URL, so it is followed once and found however it is written: the
    scheme and host in lower case, no default port, ``/`` for an empty path, no empty query (``?``), no
    fragment; the path and a query are kept as given. A FeedError when it is not an http(s) URL."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if scheme not in _DEFAULT_PORTS or not parts.hostname or port == -1:
        raise FeedError(f"not a web address: '{url[:200]}' (give an http:// or https:// URL)")
    host = parts.hostname  # lower case already
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    if "@" in parts.netloc:
        netloc = parts.netloc.rpartition("@")[0] + "@" + netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _same_url(stored: str, wanted: str) -> bool:
    try:
        return stored == wanted or normalise_url(stored) == wanted
    except FeedError:
        return False


def check_name(name: str) -> str:
    """A feed name with its spaces tidied, or a FeedError when it is empty or over 100 characters."""
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise FeedError("a feed name must be 1 to 100 characters")
    return name

