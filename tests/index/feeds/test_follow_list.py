"""The follow list: idempotent follows, unique names, entries settled or given up."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from index.feeds.follow_list import MAX_TRIES, Feed, FeedError, FeedList



def test_follow_list_is_idempotent_names_are_unique_and_tries_run_out(tmp_path: Path) -> None:
    feeds = FeedList(tmp_path / "index")
    assert feeds.all() == [] and not (tmp_path / "index").exists()  # reading creates nothing
    a = Feed("https://a.example/feed", "News", "2024-05-01T00:00:00+00:00")
    assert feeds.add(a) == (a, True)
    assert feeds.add(replace(a, name="Other")) == (a, False)
    with pytest.raises(FeedError, match="'news' is already used by https://a.example/feed: choose another name"):
        feeds.add(Feed("https://b.example/feed", "news", a.added))
    assert feeds.free_name("NEWS") == "NEWS (2)"
    assert feeds.find("news") == a and feeds.find("https://a.example/feed") == a
    feeds.mark(a.url, [("k1", "https://a.example/1")], [])
    for n in range(MAX_TRIES):
        assert feeds.settled(a.url, ["k1", "k2"]) == {"k1"}
        given_up = feeds.mark(a.url, [], ["k2"])
        assert given_up == (["k2"] if n == MAX_TRIES - 1 else [])
    assert feeds.settled(a.url, ["k1", "k2"]) == {"k1", "k2"}
    assert feeds.remove("NEWS") == a and feeds.all() == [] and feeds.settled(a.url, ["k1"]) == set()



def test_entry_keys_are_per_feed(tmp_path: Path) -> None:
    """Issue 19, defect 3: feeds that both number their entries 1, 2, 3 never settle each other's."""
    feeds = FeedList(tmp_path / "index")
    feeds.mark("https://a.example/feed", [("1", "https://a.example/1")], [])
    assert feeds.settled("https://a.example/feed", ["1", "2"]) == {"1"}
    assert feeds.settled("https://b.example/feed", ["1", "2"]) == set()
    feeds.mark("https://b.example/feed", [("1", "https://b.example/1")], [])
    assert feeds.settled("https://b.example/feed", ["1"]) == {"1"}


def test_an_old_follow_list_is_migrated_in_place(tmp_path: Path) -> None:
    import sqlite3

    folder = tmp_path / "index"
    folder.mkdir()
    old = sqlite3.connect(folder / "feeds.sqlite3")
    old.executescript("""
        CREATE TABLE feeds (url TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            title TEXT NOT NULL DEFAULT '', added TEXT NOT NULL, etag TEXT, last_modified TEXT, last_checked TEXT,
            last_new TEXT, last_error TEXT);
        CREATE TABLE entries (key TEXT PRIMARY KEY, feed_url TEXT NOT NULL, article_id TEXT, done INTEGER NOT NULL,
            tries INTEGER NOT NULL);
        INSERT INTO feeds (url, name, added, etag) VALUES ('https://a.example/feed', 'A', '2024-05-01', '"v1"');
        INSERT INTO entries VALUES ('g1', 'https://a.example/feed', 'https://a.example/1', 1, 1);
        INSERT INTO entries VALUES ('g2', 'https://a.example/feed', NULL, 0, 3);
    """)
    old.commit()
    old.close()
    feeds = FeedList(folder)
    (a,) = feeds.all()
    assert (a.name, a.etag) == ("A", '"v1"')
    assert feeds.settled(a.url, ["g1", "g2", "g3"]) == {"g1", "g2"}  # nothing indexed or given up is lost
    feeds.mark("https://b.example/feed", [("g1", "https://b.example/1")], [])
    assert feeds.settled("https://b.example/feed", ["g1"]) == {"g1"}
    assert FeedList(folder).settled(a.url, ["g1"]) == {"g1"}  # opened again: migrated once, still there
