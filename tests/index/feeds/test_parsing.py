"""Feed parsing: RSS/Atom/RDF bytes into entries, and feed autodiscovery."""

from __future__ import annotations

import pytest

from index.feeds.parsing import FeedError, discover, parse_feed, substantial
from tests.feeds_fixtures import atom, rdf, rss
from tests.index.feeds import LONG



def test_rss_entries_have_absolute_links_keys_dates_and_full_content() -> None:
    body = rss("The Paper", [
        {"title": "Ferry &amp; port", "link": "/news/ferry", "guid": "p-1", "date": "Tue, 30 Apr 2024 18:05:00 +0200",
         "content": f"<p>{LONG}</p>"},
        {"title": "Short one", "link": "https://paper.example/news/short", "description": "A teaser."},
    ]).encode()
    parsed = parse_feed(body, "https://paper.example/feed.xml", "application/rss+xml")
    assert parsed.title == "The Paper" and not parsed.problems
    first, second = parsed.entries
    assert (first.key, first.link, first.title) == ("p-1", "https://paper.example/news/ferry", "Ferry & port")
    assert first.date is not None and first.date.startswith("2024-04-30") and "+02:00" in first.date
    assert LONG in first.content and substantial(first, 1000)
    assert second.key == second.link == "https://paper.example/news/short" and second.date is None
    assert second.content == "A teaser." and not substantial(second, 1000)


def test_atom_and_rdf_are_read_too() -> None:
    parsed = parse_feed(atom("Atom News", [
        {"title": "Dam opens", "link": "https://a.example/dam", "id": "urn:1", "updated": "2024-05-02T07:00:00Z",
         "content": f"<div><p>{LONG}</p></div>"}]).encode(), "https://a.example/atom")
    (e,) = parsed.entries
    assert (parsed.title, e.key, e.link, e.title) == ("Atom News", "urn:1", "https://a.example/dam", "Dam opens")
    assert e.date is not None and e.date.startswith("2024-05-02") and LONG in e.content
    item = {"title": "Bridge", "link": "https://r.example/bridge", "date": "2024-05-03T09:30:00+01:00",
            "description": "Bridge closed."}
    parsed = parse_feed(rdf("RDF Daily", [item]).encode(), "https://r.example/rdf")
    (e,) = parsed.entries
    assert (parsed.title, e.link, e.content) == ("RDF Daily", "https://r.example/bridge", "Bridge closed.")
    assert e.date is not None and e.date.startswith("2024-05-03")


@pytest.mark.parametrize("body, message", [
    (b"<rss><channel><title>x</title><item><title>broken", "malformed XML"),
    (b"this is not < xml at all", "malformed XML"),
    (b"<html><body><p>A plain page.</p></body></html>", "not an RSS, Atom or RDF feed"),
])
def test_a_non_feed_is_one_line(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(body, "https://x.example/feed")
    assert "\n" not in str(caught.value)


def test_an_entry_without_a_link_is_named_and_the_others_kept() -> None:
    parsed = parse_feed(rss("P", [{"title": "No link here", "guid": "abc"},
                                  {"title": "Fine", "link": "https://p.example/fine"}]).encode(), "https://p.example/f")
    assert [e.title for e in parsed.entries] == ["Fine"]
    assert parsed.problems == (("abc", "entry 'No link here' has no web link; skipped from now on"),)


def test_discover_finds_the_feed_a_page_announces() -> None:
    html = (b'<html><head><link rel="stylesheet" href="/s.css"><link rel="alternate" type="application/rss+xml" '
            b'title="RSS" href="/feeds/all.xml"></head><body>Hi</body></html>')
    assert discover(html, "https://site.example/news/") == "https://site.example/feeds/all.xml"
    assert discover(b"<html><head></head></html>", "https://site.example/") is None



# -- dates: the raw string read strictly, never feedparser's invented fallback (issue 19, defects 1 and 6) --

@pytest.mark.parametrize("raw", [
    "0000-00-00 00:00:00", "0000-01-01T00:00:00Z", "Mon, 01 Jan 0000 00:00:00 GMT", "2024-13-45",
    "Tue, 31 Feb 2024", "Tue, 31 Feb 2024 10:00:00 GMT", "-5000-01-01", "10000-01-01", "2024-064",
    "2024-W10-1", "2024-05-01T10:00:00+99:99", "2024-05-01T10:00:00+05:99", "2024-05-01T25:00:00Z",
    "Wed, 01 May 2024 10:00:00 +9999", "yesterday", "2024",
])
def test_an_unreadable_date_is_not_stored(raw: str) -> None:
    for body in (rss("P", [{"title": "T", "link": "https://p.example/t", "date": raw}]),
                 atom("P", [{"title": "T", "link": "https://p.example/t", "published": raw}]),
                 rdf("P", [{"title": "T", "link": "https://p.example/t", "date": raw}])):
        (entry,) = parse_feed(body.encode(), "https://p.example/feed").entries
        assert entry.date is None, (raw, entry.date)


@pytest.mark.parametrize("raw, stored", [
    ("Tue, 30 Apr 2024 18:05:00 +0200", "2024-04-30T18:05:00+02:00"),
    ("30 Apr 2024 18:05 GMT", "2024-04-30T18:05:00+00:00"),
    ("Tue, 30 Apr 24 18:05:00 EST", "2024-04-30T18:05:00-05:00"),
    ("2024-05-02T07:00:00Z", "2024-05-02T07:00:00+00:00"),
    ("2024-05-02T07:00:00.123456789+05:30", "2024-05-02T07:00:00.123456+05:30"),
    ("2024-05-02 07:00:00", "2024-05-02T07:00:00"),
    ("2024-05-02", "2024-05-02"),
    ("2 May 2024", "2024-05-02"),
])
def test_a_readable_date_is_stored_as_given(raw: str, stored: str) -> None:
    (entry,) = parse_feed(rss("P", [{"title": "T", "link": "https://p.example/t", "date": raw}]).encode(),
                          "https://p.example/feed").entries
    assert entry.date == stored


def test_on_site_is_the_feeds_own_host() -> None:
    from index.feeds.parsing import on_site

    assert on_site("https://www.paper.example/a", "https://paper.example/feed")
    assert on_site("http://paper.example:443/a", "https://PAPER.example/feed")  # default ports aside
    assert not on_site("https://other.example/a", "https://paper.example/feed")
    assert not on_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8000/feed")  # another server
    assert not on_site("https://paper.example.evil/a", "https://paper.example/feed")
    assert on_site("https://cdn.example/a", "https://paper.example/feed", "https://cdn.example/feed")  # redirected


# -- issue 19, defect 11: an HTML page is no feed (not "malformed XML"); a JSON Feed is read ----------

@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", ""])
def test_an_html_page_is_not_a_feed_rather_than_malformed_xml(content_type: str) -> None:
    from tests.feeds_fixtures import storm

    for body in (storm(), "<!DOCTYPE html><html><head><title>x</title><body><p>a<br>b &nbsp; c</body></html>",
                 "\ufeff  <!-- hi --><html lang=en><p>unclosed"):
        with pytest.raises(FeedError, match=r"^not an RSS, Atom or RDF feed$"):
            parse_feed(body.encode(), "https://x.example/news", content_type)


def json_feed(items: list[dict], version: str = "https://jsonfeed.org/version/1.1") -> bytes:
    import json

    return json.dumps({"version": version, "title": "Jay News", "home_page_url": "https://j.example/",
                       "items": items}).encode()


@pytest.mark.parametrize("content_type", ["application/feed+json", "application/json; charset=utf-8", ""])
def test_a_json_feed_is_read_like_the_others(content_type: str) -> None:
    body = json_feed([
        {"id": "j-1", "url": "/news/dam", "title": "Dam opens", "content_html": f"<p>{LONG}</p>",
         "date_published": "2024-05-02T07:00:00Z"},
        {"id": 2, "url": "https://j.example/news/text", "content_text": "Line one.\n\nLine <two>.",
         "summary": "S", "date_modified": "2024-05-03T09:30:00+01:00"},
        {"id": "https://j.example/news/id-only", "title": "Id only", "date_published": "0000-01-01T00:00:00Z"},
        {"id": "x", "url": "javascript:alert(1)", "title": "Bad"},
        "not an item",
    ])
    parsed = parse_feed(body, "https://j.example/feed.json", content_type)
    assert parsed.title == "Jay News"
    first, second, third = parsed.entries
    assert (first.key, first.link, first.title, first.date) == ("j-1", "https://j.example/news/dam", "Dam opens",
                                                                "2024-05-02T07:00:00+00:00")
    assert LONG in first.content and substantial(first, 1000)
    assert (second.key, second.title, second.date) == ("2", "", "2024-05-03T09:30:00+01:00")
    assert second.content == "<p>Line one.</p><p>Line &lt;two&gt;.</p>"
    assert (third.key, third.link, third.date) == ("https://j.example/news/id-only",) * 2 + (None,)
    assert [why for _, why in parsed.problems] == [
        "entry 'Bad' has no web link (a javascript: link); skipped from now on",
        "an entry could not be read (not a JSON object); skipped from now on"]


@pytest.mark.parametrize("body, content_type, message", [
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "application/feed+json", "malformed JSON"),
    (b'{"version": "https://jsonfeed.org/version/1", "items": {}}', "application/feed+json",
     "'items' is not a list"),
    (b'{"hello": "world"}', "application/json", "not an RSS, Atom or RDF feed"),
    (b"[" * 100000, "application/json", "malformed JSON"),
])
def test_a_broken_json_feed_is_one_line(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(body, "https://j.example/feed.json", content_type)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300
