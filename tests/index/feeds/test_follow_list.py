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


def test_feed_urls_are_normalised_when_stored_and_looked_up(tmp_path: Path) -> None:
    """Issue 19, defect 13: `feed-a`, `feed-a?`, `feed-a#x` (and the host's case, the default port) are one feed."""
    from index.feeds.follow_list import check_url

    forms = ["https://a.example/feed-a", "https://a.example/feed-a?", "https://a.example/feed-a#x",
             "HTTPS://A.Example:443/feed-a", " https://a.example/feed-a?#top "]
    assert {check_url(u) for u in forms} == {"https://a.example/feed-a"}
    assert check_url("http://A.example:80") == "http://a.example/"
    assert check_url("http://a.example:8080/Feed?q=1#f") == "http://a.example:8080/Feed?q=1"  # path, query kept
    with pytest.raises(FeedError, match="not a web address"):
        check_url("http://a.example:99999/feed")
    feeds = FeedList(tmp_path / "index")
    a = Feed(check_url(forms[0]), "A", "2024-05-01T00:00:00+00:00")
    assert feeds.add(a) == (a, True)
    for form in forms:
        assert feeds.find(form) == a
        assert feeds.add(Feed(check_url(form), "Other", a.added)) == (a, False)
    assert len(feeds.all()) == 1


def test_unfollow_url_removes_the_feed_at_that_url(tmp_path: Path) -> None:
    """Issue 19, defect 13: a feed *named* like another's URL is not the one a URL means."""
    feeds = FeedList(tmp_path / "index")
    a = Feed("https://a.example/feed", "A", "2024-05-01T00:00:00+00:00")
    b = Feed("https://b.example/feed", "https://a.example/feed", a.added)  # named after a's URL, sorted first
    feeds.add(a)
    feeds.add(b)
    assert feeds.remove("https://a.example/feed?") == a
    assert feeds.all() == [b]
    assert feeds.remove("https://A.example/feed") == b  # no feed at that URL any more: the one named so
    assert feeds.all() == []


def test_an_unnormalised_url_stored_earlier_is_still_found(tmp_path: Path) -> None:
    feeds = FeedList(tmp_path / "index")
    old = Feed("HTTPS://A.example:443/feed#top", "A", "2024-05-01T00:00:00+00:00")
    feeds.add(old)  # as an older version stored it
    assert feeds.find("https://a.example/feed") == old and feeds.remove("https://a.example/feed?") == old
