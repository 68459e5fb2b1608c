"""Each server its own articles, over the wire: two servers, two corpora, no quote crosses; DMs and the
shared corpus; upload ids unique per server and content; /stats of the asking server's own corpus, feeds and
votes."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace

import pytest

from bot.discord.asking_text import UNAVAILABLE
from bot.discord.corpora import has_index, upload_id
from bot.discord.poller import FeedPoller
from index.config import FetchSettings
from index.engine import Engine
from index.errors import QuotebotError
from tests.feeds_fixtures import page, rss
from tests.bot.discord.corpus import ASK_BEES, ASK_OWLS, BEES, DEIR, OWLS
from tests.bot.discord.fake_discord import MANAGE_GUILD, FakeDiscord, user
from tests.bot.discord.harness import (ask, callback_to, eventually, followup_to, index_file, mention, reply_to,
                                       running_bot, vote_on, with_discord)
from tests.http_server import LocalServer

async def stats(fake: FakeDiscord, guild_id: str) -> str:
    token = await fake.slash(user("mod"), "stats", permissions=MANAGE_GUILD, guild_id=guild_id)
    return str((await fake.wait_for(callback_to(token))).body["data"]["content"])


def articles(engine: Engine) -> int:
    """The corpus's articles; 0 while it does not exist or its first write is still creating it."""
    try:
        return int(engine.stats()["articles"])
    except QuotebotError:
        return 0


def test_upload_ids_name_the_file_and_its_content() -> None:
    assert upload_id("news.txt", b"one") == upload_id("news.txt", b"one")
    assert upload_id("news.txt", b"one") != upload_id("news.txt", b"two")
    assert upload_id("news.txt", b"one").startswith("news.txt#") and len(upload_id("news.txt", b"one")) == 21


def test_each_server_is_answered_from_its_own_articles(fake_settings, fake_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, shared_corpus=False), fake_engine) as (fake, bot):
            a, b = fake.guild_id, fake.second_guild_id
            assert (await ask(fake, ASK_BEES, guild_id=b))["content"] == UNAVAILABLE  # nothing indexed yet

            # The same file name, different content, in the two servers: both kept.
            assert (await index_file(fake, a, "news.txt", BEES)).startswith("Indexed news.txt: 1 added")
            assert (await index_file(fake, b, "news.txt", OWLS)).startswith("Indexed news.txt: 1 added")

            in_a = json.dumps(await ask(fake, ASK_BEES, guild_id=a))
            assert "Beekeepers counted forty hives." in in_a and "Owls nest" not in in_a
            in_b = json.dumps(await ask(fake, ASK_OWLS, guild_id=b))
            assert "Five owlets hatched in May." in in_b and "Bees return" not in in_b
            for question, guild, other in ((ASK_OWLS, a, "Owls nest"), (ASK_BEES, b, "Bees return")):
                assert other not in json.dumps(await ask(fake, question, guild_id=guild))  # asked the other's way

            # The same bytes again are the same article; a changed news.txt is a new one beside it.
            assert (await index_file(fake, a, "news.txt", BEES)).startswith("Indexed news.txt: 0 added, 0 updated, 1")
            changed = BEES.replace("forty", "fifty")
            assert (await index_file(fake, a, "news.txt", changed)).startswith("Indexed news.txt: 1 added")

            assert (await stats(fake, a)).startswith("**This server's index:** 2 articles, ")
            assert (await stats(fake, b)).startswith("**This server's index:** 1 articles, ")
            assert "Shared index" not in await stats(fake, a)
            assert bot.corpora.for_guild(int(a)).folder == fake_engine.folder / "guilds" / a
            assert not (fake_engine.folder / "quotebot.sqlite3").exists()  # the shared corpus untouched

    asyncio.run(scenario())


def test_direct_messages_use_the_shared_corpus_or_say_they_cannot(fake_settings, fake_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, shared_corpus=False), fake_engine) as (fake, _):
            await index_file(fake, fake.guild_id, "news.txt", BEES)  # a server's articles never reach a DM
            reply = await ask(fake, ASK_BEES, dm=True)
            assert reply["flags"] == 64 and reply["content"] == (
                "Sorry, I can't answer that: in direct messages I only quote the bot's shared articles, and it has "
                "none yet; ask me in a server instead")

    asyncio.run(scenario())


def test_the_shared_corpus_answers_dms_and_servers_only_when_configured(fake_settings, corpus_engine: Engine) -> None:
    async def scenario(shared: bool) -> None:
        async with running_bot(with_discord(fake_settings, shared_corpus=shared), corpus_engine) as (fake, _):
            assert "Syrian forces" in json.dumps(await ask(fake, DEIR, dm=True))
            await index_file(fake, fake.guild_id, "news.txt", BEES)
            in_a = json.dumps(await ask(fake, ASK_BEES, guild_id=fake.guild_id))
            assert "Beekeepers counted forty hives." in in_a and "Syrian" not in in_a  # the server's first
            fallback = json.dumps(await ask(fake, DEIR, guild_id=fake.guild_id))
            assert ("Syrian forces" in fallback) == shared
            empty_b = await ask(fake, DEIR, guild_id=fake.second_guild_id)
            assert ("Syrian forces" in json.dumps(empty_b)) == shared
            if not shared:
                assert empty_b["content"] == UNAVAILABLE

    asyncio.run(scenario(False))
    asyncio.run(scenario(True))


def test_a_mention_is_answered_from_its_servers_articles(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, shared_corpus=False), corpus_engine) as (fake, _):
            await index_file(fake, fake.guild_id, "news.txt", BEES)
            for question, found, not_found in ((ASK_BEES, "Beekeepers counted forty hives.", "Syrian"),
                                               (DEIR, None, "Syrian forces")):  # the shared corpus stays out
                asked = await fake.post_message(user("alice"), mention(fake, question))
                assert asked is not None
                reply = json.dumps((await fake.wait_for(reply_to(asked))).body)
                assert not_found not in reply and (found is None or found in reply)

    asyncio.run(scenario())


def test_each_servers_feeds_are_polled_into_its_own_corpus(fake_settings, http_server: LocalServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FeedPoller, "tick", 0.2)
    for name, article in (("bees", BEES), ("owls", OWLS)):
        title, text = article.split("\n\n")
        http_server.route(f"/{name}", page(title, *text.split(". ")))
        http_server.route(f"/{name}.xml", rss(f"{name} news", [{"title": title, "link": http_server.url(f"/{name}")}]),
                          content_type="application/rss+xml")
    local = FetchSettings(allow_private_networks=True, per_host_delay_s=0.0, timeout_s=5.0)
    settings = replace(with_discord(fake_settings, shared_corpus=False), fetch=local)
    shared = Engine(settings)  # the servers' engines take its settings (here: fetching from 127.0.0.1)

    async def scenario() -> None:
        async with running_bot(settings, shared) as (fake, bot):
            for guild, name in ((fake.guild_id, "bees"), (fake.second_guild_id, "owls")):
                token = await fake.slash(user("mod"), "follow", {"url": http_server.url(f"/{name}.xml")},
                                         permissions=MANAGE_GUILD, guild_id=guild)
                await fake.wait_for(followup_to(token))
            a, b = (bot.corpora.for_guild(int(g)) for g in (fake.guild_id, fake.second_guild_id))
            await eventually(lambda: articles(a) == 1 and articles(b) == 1)
            in_a = json.dumps(await ask(fake, ASK_BEES, guild_id=fake.guild_id))
            assert "Beekeepers counted forty hives." in in_a and "Owls nest" not in in_a
            in_b = json.dumps(await ask(fake, ASK_OWLS, guild_id=fake.second_guild_id))
            assert "Five owlets hatched in May." in in_b and "Bees return" not in in_b
            assert not has_index(shared)  # nothing reached the shared corpus

    asyncio.run(scenario())


def test_stats_describe_the_asking_servers_own_corpus(fake_settings, fake_engine: Engine) -> None:
    from index.feeds.follow_list import Feed, FeedList

    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, shared_corpus=False), fake_engine) as (fake, bot):
            a, b = fake.guild_id, fake.second_guild_id
            await index_file(fake, a, "news.txt", BEES)
            await index_file(fake, b, "owls.txt", OWLS)
            await index_file(fake, b, "more-owls.txt", OWLS.replace("Five", "Six"))
            await vote_on(fake, ASK_BEES, "Helpful", guild_id=a)
            await vote_on(fake, ASK_BEES, "Not helpful", guild_id=a)
            FeedList(bot.corpora.folder_of(int(b))).add(Feed("https://example.com/owls.xml", "owl news",
                                                             "2026-11-27T10:00:00+00:00"))

            in_a, in_b = (await stats(fake, a)).splitlines(), (await stats(fake, b)).splitlines()
            assert in_a[0].startswith("**This server's index:** 1 articles, ")
            assert in_b[0].startswith("**This server's index:** 2 articles, ")
            assert all(re.search(r" · model fake-hash · last changed <t:\d+:R>$", lines[0]) for lines in (in_a, in_b))
            assert in_a[1:3] == ["**Feeds:** none followed (add one with /follow)",
                                 f"**Votes:** 1 helpful, 1 not helpful (`quotebot feedback --server {a}` exports them)"]
            assert in_b[1:3] == ["**Feeds:** 1 followed, last new article never (/feeds lists them)",
                                 "**Votes:** none yet"]
            assert in_a[3].startswith("**Questions answered here:** 2 · **Bot uptime:** ") and len(in_a) == 4
            assert in_b[3].startswith("**Questions answered here:** 0 · **Bot uptime:** ") and len(in_b) == 4

            # "last changed" is when the bot last changed the corpus: the same file again changes nothing.
            before = in_a[0]
            await asyncio.sleep(1.1)
            await index_file(fake, a, "news.txt", BEES)
            assert (await stats(fake, a)).splitlines()[0] == before

    asyncio.run(scenario())


def test_each_server_has_its_own_milvus_collections(fake_settings, fake_engine: Engine) -> None:
    """On a Milvus server every guild's collections sit side by side: a guild's engine names its own."""
    from bot.discord.corpora import Corpora

    corpora = Corpora(fake_engine)
    names = {g: corpora.for_guild(g).settings.store.collection for g in (1, 2)}
    assert names == {1: "quotebot_g1", 2: "quotebot_g2"} and fake_engine.settings.store.collection == "quotebot"
    assert corpora.for_guild(1).folder == fake_engine.folder / "guilds" / "1"
