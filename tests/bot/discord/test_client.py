"""The bot's client over the wire: slash commands are synced only when their definitions changed."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from bot.discord.admin import AdminCog
from bot.discord.client import SYNC_RECORD
from index.config import Settings
from index.engine import Engine
from tests.bot.discord.fake_discord import Call, FakeDiscord
from tests.bot.discord.harness import TOKEN, running_bot, with_discord


def _syncs(fake: FakeDiscord) -> list[str]:
    return [c.path for c in fake.calls if c.method == "PUT"]


async def _start_and_stop(settings: Settings, engine: Engine, fake: FakeDiscord) -> list[str]:
    """The sync requests of one start of the bot."""
    before = len(_syncs(fake))
    async with running_bot(settings, engine, fake=fake):
        pass
    return _syncs(fake)[before:]


def test_commands_are_synced_only_when_they_changed(fake_settings, corpus_engine: Engine, monkeypatch,
                                                    caplog) -> None:
    fake = FakeDiscord(token=TOKEN)
    settings = with_discord(fake_settings)
    everywhere = f"/applications/{fake.app_id}/commands"

    async def scenario() -> None:
        assert await _start_and_stop(settings, corpus_engine, fake) == [everywhere]
        caplog.clear()
        assert await _start_and_stop(settings, corpus_engine, fake) == []
        assert "commands unchanged; not synced" in caplog.text

        with monkeypatch.context() as m:  # a new description is a new definition: Discord must hear of it
            m.setattr(AdminCog.stats, "description", "Index size and uptime")
            assert await _start_and_stop(settings, corpus_engine, fake) == [everywhere]
            assert next(c for c in fake.commands if c["name"] == "stats")["description"] == "Index size and uptime"
            assert await _start_and_stop(settings, corpus_engine, fake) == []
        assert await _start_and_stop(settings, corpus_engine, fake) == [everywhere]  # changed back

        # A guild's commands are recorded apart from the global ones.
        in_guild = with_discord(fake_settings, sync_guild=int(fake.guild_id))
        guild_path = f"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands"
        assert await _start_and_stop(in_guild, corpus_engine, fake) == [guild_path]
        assert await _start_and_stop(in_guild, corpus_engine, fake) == []
        assert await _start_and_stop(settings, corpus_engine, fake) == []

    with caplog.at_level(logging.INFO, logger="quotebot.discord"):
        asyncio.run(scenario())
    assert (settings.index_path / SYNC_RECORD).is_file()


def test_another_application_syncs_its_own_commands(fake_settings, corpus_engine: Engine) -> None:
    settings = with_discord(fake_settings)

    async def scenario() -> None:
        first, second = FakeDiscord(token=TOKEN), FakeDiscord(token=TOKEN)  # two applications, one index folder
        assert await _start_and_stop(settings, corpus_engine, first) == [f"/applications/{first.app_id}/commands"]
        assert await _start_and_stop(settings, corpus_engine, second) == [f"/applications/{second.app_id}/commands"]

    asyncio.run(scenario())


def test_a_failed_sync_is_tried_again_at_the_next_start(fake_settings, corpus_engine: Engine, caplog) -> None:
    fake = FakeDiscord(token=TOKEN)
    settings = with_discord(fake_settings)
    synced = fake._sync

    async def refuse_once(call: Call, guild_id: str | None = None) -> web.Response:
        fake._sync = synced  # type: ignore[method-assign]
        return web.Response(status=403, body=b'{"message": "Missing Access", "code": 50001}',
                            headers={"Content-Type": "application/json"})

    fake._sync = refuse_once  # type: ignore[method-assign]

    async def scenario() -> None:
        assert len(await _start_and_stop(settings, corpus_engine, fake)) == 1
        assert "could not sync slash commands (403" in caplog.text
        assert len(await _start_and_stop(settings, corpus_engine, fake)) == 1
        assert await _start_and_stop(settings, corpus_engine, fake) == []

    with caplog.at_level(logging.INFO, logger="quotebot.discord"):
        asyncio.run(scenario())


@pytest.mark.parametrize("junk", ["", "not json", "[1, 2]", '{"x": 3}'])
def test_an_unreadable_record_means_sync(fake_settings, corpus_engine: Engine, junk: str) -> None:
    fake = FakeDiscord(token=TOKEN)
    settings = with_discord(fake_settings)
    settings.index_path.mkdir(parents=True, exist_ok=True)
    (settings.index_path / SYNC_RECORD).write_text(junk)

    async def scenario() -> None:
        assert len(await _start_and_stop(settings, corpus_engine, fake)) == 1
        assert await _start_and_stop(settings, corpus_engine, fake) == []

    asyncio.run(scenario())
