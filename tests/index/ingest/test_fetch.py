"""Fetching links (index.ingest.fetch, index.ingest.fetching) and indexing them (Engine.ingest with URLs),
against a local 127.0.0.1 server.

Every bad case must come back as one ``URL: reason`` line and leave what is already indexed as it was.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace

import pytest

from index.ingest import fetch as fetch_mod
from index.config import FetchSettings, Settings
from index.engine import Engine
from index.ingest.articles import Failure
from index.ingest.fetch import FetchError, Fetched, Fetcher, GuardedResolver, forbidden_address
from index.ingest.fetching import fetch_all
from tests.feeds_fixtures import NO_TEXT, storm
from tests.http_server import LocalServer, serve

LOCAL = FetchSettings(per_host_delay_s=0.0, allow_private_networks=True, timeout_s=5.0, connect_timeout_s=2.0)


def one(url: str, settings: FetchSettings = LOCAL, **validators: str | None) -> Fetched | FetchError:
    return fetch_all([url], settings, {url: (validators.get("etag"), validators.get("last_modified"))})[0]


@pytest.fixture
def web_engine(fake_settings: Settings) -> Engine:
    return Engine(replace(fake_settings, fetch=LOCAL))


# -- the fetch layer -----------------------------------------------------------------------------------
def test_a_page_comes_back_with_its_validators_and_the_user_agent_names_quotebot(http_server: LocalServer) -> None:
    http_server.route("/a", storm(), etag='"v1"', last_modified="Mon, 19 Sep 2022 08:00:00 GMT")
    got = one(http_server.url("/a"))
    assert isinstance(got, Fetched)
    assert (got.status, got.content_type, got.charset, got.etag, got.last_modified) == (
        200, "text/html", "utf-8", '"v1"', "Mon, 19 Sep 2022 08:00:00 GMT")
    assert got.body == storm().encode()
    agent = http_server.requests[-1].headers["User-Agent"]
    assert agent.startswith("Quotebot/0.") and agent == fetch_mod.user_agent()


def test_gzip_body_is_decoded(http_server: LocalServer) -> None:
    http_server.route("/z", storm(), gzip=True)
    got = one(http_server.url("/z"))
    assert isinstance(got, Fetched) and got.body == storm().encode()
    assert "gzip" in http_server.requests[-1].headers.get("Accept-Encoding", "")


@pytest.mark.parametrize(("status", "reason"), [(404, "404 Not Found"), (500, "500 Internal Server Error"),
                                                (403, "403 Forbidden")])
def test_an_error_status_is_one_line(http_server: LocalServer, status: int, reason: str) -> None:
    http_server.route("/x", "no", status=status)
    got = one(http_server.url("/x"))
    assert isinstance(got, FetchError) and str(got) == f"{http_server.url('/x')}: {reason}"


def test_a_server_slower_than_the_timeout_is_given_up(http_server: LocalServer) -> None:
    http_server.route("/slow", storm(), delay=3.0)
    started = time.monotonic()
    got = one(http_server.url("/slow"), replace(LOCAL, timeout_s=0.5))
    assert isinstance(got, FetchError) and got.reason == "no complete answer within 0.5 s ([fetch] timeout_s)"
    assert time.monotonic() - started < 2.5


def test_redirects_are_followed_up_to_five_and_a_loop_is_named(http_server: LocalServer) -> None:
    http_server.route("/end", storm())
    for i in range(5):
        http_server.redirect(f"/r{i}", f"/r{i + 1}" if i < 4 else "/end")
    got = one(http_server.url("/r0"))
    assert isinstance(got, Fetched) and got.final_url == http_server.url("/end") and got.url == http_server.url("/r0")
    http_server.redirect("/s0", "/r0")  # six hops
    got = one(http_server.url("/s0"))
    assert isinstance(got, FetchError) and got.reason.startswith("more than 5 redirects")
    http_server.redirect("/loop-a", "/loop-b")
    http_server.redirect("/loop-b", http_server.url("/loop-a"))
    got = one(http_server.url("/loop-a"))
    assert isinstance(got, FetchError) and got.reason == f"redirect loop (back to {http_server.url('/loop-a')})"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "no-length"])
def test_a_body_over_the_size_cap_is_refused_without_reading_it_all(http_server: LocalServer, chunked: bool) -> None:
    http_server.route("/big", b"x" * 3_000_000, content_type="text/plain", chunked=chunked)
    got = one(http_server.url("/big"), replace(LOCAL, max_mb=0.01))
    assert isinstance(got, FetchError) and got.reason == "the response is over the 0.01 MB limit ([fetch] max_mb)"


def test_a_gzip_bomb_is_capped_after_decoding(http_server: LocalServer) -> None:
    http_server.route("/bomb", b"a" * 2_000_000, content_type="text/plain", gzip=True)  # ~2 KB on the wire
    got = one(http_server.url("/bomb"), replace(LOCAL, max_mb=0.1))
    assert isinstance(got, FetchError) and "over the 0.1 MB limit" in got.reason


def test_loopback_is_refused_by_default(http_server: LocalServer) -> None:
    http_server.route("/a", storm())
    got = one(http_server.url("/a"), FetchSettings(per_host_delay_s=0))
    assert isinstance(got, FetchError)
    assert got.reason == "refused: 127.0.0.1 is a loopback address ([fetch] allow_private_networks = false)"
    assert http_server.requests == []  # not even robots.txt was asked for


def test_a_name_that_resolves_to_loopback_is_refused_by_default(http_server: LocalServer) -> None:
    http_server.route("/a", storm())
    got = one(f"http://localhost:{http_server.port}/a", FetchSettings(per_host_delay_s=0))
    assert isinstance(got, FetchError) and got.reason.startswith("refused: 'localhost' resolves to ")
    assert http_server.requests == []


@pytest.mark.parametrize("host", ["[::1]", "[::ffff:127.0.0.1]", "0x7f000001", "2130706433", "127.1", "0.0.0.0"])
def test_other_spellings_of_loopback_are_refused_by_default(http_server: LocalServer, host: str) -> None:
    http_server.route("/a", storm())
    got = one(f"http://{host}:{http_server.port}/a", FetchSettings(per_host_delay_s=0, connect_timeout_s=1))
    assert isinstance(got, FetchError) and got.reason.startswith(("refused: ", "not a valid URL")), got
    assert http_server.requests == []


def test_fetch_settings_are_read_and_range_checked(tmp_path) -> None:
    from index.config import load_settings
    from index.errors import ConfigError

    config = tmp_path / "c.toml"
    config.write_text("[fetch]\ntimeout_s = 5\nallow_private_networks = true\n")
    assert load_settings(config).fetch == FetchSettings(timeout_s=5.0, allow_private_networks=True)
    config.write_text("[fetch]\nmax_mb = 0\n")
    with pytest.raises(ConfigError, match="'fetch.max_mb' must be from 0.001 to 1,000"):
        load_settings(config)


def test_a_redirect_to_a_private_address_is_refused(http_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Let this test's own server count as public, so the first hop is fetched and the redirect is judged.
    real = fetch_mod.forbidden_address
    monkeypatch.setattr(fetch_mod, "forbidden_address", lambda a: None if a == "127.0.0.1" else real(a))
    http_server.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    http_server.redirect("/to-lan", "http://10.1.2.3/admin")
    http_server.redirect("/to-file", "file:///etc/passwd")
    strict = FetchSettings(per_host_delay_s=0, timeout_s=2)
    assert str(one(http_server.url("/to-metadata"), strict)) == (
        f"{http_server.url('/to-metadata')}: redirected to http://169.254.169.254/latest/meta-data/: refused: "
        "169.254.169.254 is a link-local address ([fetch] allow_private_networks = false)")
    assert one(http_server.url("/to-lan"), strict).reason == (  # type: ignore[union-attr]
        "redirected to http://10.1.2.3/admin: refused: 10.1.2.3 is a private address "
        "([fetch] allow_private_networks = false)")
    assert one(http_server.url("/to-file"), strict).reason == (  # type: ignore[union-attr]
        "redirected to file:///etc/passwd: only http and https URLs are fetched, not 'file'")
    assert http_server.hits("/to-metadata") == 1  # the first hop was fetched; the second never left


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "a loopback address"), ("::1", "a loopback address"), ("10.0.0.8", "a private address"),
    ("192.168.1.1", "a private address"), ("169.254.169.254", "a link-local address"),
    ("fe80::1%eth0", "a link-local address"), ("224.0.0.1", "a multicast address"),
    ("0.0.0.0", "an unspecified address"),
    ("::ffff:127.0.0.1", "a loopback address"), ("2002:7f00:1::", "a loopback address"),  # mapped, 6to4
    ("100.64.0.1", "not a public address"), ("240.0.0.1", "a reserved address"),
    ("93.184.216.34", None), ("2606:4700::1111", None),
])
def test_forbidden_addresses(address: str, kind: str | None) -> None:
    assert forbidden_address(address) == kind


def test_the_resolver_refuses_a_name_when_any_address_is_private() -> None:
    class Inner:
        async def resolve(self, host: str, port: int = 0, family: object = None) -> list[dict]:
            return [{"host": "93.184.216.34", "port": port}, {"host": "10.0.0.1", "port": port}]

    async def go() -> None:
        resolver = GuardedResolver()
        resolver._inner = Inner()  # type: ignore[assignment]
        with pytest.raises(OSError, match="'rebind.example' resolves to 10.0.0.1, a private address"):
            await resolver.resolve("rebind.example", 80)

    asyncio.run(go())


def test_only_http_and_https(http_server: LocalServer) -> None:
    for url, reason in (("ftp://example.com/a", "only http and https URLs are fetched, not 'ftp'"),
                        ("http:///nohost", "no host in the URL")):
        got = one(url)
        assert isinstance(got, FetchError) and got.reason == reason


def test_robots_disallow_is_respected_and_read_once_per_host(http_server: LocalServer) -> None:
    http_server.route("/robots.txt", "User-agent: Quotebot\nDisallow: /private/\n\nUser-agent: *\nDisallow: /",
                      content_type="text/plain")
    http_server.route("/private/a", storm())
    http_server.route("/news/a", storm())
    http_server.route("/news/b", storm())
    got = fetch_all([http_server.url("/private/a"), http_server.url("/news/a"), http_server.url("/news/b")], LOCAL)
    assert isinstance(got[0], FetchError) and got[0].reason == f"disallowed by {http_server.base}/robots.txt"
    assert all(isinstance(g, Fetched) for g in got[1:])
    assert http_server.hits("/private/a") == 0 and http_server.hits("/robots.txt") == 1


def test_robots_that_cannot_be_read_stop_the_host_this_time_but_a_missing_one_allows(http_server: LocalServer) -> None:
    http_server.route("/a", storm())
    http_server.route("/robots.txt", "down", status=503)
    got = one(http_server.url("/a"))
    assert isinstance(got, FetchError)
    assert got.reason.startswith("robots.txt could not be read (503 Service Unavailable)")
    assert http_server.hits("/a") == 0
    http_server.route("/robots.txt", "gone", status=404)
    assert isinstance(one(http_server.url("/a")), Fetched)  # a new run reads robots.txt again


def test_one_request_at_a_time_per_host_and_hosts_in_parallel() -> None:
    with serve() as s1, serve() as s2:
        for s in (s1, s2):
            for p in ("/a", "/b"):
                s.route(p, storm(), delay=0.4)
        started = time.monotonic()
        assert all(isinstance(g, Fetched) for g in fetch_all([s1.url("/a"), s2.url("/a")], LOCAL))
        parallel = time.monotonic() - started
        started = time.monotonic()
        assert all(isinstance(g, Fetched) for g in fetch_all([s1.url("/a"), s1.url("/b")], LOCAL))
        serial = time.monotonic() - started
    assert parallel < 0.75 <= serial


def test_the_per_host_delay_spaces_requests(http_server: LocalServer) -> None:
    for p in ("/a", "/b", "/c"):
        http_server.route(p, storm())
    started = time.monotonic()
    fetch_all([http_server.url(p) for p in ("/a", "/b", "/c")], replace(LOCAL, per_host_delay_s=0.3))
    assert time.monotonic() - started >= 0.6  # robots.txt, then /a, /b, /c: three waits at least


def test_a_conditional_get_gets_304_with_no_body(http_server: LocalServer) -> None:
    http_server.route("/e", storm(), etag='"v1"')
    http_server.route("/m", storm(), last_modified="Mon, 19 Sep 2022 08:00:00 GMT")
    got = one(http_server.url("/e"), etag='"v1"')
    assert isinstance(got, Fetched) and (got.status, got.body) == (304, b"")
    got = one(http_server.url("/m"), last_modified="Mon, 19 Sep 2022 08:00:00 GMT")
    assert isinstance(got, Fetched) and got.status == 304
    assert one(http_server.url("/e"), etag='"v0"').status == 200  # type: ignore[union-attr]


def test_fetcher_is_an_async_context_manager(http_server: LocalServer) -> None:
    http_server.route("/a", "plain words", content_type="text/plain")

    async def go() -> Fetched:
        async with Fetcher(LOCAL) as fetcher:
            return await fetcher.get(http_server.url("/a"))

    assert asyncio.run(go()).body == b"plain words"


# -- indexing links ------------------------------------------------------------------------------------
def test_an_html_article_is_indexed_and_quoted(web_engine: Engine, http_server: LocalServer) -> None:
    http_server.route("/news/storm", storm())
    report = web_engine.ingest([http_server.url("/news/storm")])
    assert (report.added, report.failed) == (1, [])
    answer = web_engine.ask("who is the harbour master at Port Ellen?")
    p = answer.passages[0]
    assert answer.found and "Ines Calloway" in p.text
    assert (p.article_id, p.url, p.source, p.date) == (http_server.url("/news/storm"), http_server.url("/news/storm"),
                                                       "Coast Daily", "2022-09-19")


def test_links_files_and_failures_mix_and_nothing_indexed_is_lost(web_engine: Engine, http_server: LocalServer,
                                                                 tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Bridge reopens\n\nThe old bridge at Kelso reopened to traffic on Friday.")
    http_server.route("/storm", storm())
    http_server.route("/plain", "Ferry news\n\nThe ferry to Islay sails again on Sunday.", content_type="text/plain")
    assert web_engine.ingest([http_server.url("/storm"), notes]).added == 2
    http_server.route("/storm", "gone", status=500)
    http_server.route("/paper.pdf", b"%PDF-1.7", content_type="application/pdf")
    report = web_engine.ingest([http_server.url("/storm"), http_server.url("/plain"), http_server.url("/paper.pdf"),
                                tmp_path / "missing.txt"])
    assert report.added == 1 and [str(f) for f in report.failed] == [
        f"{tmp_path / 'missing.txt'}: no such file or folder",
        f"{http_server.url('/storm')}: 500 Internal Server Error",
        f"{http_server.url('/paper.pdf')}: not an article: the server sent application/pdf (only HTML and plain text "
        "pages are indexed)"]
    assert web_engine.stats()["articles"] == 3  # the storm page's article stays after its 500
    assert "Ines Calloway" in web_engine.ask("who is the harbour master?").passages[0].text


def test_an_unchanged_page_is_a_304_and_nothing_is_embedded(web_engine: Engine, http_server: LocalServer) -> None:
    http_server.route("/storm", storm(), etag='"v1"')
    assert web_engine.ingest([http_server.url("/storm")]).added == 1
    calls = web_engine.models.embedder.calls  # type: ignore[attr-defined]
    report = web_engine.ingest([http_server.url("/storm")])
    assert (report.added, report.updated, report.unchanged, report.chunks) == (0, 0, 1, 0)
    assert http_server.requests[-1].headers.get("If-None-Match") == '"v1"'
    assert web_engine.models.embedder.calls == calls  # type: ignore[attr-defined]


def test_last_modified_alone_makes_a_conditional_get(web_engine: Engine, http_server: LocalServer) -> None:
    http_server.route("/storm", storm(), last_modified="Mon, 19 Sep 2022 08:00:00 GMT")
    web_engine.ingest([http_server.url("/storm")])
    assert web_engine.ingest([http_server.url("/storm")]).unchanged == 1
    assert http_server.requests[-1].headers.get("If-Modified-Since") == "Mon, 19 Sep 2022 08:00:00 GMT"


def test_same_text_without_validators_is_unchanged_by_its_content_hash(web_engine: Engine,
                                                                      http_server: LocalServer) -> None:
    http_server.route("/storm", storm())
    web_engine.ingest([http_server.url("/storm")])
    report = web_engine.ingest([http_server.url("/storm")])
    assert (report.unchanged, report.chunks) == (1, 0)


def test_a_changed_page_replaces_its_old_chunks(web_engine: Engine, http_server: LocalServer) -> None:
    http_server.route("/storm", storm("two metres"), etag='"v1"')
    web_engine.ingest([http_server.url("/storm")])
    http_server.route("/storm", storm("nine metres"), etag='"v2"')
    report = web_engine.ingest([http_server.url("/storm")])
    assert (report.added, report.updated) == (0, 1)
    texts = [a.text for a in web_engine.store.articles()]
    assert len(texts) == 1 and "nine metres" in texts[0] and "two metres" not in texts[0]
    assert not web_engine.check()
    assert web_engine.ingest([http_server.url("/storm")]).unchanged == 1  # the new ETag was remembered


def test_a_page_whose_canonical_url_changes_leaves_no_stale_copy(web_engine: Engine, http_server: LocalServer) -> None:
    http_server.route("/p", storm(canonical=http_server.url("/news/storm-v1")))
    web_engine.ingest([http_server.url("/p")])
    http_server.route("/p", storm("nine metres", canonical=http_server.url("/news/storm-v2")))
    web_engine.ingest([http_server.url("/p")])
    assert [a.id for a in web_engine.store.articles()] == [http_server.url("/news/storm-v2")]


def test_a_failed_page_remembers_no_validators(web_engine: Engine, http_server: LocalServer) -> None:
    http_server.route("/empty", NO_TEXT, etag='"e"')
    http_server.route("/ok", storm())
    web_engine.ingest([http_server.url("/ok")])
    for _ in range(2):  # never a 304 "unchanged" for a page that was never indexed
        report = web_engine.ingest([http_server.url("/empty")])
        assert report.unchanged == 0 and [f.reason for f in report.failed] == ["no article text found in the HTML"]


def test_an_index_from_before_pages_were_fetched_gains_the_table(web_engine: Engine, http_server: LocalServer,
                                                                tmp_path) -> None:
    (tmp_path / "a.txt").write_text("Old news\n\nSomething happened in the town of Pine.")
    web_engine.ingest([tmp_path / "a.txt"])
    db = web_engine.folder / "quotebot.sqlite3"
    web_engine.store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE pages")
    engine = Engine(web_engine.settings)
    http_server.route("/storm", storm(), etag='"v1"')
    assert engine.ingest([http_server.url("/storm")]).added == 1
    assert engine.ingest([http_server.url("/storm")]).unchanged == 1
    assert engine.stats()["articles"] == 2


def test_a_link_only_run_that_fails_creates_no_index(web_engine: Engine, http_server: LocalServer) -> None:
    report = web_engine.ingest([http_server.url("/nothing")])
    assert [f.reason for f in report.failed] == ["404 Not Found"]
    assert not (web_engine.folder / "quotebot.sqlite3").exists()


def test_ingest_items_indexes_articles_made_elsewhere(web_engine: Engine) -> None:
    from index.types import Article

    report = web_engine.ingest_items([Article("feed:1", "Tide tables", "High tide at Port Ellen is at noon.",
                                              date="2022-09-19"),
                                      Failure("https://feed.example/rss#2", "entry has no link")])
    assert (report.added, [str(f) for f in report.failed]) == (1, ["https://feed.example/rss#2: entry has no link"])
    assert web_engine.ask("when is high tide at Port Ellen?").passages[0].article_id == "feed:1"


# -- issue 19 #14: passwords, fragments and deep nesting -----------------------------------------------
def test_a_password_in_the_link_is_used_to_fetch_but_never_stored_or_shown(web_engine: Engine,
                                                                          http_server: LocalServer) -> None:
    http_server.route("/news/storm", storm())
    secret = http_server.url("/news/storm").replace("http://", "http://reporter:secret@")
    report = web_engine.ingest([secret, secret.replace("/storm", "/missing")])
    assert report.added == 1
    assert [str(f) for f in report.failed] == [f"{http_server.url('/news/missing')}: 404 Not Found"]
    assert http_server.requests[-2].headers.get("Authorization", "").startswith("Basic ")  # fetching used it
    (article,) = web_engine.store.articles()
    assert (article.id, article.url) == (http_server.url("/news/storm"), http_server.url("/news/storm"))
    p = web_engine.ask("who is the harbour master at Port Ellen?").passages[0]
    assert (p.article_id, p.url) == (http_server.url("/news/storm"), http_server.url("/news/storm"))
    assert "secret" not in "".join(web_engine.store.page_validators([http_server.url("/news/storm")]).keys())
    assert web_engine.ingest([secret]).unchanged == 1  # the same page next time, by its public URL


def test_a_page_given_again_with_a_fragment_is_the_same_page(web_engine: Engine, http_server: LocalServer) -> None:
    http_server.route("/news/storm", storm())
    url = http_server.url("/news/storm")
    report = web_engine.ingest([url, url + "#comments", url + "#"])
    assert (report.added, report.failed) == (1, [])
    assert http_server.hits("/news/storm") == 1
    assert [a.id for a in web_engine.store.articles()] == [url]
    again = web_engine.ingest([url + "#top"])
    assert (again.added, again.unchanged, again.failed) == (0, 1, [])


# -- issue 19 #11: what robots.txt failures say ----------------------------------------------------------
def test_a_robots_txt_over_500_kb_is_read_up_to_the_limit_as_google_does(http_server: LocalServer) -> None:
    http_server.route("/robots.txt", "User-agent: *\nDisallow: /private\n" + "# filler line\n" * 60_000
                      + "Disallow: /news\n", content_type="text/plain")
    http_server.route("/news/a", storm())
    http_server.route("/private/a", storm())
    news, private = fetch_all([http_server.url("/news/a"), http_server.url("/private/a")], LOCAL)
    assert isinstance(news, Fetched)  # the rule past 500 KB is not read
    assert isinstance(private, FetchError) and private.reason == f"disallowed by {http_server.base}/robots.txt"
    assert "max_mb" not in private.reason


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_host_that_refuses_connections_is_named_as_such_not_as_its_robots_txt() -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    got = one(f"{base}/a")
    assert isinstance(got, FetchError)
    assert got.reason == (f"cannot connect (Connection refused) to {base}/robots.txt, asked before any page of the "
                          "host; nothing is fetched from it this time")


def test_a_tls_failure_is_named_as_such(http_server: LocalServer) -> None:
    base = http_server.base.replace("http://", "https://")  # TLS to a plain HTTP server: the handshake fails
    got = one(f"{base}/a")
    assert isinstance(got, FetchError)
    assert got.reason.startswith("TLS handshake failed (") and "robots.txt could not be read" not in got.reason
    assert f"to {base}/robots.txt, asked before any page of the host" in got.reason


# -- issue 19 #10: links are fetched and indexed as a stream ----------------------------------------------
def test_pages_are_written_as_they_come_so_few_are_held_at_once(web_engine: Engine, http_server: LocalServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import index.indexing as indexing

    n = 30
    for i in range(n):
        http_server.route(f"/news/{i}", storm(rise=f"{i + 2} metres", canonical=f"/news/{i}"))
    counts = {"fetched": 0, "written": 0, "peak": 0}
    lock = threading.Lock()
    get, digest = Fetcher.get, indexing.content_hash

    async def counted_get(self: Fetcher, *args: object, **kwargs: object) -> Fetched:
        fetched = await get(self, *args, **kwargs)  # type: ignore[arg-type]
        with lock:
            counts["fetched"] += 1
            counts["peak"] = max(counts["peak"], counts["fetched"] - counts["written"])
        return fetched

    def counted_digest(*args: object, **kwargs: object) -> str:
        with lock:
            counts["written"] += 1  # the writer took one article
        return digest(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Fetcher, "get", counted_get)
    monkeypatch.setattr(indexing, "content_hash", counted_digest)
    report = web_engine.ingest([http_server.url(f"/news/{i}") for i in range(n)])
    assert (report.added, report.failed) == (n, [])
    assert counts["fetched"] == counts["written"] == n
    assert counts["peak"] <= 10, counts  # was n: every page was downloaded before the first was indexed
