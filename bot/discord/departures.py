"""What becomes of a server's data when the bot leaves it (kicked, banned, or the server deleted).

Nothing at once: a kick may be a mistake, and re-inviting the bot brings everything back. The bot notes the
time it left in the server's record (``left`` in guild.json), stops polling the server's feeds, and deletes
the server's folder (articles, feeds, votes) ``[discord] forget_after_days`` later; 0 keeps it forever.
Discord sends no event for a server that removed the bot while it was offline, so at every READY any folder
of a server the bot is no longer in is marked then, and a marked server the bot is in again is unmarked.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.discord.corpora import Corpora, now_iso, read_record, update_record

if TYPE_CHECKING:
    from bot.discord.client import QuotebotBot

log = logging.getLogger("quotebot.discord.departures")


def mark_left(corpora: Corpora, guild_id: int) -> bool:
    """Note that the bot left the guild (once: a later call keeps the first time); False when the bot keeps
    nothing of it."""
    folder = corpora.folder_of(guild_id)
    if not folder.is_dir() or "left" in read_record(folder):
        return False
    update_record(folder, left=now_iso())
    return True


def mark_back(corpora: Corpora, guild_id: int) -> bool:
    """The bot is in the guild again: its data is kept as if it had never left. False when it wasn't marked."""
    folder = corpora.folder_of(guild_id)
    if not folder.is_dir() or "left" not in read_record(folder):
        return False
    update_record(folder, left=None)
    return True


def reconcile(corpora: Corpora, present: Collection[int]) -> tuple[list[int], list[int]]:
    """Mark every guild with a folder that is not in ``present`` (left while the bot was offline) and unmark
    those that are; the guilds (marked, unmarked)."""
    marked = [g for g in corpora.guild_ids() if g not in present and mark_left(corpora, g)]
    unmarked = [g for g in corpora.guild_ids(left=True) if g in present and mark_back(corpora, g)]
    return marked, unmarked


def due(corpora: Corpora, days: int, now: datetime) -> list[int]:
    """Guilds left at least ``days`` days before ``now`` (none when ``days`` is 0: keep forever)."""
    if days <= 0:
        return []
    out = []
    for guild_id in corpora.guild_ids(left=True):
        left = read_record(corpora.folder_of(guild_id)).get("left", "")
        try:
            when = datetime.fromisoformat(left)
        except ValueError:
            continue  # a hand-edited record: keep the data rather than guess
        if now - when >= timedelta(days=days):
            out.append(guild_id)
    return out


def forget(corpora: Corpora, guild_id: int) -> None:
    """Delete a left guild's index (its Milvus collections too, on that backend), folder and cached engine."""
    corpora.for_guild(guild_id).backend.drop()
    corpora.forget(guild_id)
    shutil.rmtree(corpora.folder_of(guild_id), ignore_errors=True)


def forget_due(corpora: Corpora, days: int, now: datetime | None = None) -> list[int]:
    """Delete the folders of the guilds left ``days`` days ago or more (blocking); the guilds forgotten.
    A folder that can't be deleted is logged and tried again next time."""
    forgotten = []
    for guild_id in due(corpora, days, now or datetime.now(timezone.utc)):
        try:
            forget(corpora, guild_id)
        except OSError as exc:
            log.error("could not delete the data of server %s, left over %d days ago (%s)", guild_id, days, exc)
            continue
        log.info("deleted the data of server %s: the bot left it over %d days ago", guild_id, days)
        forgotten.append(guild_id)
    return forgotten


class DeparturesCog(commands.Cog):
    """Marks servers the bot leaves or rejoins, and deletes what it kept of them once the grace period is over."""

    def __init__(self, bot: QuotebotBot) -> None:
        self.bot = bot

    async def cog_unload(self) -> None:
        self.sweep.cancel()

    @tasks.loop(hours=1)
    async def sweep(self) -> None:
        """Hourly, from the first READY on: delete what the grace period is over for."""
        await asyncio.to_thread(forget_due, self.bot.corpora, self.bot.settings.discord.forget_after_days)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Mark and unmark by the servers the bot is in now, then (once) start the sweep: never before, or a
        server that re-invited the bot while it was offline could lose its data."""
        present = {g.id for g in self.bot.guilds}
        marked, unmarked = await asyncio.to_thread(reconcile, self.bot.corpora, present)
        for guild_id in marked:
            log.info("the bot is no longer in server %s: its data is kept %s", guild_id, self._kept())
        for guild_id in unmarked:
            log.info("the bot is in server %s again: its data is kept", guild_id)
        if not self.sweep.is_running():
            self.sweep.start()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        if await asyncio.to_thread(mark_left, self.bot.corpora, guild.id):
            log.info("removed from server %s (%s): its data is kept %s", guild.id, guild.name, self._kept())

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        if await asyncio.to_thread(mark_back, self.bot.corpora, guild.id):
            log.info("invited back to server %s (%s): its data is kept", guild.id, guild.name)

    def _kept(self) -> str:
        days = self.bot.settings.discord.forget_after_days
        return f"for {days} days, then deleted" if days else "([discord] forget_after_days = 0: forever)"
