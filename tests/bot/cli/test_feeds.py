"""quotebot follow / unfollow / feeds / update against a local server, in-process with the fake model."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cli_runner
from tests.feeds_fixtures import page, rss
from tests.http_server import LocalServer


@pytest.fixture
def run(capsys, tmp_path):
    return cli_runner(capsys, tmp_path / "fake.toml", '[model]\nname = "fake-hash"\n\n[fetch]\n'
                      "allow_private_networks = true\nper_host_delay_s = 0\ntimeout_s = 5\n")


def test_follow_update_ask_feeds_unfollow(run, http_server: LocalServer) -> None:
    http_server.route("/kite", page("Kite festival", "Three hundred kites flew over the beach on Sunday."))
    feed = rss("Coast News", [{"title": "Kite festival", "link": http_server.url("/kite"),
                               "date": "Sun, 05 May 2024 16:00:00 +0200"}])
    http_server.route("/feed.xml", feed, content_type="application/rss+xml")

    code, out, err = run("update")
    assert code == 1 and err.strip() == "error: no feeds followed: add one with `quotebot follow URL`"
    code, out, err = run("follow", http_server.url("/feed.xml"))
    assert code == 0, err
    assert out.strip() == (f"following Coast News ({http_server.url('/feed.xml')}): 1 entries now; "
                           "`quotebot update` indexes them")
    code, out, _ = run("follow", http_server.url("/feed.xml"), "--name", "Other")
    assert code == 0 and out.strip() == f"already following Coast News ({http_server.url('/feed.xml')})"

    code, out, err = run("update")
    assert code == 0, err
    assert out.startswith("1 new, 0 unchanged, 0 failed (1 feeds polled in ")
    code, out, _ = run("ask", "how many kites flew over the beach?", "--json")
    top = json.loads(out)["passages"][0]
    assert (top["title"], top["source"], top["url"]) == ("Kite festival", "Coast News", http_server.url("/kite"))
    assert top["date"].startswith("2024-05-05")

    code, out, _ = run("update")
    assert code == 0 and out.startswith("no feed is due (each is polled every 30 min; --all polls them now)")
    code, out, _ = run("feeds")
    lines = out.splitlines()
    assert lines[0] == f"Coast News  {http_server.url('/feed.xml')}"
    assert lines[1].startswith("  checked 20") and "last new article 20" in lines[1] and "error" not in lines[1]
    code, out, _ = run("feeds", "--json")
    (saved,) = json.loads(out)
    assert saved["name"] == "Coast News" and saved["last_error"] is None and saved["last_checked"]

    http_server.route("/feed.xml", "down", status=503)
    code, out, err = run("update", "--all")
    assert code == 1 and err.strip() == "failed: Coast News: 503 Service Unavailable"
    assert out.startswith("0 new, 0 unchanged, 1 failed")
    code, out, _ = run("feeds")
    assert out.splitlines()[1].endswith("· error: 503 Service Unavailable")

    code, out, _ = run("unfollow", "coast news")
    assert code == 0 and out.strip() == (f"unfollowed Coast News ({http_server.url('/feed.xml')}); its articles stay "
                                         "in the index")
    code, out, err = run("unfollow", "Coast News")
    assert code == 1 and err.strip() == "error: not following 'Coast News': `quotebot feeds` lists the feeds followed"
    code, out, _ = run("feeds")
    assert out.strip() == "no feeds followed: add one with `quotebot follow URL`"
    code, out, _ = run("ask", "how many kites flew over the beach?", "--json")
    assert json.loads(out)["passages"][0]["title"] == "Kite festival"


def test_follow_errors_are_one_line_and_save_nothing(run, http_server: LocalServer) -> None:
    http_server.route("/page", page("Just a page", "No feed is announced here."))
    http_server.route("/bad.xml", "<rss><channel><item>", content_type="application/rss+xml")
    for url, message in ((http_server.url("/page"), f"error: {http_server.url('/page')}: not an RSS, Atom or RDF feed"),
                         (http_server.url("/bad.xml"), "error: " + http_server.url("/bad.xml") + ": not a valid feed: "
                                                       "malformed XML"),
                         (http_server.url("/none"), f"error: {http_server.url('/none')}: 404 Not Found"),
                         ("file:///etc/passwd", "error: not a web address: 'file:///etc/passwd'")):
        code, out, err = run("follow", url)
        assert code == 1 and err.startswith(message) and err.count("\n") == 1, err
    code, out, err = run("follow", http_server.url("/page"), "--name", "  ")
    assert code == 1 and err.strip() == "error: a feed name must be 1 to 100 characters"
    assert run("feeds")[1].strip() == "no feeds followed: add one with `quotebot follow URL`"


def test_watch_polls_every_interval_and_ctrl_c_stops_cleanly(run, http_server: LocalServer, monkeypatch) -> None:
    http_server.route("/feed.xml", rss("Quiet", []), content_type="application/rss+xml")
    assert run("follow", http_server.url("/feed.xml"))[0] == 0
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", sleep)
    code, out, err = run("update", "--watch", "--all")
    assert code == 0 and sleeps == [1800, 1800]
    assert out.splitlines()[0].startswith("0 new, 1 unchanged, 0 failed")
    assert out.splitlines()[1].startswith("no feed is due")  # --all applies to the first poll only
    assert err.splitlines() == ["polling every 30 min; Ctrl-C stops", "stopped; every article indexed so far is kept"]
    assert http_server.hits("/feed.xml") == 2  # one follow, one poll


def test_a_year_zero_date_is_no_traceback_and_watch_outlives_a_bad_poll(run, http_server: LocalServer,
                                                                       monkeypatch) -> None:
    """Issue 19, defect 1: `follow`, `update --all` and `update --watch` with a feed dated year 0."""
    http_server.route("/zero", page("Zero", "The zero story is about the first tram."))
    http_server.route("/feed.xml", rss("Zero", [{"title": "Zero", "link": http_server.url("/zero"),
                                                 "date": "0000-00-00 00:00:00"}]), content_type="application/rss+xml")
    code, out, err = run("follow", http_server.url("/feed.xml"))
    assert code == 0 and out.startswith("following Zero") and not err, err
    code, out, err = run("update", "--all")
    assert code == 0 and out.startswith("1 new, 0 unchanged, 0 failed"), err

    calls: list[int] = []
    real = __import__("index.feeds.polling", fromlist=["update"]).update

    def flaky(engine, everything=False):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("year -1 is out of range")
        return real(engine, everything=everything)

    def sleep(seconds: float) -> None:
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("index.feeds.polling.update", flaky)
    monkeypatch.setattr("time.sleep", sleep)
    code, out, err = run("update", "--watch", "--all")
    assert code == 0 and len(calls) == 2, err
    assert "error: the poll failed: ValueError: year -1 is out of range" in err.splitlines()


def test_one_feed_however_its_url_is_written_and_unfollow_by_url(run, http_server: LocalServer) -> None:
    """Issue 19, defect 13."""
    http_server.route("/feed-a", rss("A", []), content_type="application/rss+xml")
    http_server.route("/feed-b", rss("B", []), content_type="application/rss+xml")
    a = http_server.url("/feed-a")
    assert run("follow", a)[0] == 0
    for form in (a + "?", a + "#x", a.replace("http://", "HTTP://")):
        code, out, err = run("follow", form)
        assert code == 0 and out.strip() == f"already following A ({a})", (form, out, err)
    assert run("follow", http_server.url("/feed-b"), "--name", a + "?")[0] == 0  # a feed named like a's URL
    code, out, err = run("unfollow", a + "#x")
    assert code == 0 and out.strip() == f"unfollowed A ({a}); its articles stay in the index", err
    code, out, _ = run("feeds", "--json")
    assert [f["url"] for f in json.loads(out)] == [http_server.url("/feed-b")]
