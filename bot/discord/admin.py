"""Admin commands: /index adds an uploaded file to the live index, /stats describes the bot."""

from __future__ import annotations

import asyncio
import logging
from pathlib import PurePath
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.safety import NO_PINGS, escape_text
from index.errors import QuotebotError

if TYPE_CHECKING:
    from bot.discord.client import QuotebotBot

log = logging.getLogger("quotebot.discord.admin")

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".json", ".jsonl")
FAILURES_SHOWN = 5


def is_admin(interaction: discord.Interaction, admin_role: str) -> bool:
    """Manage Server (or Administrator) in this channel, or the configured admin role by name."""
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    user = interaction.user
    return bool(admin_role) and isinstance(user, discord.Member) and any(r.name == admin_role for r in user.roles)


def duration(seconds: float) -> str:
    """Uptime as "2 d 3 h", "3 h 4 min", "4 min 5 s" or "5 s"."""
    s = int(seconds)
    d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if d:
        return f"{d} d {h} h"
    if h:
        return f"{h} h {m} min"
    return f"{m} min {s % 60} s" if m else f"{s} s"


class AdminCog(commands.Cog):
    """Commands for server managers; everyone else is told, politely, that they are not."""

    def __init__(self, bot: QuotebotBot) -> None:
        self.bot = bot

    async def _refuse_non_admin(self, interaction: discord.Interaction) -> bool:
        """True (after a polite ephemeral refusal) when the user may not use admin commands."""
        role = self.bot.settings.discord.admin_role
        if is_admin(interaction, role):
            return False
        who = "people with the Manage Server permission" + (f" or the “{escape_text(role)}” role" if role else "")
        await interaction.response.send_message(render.notice(f"Sorry, only {who} can use this command."),
                                                ephemeral=True, allowed_mentions=NO_PINGS)
        return True

    @app_commands.command(name="index")
    @app_commands.guild_only()
    @app_commands.describe(file="A .txt, .md, .html, .json or .jsonl file of articles")
    async def index(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Add an uploaded file of articles to the live index (server managers only)."""
        if await self._refuse_non_admin(interaction):
            return
        name = escape_text(file.filename)
        limit_kb = self.bot.settings.discord.max_upload_kb
        if PurePath(file.filename).suffix.lower() not in UPLOAD_SUFFIXES:
            await interaction.response.send_message(
                render.notice(f"I can't index {name}: send a {', '.join(UPLOAD_SUFFIXES)} file."),
                ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if file.size > limit_kb * 1024:
            await interaction.response.send_message(
                render.notice(f"{name} is {file.size / 1024:.0f} KiB, over the {limit_kb} KiB limit."),
                ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException as exc:
            await interaction.followup.send(f"I couldn't download {name} from Discord ({exc.status}); try again.",
                                            ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if len(data) > limit_kb * 1024:  # the size in the payload is the uploader's claim
            await interaction.followup.send(render.notice(f"{name} is over the {limit_kb} KiB limit."),
                                            ephemeral=True, allowed_mentions=NO_PINGS)
            return
        try:
            # Blocking (model + disk) in a thread: questions keep being answered from the last commit.
            report = await asyncio.to_thread(self.bot.engine.ingest_bytes, file.filename, data)
        except QuotebotError as exc:
            log.warning("indexing %r failed: %s", file.filename, exc)
            await interaction.followup.send(render.notice(f"Indexing {name} failed: {exc}"), ephemeral=True,
                                            allowed_mentions=NO_PINGS)
            return
        log.info("user %s indexed %r: %s", interaction.user.id, file.filename, report.summary())
        lines = [f"Indexed {name}: {report.summary()}."]
        lines += [f"- {escape_text(f.where)}: {escape_text(f.reason)}" for f in report.failed[:FAILURES_SHOWN]]
        if len(report.failed) > FAILURES_SHOWN:
            lines.append(f"- and {len(report.failed) - FAILURES_SHOWN} more")
        await interaction.followup.send(render.notice("\n".join(lines)), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="stats")
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """Show the index size, the model, uptime and questions answered (server managers only)."""
        if await self._refuse_non_admin(interaction):
            return
        try:
            stats = await asyncio.to_thread(self.bot.engine.stats)
            index = f"{stats['articles']} articles, {stats['chunks']} chunks · model {stats['model']}"
        except QuotebotError:
            index = f"no index yet (add articles with /index) · model {self.bot.settings.model.name}"
        text = (f"**Index:** {index}\n**Uptime:** {duration(self.bot.uptime())} · "
                f"**Questions answered:** {self.bot.answered}")
        await interaction.response.send_message(render.notice(text), ephemeral=True, allowed_mentions=NO_PINGS)
