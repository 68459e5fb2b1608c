"""Feeds in the bot, over the wire: admin /follow, /unfollow, /feeds, /index URL, and the background poller."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

import pytest

from bot.discord.admin import feeds_text
from bot.discord.poller import FeedPoller
from index.config import FetchSettings, Settings
from index.engine import Engine
from index.feeds.follow_list import Feed, FeedList
from tests.bot.discord.fake_discord import MANAGE_GUILD, user
from tests.bot.discord.harness import callback_to, eventually, followup_to, running_bot, visible, with_discord
from tests.feeds_fixtures import page, rss
from tests.http_server import LocalServer


@pytest.fixture
def settings(fake_settings: Settings) -> Settings:
    local = FetchSettings(allow_private_networks=True, per_host_delay_s=0.0, timeout_s=5.0)
    return replace(with_discord(fake_settings), fetch=local)


@pytest.fixture(autouse=True)
def quick_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FeedPoller, "tick", 0.2)


def reply_text(call) -> str:  # type: ignore[no-untyped-def]
    body = call.body
    return body.get("data", body)["content"]


def test_follow_then_the_poller_indexes_and_ask_quotes_it(settings: Settings, http_server: LocalServer) -> None:
    http_server.route("/owls", page("Owls nest in the bell tower", "A pair of barn owls nested in the church bell "
                                    "tower this spring.", "Five owlets hatched in May."))
    http_server.route("/feed.xml", rss("Village News", [{"title": "Owls nest in the bell tower",
                                                         "link": http_server.url("/owls"),
                                                         "date": "Thu, 02 May 2024 08:00:00 GMT"}]),
                      content_type="application/rss+xml")
    engine = Engine(settings)

    async def scenario() -> None:
        async with running_bot(settings, engine) as (fake, bot):
            mod = user("mod")
            token = await fake.slash(mod, "follow", {"url": http_server.url("/feed.xml")}, permissions=MANAGE_GUILD)
            assert (await fake.wait_for(callback_to(token))).body == {"type": 5, "data": {"flags": 64}}
            done = (await fake.wait_for(followup_to(token))).body
            assert done["flags"] == 64 and done["content"] == (
                f"Following **Village News** (<{http_server.url('/feed.xml')}>): 1 entries now; I'll index them "
                "shortly, and new ones every 30 min.")
            await eventually(lambda: bot.poller.polls >= 1)
            assert (bot.poller.last.new, bot.poller.last.failed) == (1, [])

            owlets = "how many barn owlets hatched in the bell tower in May?"
            asked = await fake.slash(user("alice"), "ask", {"question": owlets})
            top = (await fake.wait_for(followup_to(asked))).body["embeds"][0]
            assert top["title"] == "1. Owls nest in the bell tower" and top["url"] == http_server.url("/owls")
            assert top["description"].startswith("Published <t:1714636800:D>\n")  # 2024-05-02 08:00 UTC
            assert "Five owlets hatched in May." in top["description"]
            assert top["footer"]["text"] == "Village News · best match"

            # A new entry, seen when the feed is next due (made due now rather than waiting 30 minutes)
            http_server.route("/bats", page("Bats return", "Forty pipistrelle bats returned to the old barn."))
            http_server.route("/feed.xml", rss("Village News", [
                {"title": "Bats return", "link": http_server.url("/bats")},
                {"title": "Owls nest in the bell tower", "link": http_server.url("/owls")}]),
                content_type="application/rss+xml")
            feeds = FeedList(bot.corpora.folder_of(int(fake.guild_id)))  # the server's own feeds
            feeds.record(replace(feeds.all()[0], last_checked=None))
            await eventually(lambda: bot.poller.polls >= 2)
            assert bot.poller.last.new == 1 and http_server.hits("/owls") == 1
            asked = await fake.slash(user("alice"), "ask", {"question": "how many bats returned to the barn?"})
            top = (await fake.wait_for(followup_to(asked))).body["embeds"][0]
            assert top["title"] == "1. Bats return" and top["description"].startswith("Undated\n")

            token = await fake.slash(mod, "feeds", permissions=MANAGE_GUILD)
            listed = reply_text(await fake.wait_for(callback_to(token)))
            assert listed.startswith("**Following 1 feed:**\n- **Village News** ")
            assert "checked <t:" in listed and ":R> · last new article <t:" in listed and "⚠" not in listed

            token = await fake.slash(mod, "unfollow", {"feed": "village news"}, permissions=MANAGE_GUILD)
            assert reply_text(await fake.wait_for(callback_to(token))) == (
                f"Unfollowed **Village News** (<{http_server.url('/feed.xml')}>); its articles stay in the index.")
            token = await fake.slash(mod, "unfollow", {"feed": "village news"}, permissions=MANAGE_GUILD)
            assert reply_text(await fake.wait_for(callback_to(token))) == (
                "I'm not following “village news”: /feeds lists the feeds I follow.")
            token = await fake.slash(mod, "feeds", permissions=MANAGE_GUILD)
            assert reply_text(await fake.wait_for(callback_to(token))) == "I follow no feeds yet: add one with /follow."
            assert bot.corpora.for_guild(int(fake.guild_id)).stats()["articles"] == 2

    asyncio.run(scenario())


def test_follow_errors_and_non_admins(settings: Settings, http_server: LocalServer) -> None:
    http_server.route("/page", page("Not a feed", "Just words."))

    async def scenario() -> None:
        async with running_bot(settings, Engine(settings)) as (fake, _):
            token = await fake.slash(user("mod"), "follow", {"url": http_server.url("/page")}, permissions=MANAGE_GUILD)
            assert (await fake.wait_for(followup_to(token))).body["content"] == (
                f"I can't follow that: <{http_server.url('/page')}>: not an RSS, Atom or RDF feed")
            for name, options in (("follow", {"url": http_server.url("/page")}), ("unfollow", {"feed": "x"}),
                                  ("feeds", {})):
                token = await fake.slash(user("eve"), name, options)
                refused = reply_text(await fake.wait_for(callback_to(token)))
                assert refused == "Sorry, only people with the Manage Server permission can use this command."

    asyncio.run(scenario())


def test_index_takes_a_url(settings: Settings, http_server: LocalServer) -> None:
    http_server.route("/cheese", page("Cheese fair", "The cheese fair drew eight thousand visitors to the square."))
    engine = Engine(settings)

    async def scenario() -> None:
        async with running_bot(settings, engine) as (fake, _):
            mod = user("mod")
            token = await fake.slash(mod, "index", {"url": http_server.url("/cheese")}, permissions=MANAGE_GUILD)
            done = (await fake.wait_for(followup_to(token))).body["content"]
            assert done.startswith(f"Indexed <{http_server.url('/cheese')}>: 1 added, 0 updated, 0 unchanged, 0 failed")
            asked = await fake.slash(user("alice"), "ask", {"question": "how many visitors came to the cheese fair?"})
            assert (await fake.wait_for(followup_to(asked))).body["embeds"][0]["title"] == "1. Cheese fair"
            for options, message in (({}, "Give a file or a url (one of them)."),
                                     ({"url": "ftp://x.example/a"}, "I can't index that: not a web address: "
                                      "'ftp://x.example/a' (give an http:// or https:// URL).")):
                token = await fake.slash(mod, "index", options, permissions=MANAGE_GUILD)
                assert visible(reply_text(await fake.wait_for(callback_to(token)))) == message  # as Discord shows it
            token = await fake.slash(mod, "index", {"url": http_server.url("/gone")}, permissions=MANAGE_GUILD)
            failed = (await fake.wait_for(followup_to(token))).body["content"]
            assert failed.startswith(f"Indexed <{http_server.url('/gone')}>: 0 added") and "404 Not Found" in failed

    asyncio.run(scenario())


def test_a_slow_poll_never_holds_up_questions(settings: Settings, http_server: LocalServer,
                                              corpus_engine: Engine) -> None:
    engine = Engine(settings)  # the same index folder as corpus_engine's, which already holds the test corpus
    http_server.route("/slow", page("Slow page", "This page takes its time."), delay=3.0)
    http_server.route("/feed.xml", rss("Slow", [{"title": "Slow", "link": http_server.url("/slow")}]),
                      content_type="application/rss+xml")
    FeedList(engine.folder).add(Feed(http_server.url("/feed.xml"), "Slow", "2024-05-01T00:00:00+00:00"))

    async def scenario() -> None:
        async with running_bot(settings, engine) as (fake, bot):
            await eventually(lambda: http_server.hits("/slow") == 1)  # the poll is waiting on the page
            started = time.monotonic()
            asked = await fake.slash(user("alice"), "ask", {"question": "who supported the offensive?"})
            await fake.wait_for(followup_to(asked))
            assert time.monotonic() - started < 2.0 and bot.poller.polls == 0  # answered while the poll waits
            await eventually(lambda: bot.poller.polls == 1, timeout=15)
            assert bot.poller.last.new == 1

    asyncio.run(scenario())


def test_feeds_text_fits_one_message() -> None:
    many = [Feed(f"https://news{n}.example/feed.xml", f"Feed number {n}", "2024-05-01T00:00:00+00:00",
                 last_checked="2024-05-01T10:00:00+00:00", last_error="500 Internal Server Error " * 5)
            for n in range(60)]
    text = feeds_text(many)
    assert len(text) <= 2000 and text.endswith("more") and text.startswith("**Following 60 feeds:**")
    assert "checked <t:1714557600:R> · last new article never · ⚠ 500 Internal Server Error" in text
    assert json.dumps(text)  # plain text, nothing else


def test_a_feed_dated_year_zero_stalls_no_poll(settings: Settings, http_server: LocalServer) -> None:
    """Issue 19, defect 1: a "zero date" entry is undated, and the poller indexes every feed."""
    engine = Engine(settings)
    http_server.route("/zero", page("Zero", "The zero story is about the first tram."))
    http_server.route("/other", page("Other", "The other story is about the harbour seals."))
    http_server.route("/zero.xml", rss("Zero", [{"title": "Zero", "link": http_server.url("/zero"),
                                                 "date": "0000-00-00 00:00:00"}]), content_type="application/rss+xml")
    http_server.route("/other.xml", rss("Other", [{"title": "Other", "link": http_server.url("/other")}]),
                      content_type="application/rss+xml")
    for name in ("Zero", "Other"):
        FeedList(engine.folder).add(Feed(http_server.url(f"/{name.lower()}.xml"), name, "2024-05-01T00:00:00+00:00"))

    async def scenario() -> None:
        async with running_bot(settings, engine) as (_, bot):
            await eventually(lambda: bot.poller.polls >= 1, timeout=15)
            assert (bot.poller.last.polled, bot.poller.last.new, bot.poller.last.failed) == (2, 2, [])

    asyncio.run(scenario())
