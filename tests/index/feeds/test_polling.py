"""Following and polling feeds: when a feed is due, the [feeds] settings, and polling a local server into the
index."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from index.config import FeedSettings, FetchSettings, Settings, load_settings
from index.engine import Engine
from index.errors import ConfigError
from index.feeds.follow_list import MAX_TRIES, Feed, FeedList
from index.feeds.parsing import FeedError
from index.feeds.polling import follow, is_due, update
from tests.feeds_fixtures import atom, page, rss, storm
from tests.index.feeds import LONG
from tests.http_server import LocalServer

# -- the schedule and the config -------------------------------------------------------------------


def test_due_after_the_interval() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    feed = Feed("https://a.example/f", "A", now.isoformat())
    assert is_due(feed, 30, now)
    checked = replace(feed, last_checked=(now - timedelta(minutes=10)).isoformat())
    assert not is_due(checked, 30, now) and is_due(checked, 10, now)


@pytest.mark.parametrize("text, message", [
    ("[feeds]\ninterval_minutes = 0\n", "'feeds.interval_minutes' must be from 1 to 10,080, got 0"),
    ("[feeds]\nfull_content_chars = -1\n", "'feeds.full_content_chars' must be from 0"),
    ("[feeds]\nintervall = 5\n", "unknown key 'feeds.intervall'"),
])
def test_feeds_config_is_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)
    path.write_text("[feeds]\ninterval_minutes = 5\nfull_content_chars = 0\n")
    assert load_settings(path).feeds == FeedSettings(interval_minutes=5, full_content_chars=0)


# -- polling a local server ------------------------------------------------------------------------


def local(settings: Settings) -> Settings:
    """Settings that may reach the 127.0.0.1 test server, with no politeness delay."""
    return replace(settings, fetch=FetchSettings(allow_private_networks=True, per_host_delay_s=0.0, timeout_s=5.0))


@pytest.fixture
def engine(fake_settings: Settings) -> Engine:
    return Engine(local(fake_settings))


def publish(server: LocalServer, path: str, title: str, *sentences: str, date: str | None = None) -> str:
    server.route(path, page(title, *sentences, date=date))
    return server.url(path)


def test_follow_update_ask_then_a_new_entry_is_fetched_alone(http_server: LocalServer, engine: Engine) -> None:
    ferry = publish(http_server, "/ferry", "Ferry terminal approved", "The harbour authority approved the ferry "
                    "terminal on Monday.", "Work starts in June and takes two years.")
    items = [{"title": "Ferry terminal approved", "link": ferry, "date": "Mon, 29 Apr 2024 09:00:00 +0100"},
             {"title": "Lighthouse repainted", "link": http_server.url("/lighthouse"), "guid": "lh",
              "content": f"<p>The lighthouse keeper repainted the tower red and white.</p><p>{LONG}</p>"}]
    http_server.route("/feed.xml", rss("Harbour News", items), content_type="application/rss+xml")
    feed, new, entries = follow(engine, http_server.url("/feed.xml"))
    assert (feed.name, feed.title, new, entries) == ("Harbour News", "Harbour News", True, 2)

    report = update(engine)
    assert (report.polled, report.new, report.unchanged, report.failed) == (1, 2, 0, [])
    assert http_server.hits("/lighthouse") == 0  # the feed carried the whole article
    answer = engine.ask("when does work on the ferry terminal start?")
    top = answer.passages[0]
    assert answer.found and top.article_id == ferry and "Work starts in June" in top.text
    assert (top.title, top.source) == ("Ferry terminal approved", "Harbour News")
    assert top.date is not None and top.date.startswith("2024-04-29")
    lighthouse = engine.ask("what colour is the lighthouse tower?").passages[0]
    assert lighthouse.article_id == "lh" or lighthouse.url == http_server.url("/lighthouse")

    assert update(engine).polled == 0  # not due again before [feeds] interval_minutes
    tram = publish(http_server, "/tram", "Tram line extended", "The city council extended the tram line to the "
                   "airport.")
    http_server.route("/feed.xml", rss("Harbour News", [{"title": "Tram line extended", "link": tram}, *items]),
                      content_type="application/rss+xml")
    report = update(engine, everything=True)
    assert (report.new, report.failed) == (1, [])
    assert http_server.hits("/ferry") == 1 and http_server.hits("/tram") == 1  # nothing fetched twice
    assert engine.ask("where does the tram line go?").passages[0].article_id == tram
    assert engine.stats()["articles"] == 3
    (saved,) = FeedList(engine.folder).all()
    assert saved.last_checked and saved.last_new and saved.last_error is None


def test_unchanged_etag_is_a_304_and_a_changed_one_is_read(http_server: LocalServer, engine: Engine) -> None:
    one = publish(http_server, "/one", "First story", "The first story is about river otters returning.")
    http_server.route("/feed", rss("Otters", [{"title": "First", "link": one}]), etag='"v1"',
                      content_type="application/rss+xml")
    follow(engine, http_server.url("/feed"))
    assert update(engine, everything=True).new == 1
    report = update(engine, everything=True)
    assert (report.new, report.unchanged, report.failed) == (0, 1, [])
    assert http_server.requests[-1].headers.get("If-None-Match") == '"v1"'
    two = publish(http_server, "/two", "Second story", "The second story counts otter cubs along the river.")
    http_server.route("/feed", rss("Otters", [{"title": "Second", "link": two}, {"title": "First", "link": one}]),
                      etag='"v2"', content_type="application/rss+xml")
    report = update(engine, everything=True)
    assert (report.new, report.unchanged, report.failed) == (1, 0, [])
    assert FeedList(engine.folder).all()[0].etag == '"v2"'
    assert http_server.hits("/one") == 1


def test_failing_feeds_and_entries_never_stop_the_others(http_server: LocalServer, engine: Engine,
                                                         tmp_path: Path) -> None:
    kept = tmp_path / "kept.txt"
    kept.write_text("Old news\n\nThe old bridge was closed for repairs in March.")
    assert engine.ingest([kept]).added == 1
    good = publish(http_server, "/good", "Good story", "Volunteers planted four hundred oak trees in the park.")
    undated = publish(http_server, "/undated", "Undated story", "The museum reopened its dinosaur hall.")
    feed = rss("Good", [{"title": "Good", "link": good, "date": "Wed, 01 May 2024 10:00:00 GMT"},
                        {"title": "Undated", "link": undated},
                        {"title": "Gone", "link": http_server.url("/gone")}])
    for path, body, kwargs in (("/good.xml", feed, {"content_type": "application/rss+xml"}),
                               ("/bad.xml", rss("Bad", []), {}), ("/missing.xml", rss("Missing", []), {}),
                               ("/broken.xml", rss("Broken", []), {})):
        http_server.route(path, body, **kwargs)
    for path in ("/good.xml", "/bad.xml", "/missing.xml", "/broken.xml"):
        follow(engine, http_server.url(path))
    http_server.route("/bad.xml", "oops", status=500)
    http_server.route("/missing.xml", "no", status=404)
    http_server.route("/broken.xml", "<rss><channel><item><title>half", content_type="application/rss+xml")

    report = update(engine)
    reasons = {f.where: f.reason for f in report.failed}
    assert report.new == 2 and len(report.failed) == 4, report.failed
    assert reasons["Bad"] == "500 Internal Server Error" and reasons["Missing"] == "404 Not Found"
    assert reasons["Broken"].startswith("not a valid feed: malformed XML")
    assert reasons[f"Good: {http_server.url('/gone')}"] == "404 Not Found"
    assert all("\n" not in str(f) for f in report.failed)
    assert engine.ask("which bridge was closed for repairs?").passages[0].title == "Old news"  # nothing lost
    assert engine.ask("how many oak trees were planted?").passages[0].date.startswith("2024-05-01")
    assert engine.ask("which hall did the museum reopen?").passages[0].date is None  # no date anywhere
    by_name = {f.name: f for f in FeedList(engine.folder).all()}
    assert by_name["Bad"].last_error == "500 Internal Server Error"
    assert by_name["Good"].last_error == "1 entries failed (first: 404 Not Found)"
    assert by_name["Good"].etag is None  # the failed entry is read again next time

    def good_failures() -> list[str]:
        return [f.reason for f in update(engine, everything=True).failed if f.where.startswith("Good")]

    for _ in range(1, MAX_TRIES):  # the dead link is tried MAX_TRIES times in all, then left alone
        assert good_failures() == ["404 Not Found"]
    assert good_failures() == []
    assert http_server.hits("/gone") == MAX_TRIES and http_server.hits("/good") == 1


def test_follow_refuses_what_is_not_a_feed_and_finds_an_announced_one(http_server: LocalServer,
                                                                      engine: Engine) -> None:
    http_server.route("/plain", page("A page", "Nothing to follow here."))
    http_server.route("/home", '<html><head><link rel="alternate" type="application/atom+xml" href="/atom">'
                               "</head><body>Home</body></html>")
    http_server.route("/atom", atom("Site Atom", []), content_type="application/atom+xml")
    with pytest.raises(FeedError, match=r"/plain: not an RSS, Atom or RDF feed$"):
        follow(engine, http_server.url("/plain"))
    with pytest.raises(FeedError, match="404 Not Found"):
        follow(engine, http_server.url("/nowhere"))
    with pytest.raises(FeedError, match="not a web address"):
        follow(engine, "ftp://x.example/feed")
    assert FeedList(engine.folder).all() == []
    feed, new, entries = follow(engine, http_server.url("/home"), name="Site")
    assert (feed.url, feed.name, new, entries) == (http_server.url("/atom"), "Site", True, 0)
    again, new, _ = follow(engine, http_server.url("/atom"))
    assert again == feed and not new
    assert follow(engine, http_server.url("/home"))[:2] == (feed, False)  # the page's feed is followed already


def test_an_announced_feed_that_is_no_feed_says_the_page_announced_it(http_server: LocalServer,
                                                                     engine: Engine) -> None:
    http_server.route("/home", '<html><head><link rel="alternate" type="application/rss+xml" href="/bad">'
                               "</head><body>Home</body></html>")
    http_server.route("/bad", page("Not a feed", "Still a page."))
    with pytest.raises(FeedError, match=r"/bad \(announced by the page\): not an RSS, Atom or RDF feed$"):
        follow(engine, http_server.url("/home"))
    assert FeedList(engine.folder).all() == []


def test_private_addresses_are_refused_unless_allowed(http_server: LocalServer, fake_settings: Settings) -> None:
    http_server.route("/feed", rss("Local", []), content_type="application/rss+xml")
    with pytest.raises(FeedError, match="allow_private_networks"):
        follow(Engine(fake_settings), http_server.url("/feed"))


def test_entries_shared_by_two_feeds_are_fetched_once(http_server: LocalServer, engine: Engine) -> None:
    story = publish(http_server, "/shared", "Shared story", "Both feeds carry the story of the new library.")
    for path in ("/a.xml", "/b.xml"):
        http_server.route(path, rss(path, [{"title": "Shared", "link": story}]), content_type="application/rss+xml")
        follow(engine, http_server.url(path))
    report = update(engine)
    assert (report.new, report.failed) == (1, []) and http_server.hits("/shared") == 1


def test_a_crash_while_fetching_is_raised_never_a_hang(http_server: LocalServer, engine: Engine,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    story = publish(http_server, "/s", "Story", "A story whose page reader breaks.")
    http_server.route("/f.xml", rss("F", [{"title": "S", "link": story}]), content_type="application/rss+xml")
    follow(engine, http_server.url("/f.xml"))

    def broken(*args: object) -> None:
        raise RuntimeError("reader bug")

    monkeypatch.setattr("index.ingest.pages.article_from_page", broken)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            update(engine)
        except RuntimeError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "update hung waiting for the fetching thread"
    assert [str(e) for e in outcome] == ["reader bug"]
    assert FeedList(engine.folder).all()[0].last_checked is None  # nothing recorded: the next poll tries again


def test_a_year_zero_date_stops_no_feed(http_server: LocalServer, engine: Engine) -> None:
    """Issue 19, defect 1: a database "zero date" is no date, and never a crash of the poll."""
    zero = publish(http_server, "/zero", "Zero story", "The zero story is about the town's first tram.")
    other = publish(http_server, "/other", "Other story", "The other story is about the harbour seals.")
    http_server.route("/zero.xml", rss("Zero", [{"title": "Z", "link": zero, "date": "0000-00-00 00:00:00"}]),
                      content_type="application/rss+xml")
    http_server.route("/zero.atom", atom("Zero Atom", [{"title": "Z2", "link": http_server.url("/zero2"),
                                                        "published": "0000-01-01T00:00:00Z",
                                                        "content": f"<p>{LONG}</p>"}]),
                      content_type="application/atom+xml")
    http_server.route("/other.xml", rss("Other", [{"title": "O", "link": other}]), content_type="application/rss+xml")
    for path in ("/zero.xml", "/zero.atom", "/other.xml"):
        assert follow(engine, http_server.url(path))[1]
    report = update(engine, everything=True)
    assert (report.polled, report.new, report.failed) == (3, 3, [])
    assert engine.ask("which tram was the zero story about?").passages[0].date is None


def follow_two_feeds(http_server: LocalServer, engine: Engine) -> None:
    """Feed A (empty, to be broken by the test) and feed B with one entry, both followed."""
    other = publish(http_server, "/other", "Other story", "The other story is about the harbour seals.")
    http_server.route("/a.xml", rss("A", []), content_type="application/rss+xml")
    http_server.route("/b.xml", rss("B", [{"title": "O", "link": other}]), content_type="application/rss+xml")
    follow(engine, http_server.url("/a.xml"))
    follow(engine, http_server.url("/b.xml"))


def test_a_feed_that_breaks_the_parser_is_one_failure(http_server: LocalServer, engine: Engine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    follow_two_feeds(http_server, engine)  # A breaks; B's one entry must still be indexed
    import index.feeds.polling as polling

    real = polling.parse_feed

    def fragile(body: bytes, url: str, content_type: str = "") -> object:
        if url.endswith("/a.xml"):
            raise ValueError("year -1 is out of range")
        return real(body, url, content_type)

    monkeypatch.setattr(polling, "parse_feed", fragile)
    report = update(engine, everything=True)
    assert report.new == 1 and [(f.where, f.reason) for f in report.failed] == [
        ("A", "the feed could not be read: ValueError: year -1 is out of range")]


def test_guids_are_per_feed(http_server: LocalServer, engine: Engine) -> None:
    """Issue 19, defect 3: two feeds numbering entries 1, 2 are both indexed; a feed that gives one GUID to
    several links loses none of them; a feed copying another's GUIDs suppresses nothing."""
    a1 = publish(http_server, "/a1", "Otters", "River otters returned to the mill stream this spring.")
    b1 = publish(http_server, "/b1", "Herons", "Grey herons nested in the tall poplars by the lake.")
    http_server.route("/a.xml", rss("A", [{"title": "Otters", "link": a1, "guid": "1"}]),
                      content_type="application/rss+xml")
    http_server.route("/b.xml", rss("B", [{"title": "Herons", "link": b1, "guid": "1"}]),
                      content_type="application/rss+xml")
    links = [publish(http_server, f"/s{n}", f"Story {n}", f"Story number {n} is about the {word} of the town.")
             for n, word in enumerate(("bakery", "library", "tram", "harbour", "market"))]
    http_server.route("/same.xml", rss("Same", [{"title": f"S{n}", "link": link, "guid": "dup"}
                                                for n, link in enumerate(links)]), content_type="application/rss+xml")
    follow(engine, http_server.url("/a.xml"))
    assert update(engine).new == 1
    follow(engine, http_server.url("/b.xml"))
    follow(engine, http_server.url("/same.xml"))
    report = update(engine, everything=True)
    assert (report.new, report.failed) == (6, []), report
    assert engine.ask("where did the grey herons nest?").passages[0].article_id == b1
    assert engine.stats()["articles"] == 7
    assert update(engine, everything=True).new == 0 and http_server.hits("/s3") == 1


def test_an_entry_with_no_web_link_is_reported_once_then_given_up(http_server: LocalServer, engine: Engine) -> None:
    """Issue 19, defect 9: javascript:, data: and file: links (and no link) are one report, not one every poll."""
    good = publish(http_server, "/good", "Good story", "Volunteers planted four hundred oak trees in the park.")
    items = [{"title": "Good", "link": good},
             {"title": "Script", "link": "javascript:alert(1)", "guid": "js"},
             {"title": "Inline", "link": "data:text/html,<p>hi</p>"},
             {"title": "Local", "link": "file:///etc/passwd"},
             {"title": "Nowhere"}]
    http_server.route("/f.xml", rss("F", items), content_type="application/rss+xml")
    follow(engine, http_server.url("/f.xml"))
    report = update(engine)
    assert report.new == 1 and sorted(f.reason for f in report.failed) == [
        "entry 'Inline' has no web link (a data: link); skipped from now on",
        "entry 'Local' has no web link (a file: link); skipped from now on",
        "entry 'Nowhere' has no web link; skipped from now on",
        "entry 'Script' has no web link (a javascript: link); skipped from now on"]
    for _ in range(MAX_TRIES + 1):
        assert update(engine, everything=True).failed == []
    assert FeedList(engine.folder).all()[0].last_error is None


def test_a_full_text_entry_cannot_claim_another_sites_article(http_server: LocalServer, engine: Engine) -> None:
    """Issue 19, defect 5: the feed's own text is an article only on the feed's host (127.0.0.1 on another port
    is another site here); an entry linking elsewhere is read from its page, as that site serves it."""
    from tests.http_server import serve

    with serve() as other:
        real = publish(other, "/story", "Ferry timetable", "The winter ferry timetable starts on the first of "
                       "November.")
        own = http_server.url("/own")
        http_server.route("/a.xml", rss("A", [
            {"title": "Ferry timetable", "link": real, "content": f"<p>The ferry service was cancelled forever.</p>"
             f"<p>{LONG}</p>"},
            {"title": "Own story", "link": own, "content": f"<p>The lighthouse keeper retired.</p><p>{LONG}</p>"}]),
            content_type="application/rss+xml")
        other.route("/b.xml", rss("B", [{"title": "Ferry timetable", "link": real}]),
                    content_type="application/rss+xml")
        follow(engine, http_server.url("/a.xml"))
        report = update(engine)
        assert (report.new, report.failed) == (2, [])
        assert other.hits("/story") == 1 and http_server.hits("/own") == 0  # own host: the feed's text is used
        top = engine.ask("when does the winter ferry timetable start?").passages[0]
        assert top.article_id == real and "first of November" in top.text and "cancelled" not in top.text
        assert not any("cancelled forever" in p.text for p in engine.ask("was the ferry service cancelled?").passages
                       if p.article_id == real)
        follow(engine, other.url("/b.xml"))
        assert update(engine, everything=True).failed == []


def test_a_json_feed_is_discovered_followed_and_polled(http_server: LocalServer, engine: Engine) -> None:
    """Issue 19, defect 11: a JSON Feed a page announces was "malformed XML"; it is read like the others."""
    import json

    story = publish(http_server, "/owls", "Owls", "A pair of barn owls nested in the church bell tower.")
    http_server.route("/home", '<html><head><link rel="alternate" type="application/feed+json" href="/feed.json">'
                               "</head><body>Home</body></html>")
    http_server.route("/feed.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Jay News",
        "items": [{"id": "1", "url": "/owls", "title": "Owls", "date_published": "2024-05-02T08:00:00Z"},
                  {"id": "2", "url": "/bees", "title": "Bees",
                   "content_html": f"<p>The bees swarmed.</p><p>{LONG}</p>"}],
    }), content_type="application/feed+json")
    http_server.route("/storm", storm())
    with pytest.raises(FeedError, match=r"/storm: not an RSS, Atom or RDF feed$"):
        follow(engine, http_server.url("/storm"))
    feed, new, entries = follow(engine, http_server.url("/home"))
    assert (feed.url, feed.name, new, entries) == (http_server.url("/feed.json"), "Jay News", True, 2)
    report = update(engine)
    assert (report.new, report.failed) == (2, [])
    top = engine.ask("where did the barn owls nest?").passages[0]
    assert top.article_id == story and top.date is not None and top.date.startswith("2024-05-02")
    assert http_server.hits("/bees") == 0


def test_a_feed_whose_fetch_breaks_is_one_failure(http_server: LocalServer, engine: Engine,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19, defect 1: _poll_feeds caught only fetch and feed errors; anything else stopped every feed."""
    from index.ingest.fetch import Fetcher

    follow_two_feeds(http_server, engine)  # A breaks; B's one entry must still be indexed
    real = Fetcher.get

    async def fragile(self: Fetcher, url: str, *args: object, **kwargs: object) -> object:
        if url.endswith("/a.xml"):
            raise ValueError("Invalid port: '99999'")
        return await real(self, url, *args, **kwargs)

    monkeypatch.setattr(Fetcher, "get", fragile)
    report = update(engine, everything=True)
    assert report.new == 1 and [(f.where, f.reason) for f in report.failed] == [
        ("A", "the feed could not be fetched: ValueError: Invalid port: '99999'")]
