"""Sharding over the wire: the bot is auto-sharded (as many shards as Discord recommends, or [discord] shards),
each shard gets its own guilds' events, and questions are answered on every shard."""

from __future__ import annotations

import asyncio
import json

import pytest
from discord.ext import commands

from bot.discord.client import QuotebotBot
from index.engine import Engine
from tests.bot.discord.fake_discord import FakeDiscord, user
from tests.bot.discord.corpus import ASK_BEES, ASK_OWLS, BEES, OWLS
from tests.bot.discord.harness import TOKEN, ask, followup_to, index_file, mention, reply_to, running_bot, with_discord


@pytest.fixture(autouse=True)
def no_identify_spacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py waits 5 s between two shards' IDENTIFYs (Discord's limit); the fake needs no wait."""
    async def at_once(self: QuotebotBot, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    monkeypatch.setattr(QuotebotBot, "before_identify_hook", at_once)


def test_discord_decides_the_shards_and_every_shard_answers(fake_settings, fake_engine: Engine) -> None:
    fake = FakeDiscord(token=TOKEN)
    fake.recommended_shards = 2

    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, shared_corpus=False), fake_engine, fake=fake) as (_, bot):
            assert isinstance(bot, commands.AutoShardedBot) and bot.shard_count == 2
            assert sorted(fake.identified_shards) == [(0, 2), (1, 2)]
            assert [c.path for c in fake.calls if c.path == "/gateway/bot"] == ["/gateway/bot"]
            a, b = (bot.get_guild(int(g)) for g in (fake.guild_id, fake.second_guild_id))
            assert a is not None and b is not None and {a.shard_id, b.shard_id} == {0, 1}

            await index_file(fake, fake.guild_id, "news.txt", BEES)  # each guild's slash command on its shard
            await index_file(fake, fake.second_guild_id, "news.txt", OWLS)
            assert "Beekeepers counted forty hives." in json.dumps(await ask(fake, ASK_BEES, guild_id=fake.guild_id))
            in_b = json.dumps(await ask(fake, ASK_OWLS, guild_id=fake.second_guild_id))
            assert "Five owlets hatched in May." in in_b and "Bees" not in in_b

            asked = await fake.post_message(user("alice"), mention(fake, ASK_OWLS), channel_id=fake.second_channel_id)
            assert asked is not None and fake.shard_of(asked["guild_id"]) != fake.shard_of(fake.guild_id)
            reply = (await fake.wait_for(reply_to(asked))).body
            assert "Five owlets hatched in May." in json.dumps(reply)

            dm = await fake.slash(user("bob"), "ask", {"question": ASK_BEES}, dm=True)  # DMs: shard 0
            assert (await fake.wait_for(followup_to(dm))).body["flags"] == 64

    asyncio.run(scenario())


def test_a_configured_shard_count_is_used_without_asking_discord(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, shards=3), corpus_engine) as (fake, bot):
            assert bot.shard_count == 3 and sorted(fake.identified_shards) == [(0, 3), (1, 3), (2, 3)]
            assert not [c for c in fake.calls if c.path == "/gateway/bot"]
            for guild in (fake.guild_id, fake.second_guild_id):
                assert "Syrian forces" in json.dumps(await ask(fake, "who backed the Syrian army offensive?",
                                                               guild_id=guild))

    asyncio.run(scenario())
