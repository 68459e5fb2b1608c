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
        assert feeds.settled(["k1", "k2"]) == {"k1"}
        given_up = feeds.mark(a.url, [], ["k2"])
        assert given_up == (["k2"] if n == MAX_TRIES - 1 else [])
    assert feeds.settled(["k1", "k2"]) == {"k1", "k2"}
    assert feeds.remove("NEWS") == a and feeds.all() == [] and feeds.settled(["k1"]) == set()

