"""Leaving a server, over the wire: nothing is deleted at once; the time is noted (at the GUILD_DELETE, or at
the next READY for a server left while the bot was offline), a re-invite keeps everything, and the folder goes
[discord] forget_after_days later (0: never). A left server's feeds are not polled."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from bot.discord.corpora import Corpora, read_record, update_record
from bot.discord.departures import due, forget_due, mark_back, mark_left
from index.engine import Engine
from tests.bot.discord.fake_discord import FakeDiscord
from tests.bot.discord.corpus import ASK_BEES, ASK_OWLS, BEES, OWLS
from tests.bot.discord.harness import TOKEN, ask, eventually, index_file, running_bot, with_discord

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def days_ago(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).replace(microsecond=0).isoformat()


async def bees_and_owls(fake: FakeDiscord) -> None:
    """The first server's news is about bees, the second's about owls."""
    await index_file(fake, fake.guild_id, "news.txt", BEES)
    await index_file(fake, fake.second_guild_id, "news.txt", OWLS)


def left_at(corpora: Corpora, guild_id: str) -> str | None:
    return read_record(corpora.folder_of(int(guild_id))).get("left")


def test_a_kick_keeps_the_data_and_a_reinvite_brings_it_back(fake_settings, fake_engine: Engine, caplog) -> None:
    settings = with_discord(fake_settings, shared_corpus=False)

    async def scenario() -> None:
        async with running_bot(settings, fake_engine) as (fake, bot):
            a, b = fake.guild_id, fake.second_guild_id
            await index_file(fake, a, "news.txt", BEES)
            await index_file(fake, b, "news.txt", OWLS)
            await fake.remove_guild(a)
            await eventually(lambda: left_at(bot.corpora, a) is not None)
            assert bot.get_guild(int(a)) is None and bot.corpora.folder_of(int(a)).is_dir()
            assert left_at(bot.corpora, b) is None and bot.corpora.guild_ids() == [int(b)]  # a's feeds not polled

            await fake.rejoin_guild(a)
            await eventually(lambda: left_at(bot.corpora, a) is None)
            assert "Beekeepers counted forty hives." in json.dumps(await ask(fake, ASK_BEES, guild_id=a))

    with caplog.at_level(logging.INFO, logger="quotebot.discord"):
        asyncio.run(scenario())
    assert "its data is kept for 30 days, then deleted" in caplog.text
    assert "invited back to server" in caplog.text


def test_the_folder_goes_after_the_grace_period(fake_settings, fake_engine: Engine) -> None:
    settings = with_discord(fake_settings, shared_corpus=False, forget_after_days=30)
    fake = FakeDiscord(token=TOKEN)

    async def scenario() -> None:
        async with running_bot(settings, fake_engine, fake=fake) as (_, bot):
            await bees_and_owls(fake)
            await fake.remove_guild(fake.guild_id)
            await eventually(lambda: left_at(bot.corpora, fake.guild_id) is not None)
            folder = bot.corpora.folder_of(int(fake.guild_id))
        update_record(folder, left=days_ago(29))  # not yet: the next start keeps it
        async with running_bot(settings, fake_engine, fake=fake) as (_, bot):
            await asyncio.sleep(0.3)
            assert folder.is_dir()
        update_record(folder, left=days_ago(30.01))
        async with running_bot(settings, fake_engine, fake=fake) as (_, bot):
            await eventually(lambda: not folder.exists())
            assert bot.corpora.guild_ids() == [int(fake.second_guild_id)]
            assert "Five owlets hatched in May." in json.dumps(await ask(fake, ASK_OWLS, guild_id=fake.second_guild_id))
            await fake.rejoin_guild(fake.guild_id)  # invited again after the deletion: a fresh start
            assert (await ask(fake, ASK_BEES, guild_id=fake.guild_id))["content"].startswith("Sorry, I can't search")

    asyncio.run(scenario())


def test_a_server_left_while_the_bot_was_offline_is_marked_at_the_next_start(fake_settings, fake_engine) -> None:
    settings = with_discord(fake_settings, shared_corpus=False, forget_after_days=0)
    fake = FakeDiscord(token=TOKEN)

    async def scenario() -> None:
        async with running_bot(settings, fake_engine, fake=fake) as (_, bot):
            await bees_and_owls(fake)
            corpora = bot.corpora
        fake.left.add(fake.guild_id)  # removed while the bot was not connected: Discord sends nothing
        async with running_bot(settings, fake_engine, fake=fake):
            await eventually(lambda: left_at(corpora, fake.guild_id) is not None)
            assert left_at(corpora, fake.second_guild_id) is None
        update_record(corpora.folder_of(int(fake.guild_id)), left=days_ago(1000))  # 0 = kept forever
        fake.left.discard(fake.guild_id)  # and invited back while offline
        async with running_bot(settings, fake_engine, fake=fake):
            await eventually(lambda: left_at(corpora, fake.guild_id) is None)
            assert "Beekeepers" in json.dumps(await ask(fake, ASK_BEES, guild_id=fake.guild_id))

    asyncio.run(scenario())


def test_marks_and_the_grace_period(fake_engine: Engine) -> None:
    corpora = Corpora(fake_engine)
    assert not mark_left(corpora, 7)  # nothing kept of that server: nothing to mark
    for guild in (1, 2, 3):
        corpora.folder_of(guild).mkdir(parents=True)
    assert mark_left(corpora, 1) and not mark_left(corpora, 1)  # the first time stays
    update_record(corpora.folder_of(1), left=(NOW - timedelta(days=10)).isoformat())
    update_record(corpora.folder_of(2), left=(NOW - timedelta(days=9, hours=23)).isoformat())
    update_record(corpora.folder_of(3), left="the day before yesterday", updated="2026-11-01T00:00:00+00:00")
    assert corpora.guild_ids() == [] and corpora.guild_ids(left=True) == [1, 2, 3]
    assert due(corpora, 10, NOW) == [1] and due(corpora, 9, NOW) == [1, 2] and due(corpora, 0, NOW) == []
    assert forget_due(corpora, 10, NOW) == [1] and not corpora.folder_of(1).exists()
    assert mark_back(corpora, 3) and read_record(corpora.folder_of(3)) == {"updated": "2026-11-01T00:00:00+00:00"}
    assert corpora.guild_ids() == [3] and not mark_back(corpora, 3)


@pytest.mark.parametrize("days", [-1, 3651])
def test_forget_after_days_is_range_checked(tmp_path, days: int) -> None:
    from index.config import load_settings
    from index.errors import ConfigError

    config = tmp_path / "c.toml"
    config.write_text(f"[discord]\nforget_after_days = {days}\n")
    with pytest.raises(ConfigError, match="discord.forget_after_days"):
        load_settings(config)


def test_forgetting_a_server_drops_its_milvus_collections(fake_settings, tmp_path) -> None:
    from dataclasses import replace

    from index.config import StoreSettings
    from tests.conftest import FIXTURES

    shared = Engine(replace(fake_settings, store=StoreSettings(backend="milvus", uri=str(tmp_path / "m.db"))))
    corpora = Corpora(shared)
    guild = corpora.for_guild(5)
    guild.ingest([FIXTURES / "news"])
    assert guild.settings.store.collection == "quotebot_g5" and guild.backend.exists()
    assert mark_left(corpora, 5)
    update_record(corpora.folder_of(5), left=(NOW - timedelta(days=31)).isoformat())
    assert forget_due(corpora, 30, NOW) == [5]
    assert not corpora.folder_of(5).exists()
    assert not corpora.for_guild(5).backend.exists()  # the collections went with the folder
