"""The bot: a discord.py client holding the engine, the asking and admin cogs, and shared checks."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.admin import AdminCog
from bot.discord.ask import AskCog
from bot.discord.asking_text import SOMETHING_WRONG
from bot.discord.cooldown import Capacity, Cooldown, Cooldowns
from bot.discord.corpora import Corpora
from bot.discord.departures import DeparturesCog
from bot.discord.poller import FeedPoller
from bot.discord.safety import NO_PINGS
from index.config import Settings
from index.engine import Engine

log = logging.getLogger("quotebot.discord")

SYNC_RECORD = "discord-commands.json"  # in the index folder: "app/guild" -> digest of the commands last synced


async def commands_digest(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """A digest of exactly what ``tree.sync(guild=guild)`` would send (keys sorted, so it is stable)."""
    commands = tree.get_commands(guild=guild)
    if tree.translator:
        payload = [await c.get_translated_payload(tree, tree.translator) for c in commands]
    else:
        payload = [c.to_dict(tree) for c in commands]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_sync_record(path: Path) -> dict[str, str]:
    """The digests last synced; a missing or unreadable record is empty, so the commands get synced."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("ignoring the unreadable %s (%s): syncing the slash commands", path, exc)
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def write_sync_record(path: Path, key: str, digest: str) -> None:
    """Record ``digest`` under ``key``, atomically (a torn record would only cost one extra sync, but still)."""
    record = {**read_sync_record(path), key: digest}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def intents() -> discord.Intents:
    """Guilds (channels, roles) and guild messages; no privileged intent.

    Discord delivers the content of messages that mention the bot without MESSAGE_CONTENT, and
    mentions are the only messages the bot reads.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    return wanted


class QuotebotTree(app_commands.CommandTree):
    """Command tree whose unexpected errors reach the user as a polite line, and the log in full."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("command %s failed", getattr(interaction.command, "name", "?"), exc_info=error)
        text = SOMETHING_WRONG
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
            else:
                await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            pass


class QuotebotBot(commands.AutoShardedBot):
    """Answers by slash command and mention; the engine is shared by every handler and thread.

    Auto-sharded: one process holds every gateway connection (shard), as many as ``[discord] shards`` or,
    with 0, as Discord recommends at each start (one per about 1000 servers; Discord refuses a connection
    with over 2500). Below 1000 servers that is one shard, which works as a plain client does.
    """

    def __init__(self, settings: Settings, engine: Engine, **options: Any) -> None:
        super().__init__(command_prefix=commands.when_mentioned, help_command=None, intents=intents(),
                         allowed_mentions=NO_PINGS, tree_cls=QuotebotTree,
                         shard_count=settings.discord.shards or None, **options)
        self.settings = settings
        self.engine = engine  # the shared corpus (DMs; servers too with [discord] shared_corpus)
        self.corpora = Corpora(engine)  # each server's own
        d = settings.discord
        self.cooldown = Cooldowns(Cooldown(d.cooldown_seconds),
                                  Cooldown(d.channel_window_seconds, count=d.channel_questions),
                                  Cooldown(d.server_window_seconds, count=d.server_questions))
        self.capacity = Capacity(d.workers, d.max_queued)  # every question's engine call runs here
        self.started = time.monotonic()
        self.answered: Counter[int | None] = Counter()  # questions answered since the start, by guild (None: DMs)
        self.poller = FeedPoller(self.corpora)

    async def setup_hook(self) -> None:
        await self.add_cog(AskCog(self))
        await self.add_cog(AdminCog(self))
        await self.add_cog(DeparturesCog(self))
        log.info("loading the model %s", self.settings.model.name)
        started = time.monotonic()
        await asyncio.to_thread(self.engine.warm_up)  # once, here, so no question pays for it
        log.info("model ready in %.1f s", time.monotonic() - started)
        await self.sync_commands()
        self.poller.start()  # followed feeds, polled in a worker thread

    async def close(self) -> None:
        await self.poller.stop()
        await super().close()
        self.capacity.close()

    async def sync_commands(self) -> None:
        """Register the slash commands with one guild at once (for testing) or globally, only when their
        definitions changed since the last sync: Discord rate-limits syncs (about 200 a day per guild)."""
        guild_id = self.settings.discord.sync_guild
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        where = f"to guild {guild_id}" if guild_id else "globally"
        record = self.engine.folder / SYNC_RECORD
        key = f"{self.application_id}/{guild_id or 'global'}"
        digest = await commands_digest(self.tree, guild)
        if (await asyncio.to_thread(read_sync_record, record)).get(key) == digest:
            log.info("commands unchanged; not synced %s (delete %s to force a sync)", where, record)
            return
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            # The bot still answers mentions; the fix is on Discord's side, so say which one.
            log.error("could not sync slash commands (%s %s): invite the bot with the 'applications.commands' "
                      "scope%s", exc.status, exc.text, f" to guild {guild_id}" if guild_id else "")
            return
        log.info("synced %d slash commands %s%s", len(synced), where,
                 "" if guild_id else " (Discord may take a while to show them)")
        try:
            await asyncio.to_thread(write_sync_record, record, key, digest)
        except OSError as exc:
            log.warning("could not record the synced commands in %s (%s): they will be synced again at the next "
                        "start", record, exc)

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d servers over %d shard%s", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds), self.shard_count or 1, "s" * ((self.shard_count or 1) != 1))

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the asking cog handles mentions, so nothing else reads messages."""

    def channel_allowed(self, channel: object) -> bool:
        """allowed_channels (empty = all); a thread counts as its parent channel."""
        allowed = self.settings.discord.allowed_channels
        if not allowed:
            return True
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return any(i in allowed for i in ids if i is not None)

    def refusal_for_channel(self) -> str:
        channels = ", ".join(f"<#{c}>" for c in self.settings.discord.allowed_channels[:10])
        return render.notice(f"Sorry, I only answer questions in {channels}.")

    def uptime(self) -> float:
        return time.monotonic() - self.started
