"""Admin commands: /index adds an uploaded file or a link to the server's live index, /follow, /unfollow and
/feeds manage its followed feeds, /stats describes the bot and the server's index. Each acts on the server's
own corpus (bot/discord/corpora.py), never another server's nor the shared one."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Optional

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.corpora import has_index, read_record, upload_id
from bot.discord.render import MESSAGE_LIMIT, clip_words, dlen
from bot.discord.safety import NO_PINGS, escape_text
from index.engine import Engine
from index.errors import QuotebotError
from index.feedback import FeedbackLog
from index.feeds.follow_list import Feed, FeedList, check_url
from index.feeds.polling import follow as follow_feed

if TYPE_CHECKING:
    from bot.discord.client import QuotebotBot

log = logging.getLogger("quotebot.discord.admin")

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".json", ".jsonl")
FAILURES_SHOWN = 5


def is_admin(interaction: discord.Interaction, admin_role_id: int) -> bool:
    """Manage Server (or Administrator) in this channel, or the configured admin role.

    Checked at run time as well as by ``default_permissions``: a server can open the commands to
    anyone in its Integrations settings. The role is matched by id because anyone who may create
    roles can give one the admin role's name.
    """
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    user = interaction.user
    return bool(admin_role_id) and isinstance(user, discord.Member) and user.get_role(admin_role_id) is not None


def _when(iso: str | None) -> str:
    """A stored UTC time as a relative Discord timestamp ("5 minutes ago", in the reader's language)."""
    return f"<t:{int(datetime.fromisoformat(iso).timestamp())}:R>" if iso else "never"


def feeds_text(feeds: list[Feed]) -> str:
    """The followed feeds as one message within Discord's 2000 characters (the rest counted)."""
    if not feeds:
        return "I follow no feeds yet: add one with /follow."
    lines = [f"**Following {len(feeds)} feed{'s' * (len(feeds) != 1)}:**"]
    for n, f in enumerate(feeds):
        line = (f"- **{escape_text(f.name)}** {escape_text(f.url)} · checked {_when(f.last_checked)} · "
                f"last new article {_when(f.last_new)}")
        if f.last_error:
            line += f" · ⚠ {clip_words(f.last_error, 200)}"
        rest = f"\n… and {len(feeds) - n} more"
        if dlen("\n".join([*lines, line])) + dlen(rest) > MESSAGE_LIMIT:
            lines.append(rest.strip())
            break
        lines.append(line)
    return "\n".join(lines)


def index_line(engine: Engine, model: str) -> str:
    """One corpus's size and model for /stats (blocking: run it in a thread)."""
    try:
        stats = engine.stats()
    except QuotebotError:
        return f"no index yet (add articles with /index) · model {model}"
    return f"{stats['articles']} articles, {stats['chunks']} chunks · model {stats['model']}"


def server_lines(engine: Engine, model: str, guild_id: int) -> list[str]:
    """/stats of one server's own corpus (blocking: run it in a thread): its index and when the bot last
    changed it, its followed feeds, and its readers' votes."""
    folder = engine.folder
    updated = read_record(folder).get("updated")
    feeds = FeedList(folder).all()
    newest = max((f.last_new for f in feeds if f.last_new), default=None)
    helpful, unhelpful = FeedbackLog(folder).counts()
    return [
        f"**This server's index:** {index_line(engine, model)}"
        + (f" · last changed {_when(updated)}" if updated else ""),
        f"**Feeds:** {len(feeds)} followed, last new article {_when(newest)} (/feeds lists them)" if feeds
        else "**Feeds:** none followed (add one with /follow)",
        f"**Votes:** {helpful} helpful, {unhelpful} not helpful (`quotebot feedback --server {guild_id}` exports them)"
        if helpful or unhelpful else "**Votes:** none yet",
    ]


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

    def _corpus(self, interaction: discord.Interaction) -> Engine:
        """The server's own corpus (the commands are guild-only)."""
        return self.bot.corpora.for_guild(interaction.guild_id)

    async def _refuse_non_admin(self, interaction: discord.Interaction) -> bool:
        """True (after a polite ephemeral refusal) when the user may not use admin commands."""
        role_id = self.bot.settings.discord.admin_role_id
        if is_admin(interaction, role_id):
            return False
        # A role mention shows the role's current name and, with NO_PINGS, notifies nobody.
        who = "people with the Manage Server permission" + (f" or the <@&{role_id}> role" if role_id else "")
        await interaction.response.send_message(render.notice(f"Sorry, only {who} can use this command."),
                                                ephemeral=True, allowed_mentions=NO_PINGS)
        return True

    @app_commands.command(name="index")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members
    @app_commands.describe(file="A .txt, .md, .html, .json or .jsonl file of articles",
                           url="Or a link to an article page (http or https)")
    async def index(self, interaction: discord.Interaction, file: Optional[discord.Attachment] = None,
                    url: Optional[str] = None) -> None:
        """Add an uploaded file of articles, or an article's link, to the live index (server managers only)."""
        if await self._refuse_non_admin(interaction):
            return
        if (file is None) == (url is None):
            await interaction.response.send_message(render.notice("Give a file or a url (one of them)."),
                                                    ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if url is not None:
            await self._index_url(interaction, url)
            return
        assert file is not None
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
            report = await asyncio.to_thread(self._corpus(interaction).ingest_bytes, file.filename, data,
                                             upload_id(file.filename, data))
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

    async def _index_url(self, interaction: discord.Interaction, url: str) -> None:
        """Fetch one page and index its article; the fetch guards (private networks, robots.txt) apply."""
        try:
            url = check_url(url)
        except QuotebotError as exc:
            await interaction.response.send_message(render.notice(f"I can't index that: {escape_text(str(exc))}."),
                                                    ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await asyncio.to_thread(self._corpus(interaction).ingest, [url])
        except QuotebotError as exc:
            log.warning("indexing %r failed: %s", url, exc)
            text = f"Indexing {escape_text(url)} failed: {escape_text(str(exc))}"
            await interaction.followup.send(render.notice(text), ephemeral=True, allowed_mentions=NO_PINGS)
            return
        log.info("user %s indexed %r: %s", interaction.user.id, url, report.summary())
        lines = [f"Indexed {escape_text(url)}: {report.summary()}."]
        lines += [f"- {escape_text(f.reason)}" for f in report.failed[:FAILURES_SHOWN]]
        await interaction.followup.send(render.notice("\n".join(lines)), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="follow")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members
    @app_commands.describe(url="An RSS, Atom, RDF or JSON feed, or a news site's page that announces one",
                           name="What to call it (default: the feed's title)")
    async def follow(self, interaction: discord.Interaction, url: str, name: Optional[str] = None) -> None:
        """Follow a news feed: its new articles are indexed as they are published (server managers only)."""
        if await self._refuse_non_admin(interaction):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            feed, new, entries = await asyncio.to_thread(follow_feed, self._corpus(interaction), url, name)
        except QuotebotError as exc:
            await interaction.followup.send(render.notice(f"I can't follow that: {escape_text(str(exc))}"),
                                            ephemeral=True, allowed_mentions=NO_PINGS)
            return
        label = f"**{escape_text(feed.name)}** ({escape_text(feed.url)})"
        if not new:
            text = f"Already following {label}."
        else:
            log.info("user %s followed %r as %r", interaction.user.id, feed.url, feed.name)
            text = (f"Following {label}: {entries} entries now; I'll index them shortly, and new ones every "
                    f"{self.bot.settings.feeds.interval_minutes} min.")
            self.bot.poller.poke()
        await interaction.followup.send(render.notice(text), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="unfollow")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members
    @app_commands.describe(feed="The feed's name or URL (see /feeds)")
    async def unfollow(self, interaction: discord.Interaction, feed: str) -> None:
        """Stop following a feed; its articles stay in the index (server managers only)."""
        if await self._refuse_non_admin(interaction):
            return
        removed = await asyncio.to_thread(FeedList(self._corpus(interaction).folder).remove, feed)
        if removed is None:
            text = f"I'm not following “{escape_text(feed)}”: /feeds lists the feeds I follow."
        else:
            log.info("user %s unfollowed %r", interaction.user.id, removed.url)
            text = (f"Unfollowed **{escape_text(removed.name)}** ({escape_text(removed.url)}); its articles stay in "
                    "the index.")
        await interaction.response.send_message(render.notice(text), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="feeds")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members
    async def feeds(self, interaction: discord.Interaction) -> None:
        """List the feeds followed: last checked, last new article, last error (server managers only)."""
        if await self._refuse_non_admin(interaction):
            return
        followed = await asyncio.to_thread(FeedList(self._corpus(interaction).folder).all)
        await interaction.response.send_message(feeds_text(followed), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="stats")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # hidden from members
    async def stats(self, interaction: discord.Interaction) -> None:
        """This server's articles, feeds and votes, and the questions answered here (server managers only)."""
        if await self._refuse_non_admin(interaction):
            return
        guild_id = interaction.guild_id
        assert guild_id is not None  # guild_only
        model = self.bot.settings.model.name
        lines = await asyncio.to_thread(server_lines, self._corpus(interaction), model, guild_id)
        if self.bot.settings.discord.shared_corpus and has_index(self.bot.engine):
            shared = await asyncio.to_thread(index_line, self.bot.engine, model)
            lines.append(f"**Shared index** (asked when this server's finds nothing): {shared}")
        lines.append(f"**Questions answered here:** {self.bot.answered[guild_id]} · **Bot uptime:** "
                     f"{duration(self.bot.uptime())}")
        await interaction.response.send_message(render.notice("\n".join(lines)), ephemeral=True,
                                                allowed_mentions=NO_PINGS)
