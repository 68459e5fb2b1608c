"""Asking: the /ask slash command, @mentions, and the More/Back buttons that page through quotes."""

from __future__ import annotations

import asyncio
from datetime import datetime
import logging
import math
import re
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.cooldown import Busy
from bot.discord.render import Page
from bot.discord.safety import NO_PINGS
from index.errors import InputError, QuotebotError
from index.feedback import FeedbackLog, Vote

if TYPE_CHECKING:
    from bot.discord.client import QuotebotBot

log = logging.getLogger("quotebot.discord.ask")

PAGES = 3  # the engine is asked for this many pages of quotes; More shows the next ones
# An interaction's token (needed to take the buttons off a slash answer) lasts 15 minutes.
TOKEN_LIFETIME = 14 * 60.0
QUESTION_MAX = 1000
EMPTY_QUESTION = "Ask me something after the mention, e.g. “@Quotebot who supported the offensive?”, or use /ask."
CONTEXT_MENU = "Ask Quotebot about this message"
NOTHING_TO_ASK = "That message has no text for me to ask about; try /ask with your question."
VOTE_FAILED = "Sorry, I couldn't record that vote just now; please try again later."
def busy_text(seconds: float) -> str:
    return f"I'm answering a lot of questions right now: please try again in {max(1, math.ceil(seconds))} s."


SOMETHING_WRONG = "Sorry, something went wrong on my side; the details are in the bot's log."
UNAVAILABLE = ("Sorry, I can't search the articles right now (the index may still be empty: an admin can add "
               "articles with /index). The details are in the bot's log.")


EXAMPLE = "who backed the Syrian army offensive on Deir Ezzor?"


def help_text(commands: list[app_commands.Command]) -> str:
    """/help: every way of asking, with an example, then each slash command (from the tree, so it stays
    in step); admin commands are marked, as members don't see them."""
    lines = ["**Quotebot** answers questions with verbatim quotes from the indexed news articles. Ask by:",
             f"• `/ask` — e.g. `/ask question: {EXAMPLE}`",
             f"• mentioning me — e.g. “@Quotebot {EXAMPLE}”",
             "• replying to one of my answers to follow up — e.g. “and who opposed it?”",
             f"• right-clicking a message → Apps → **{CONTEXT_MENU}**",
             "Commands:"]
    for command in sorted(commands, key=lambda c: c.name):
        admins = " (server admins)" if command.default_permissions is not None else ""
        lines.append(f"• `/{command.name}`{admins} — {command.description}")
    return render.notice("\n".join(lines))


def mention_pattern(bot_id: int, role_id: int | None) -> re.Pattern[str]:
    """Mentions of the bot: its user, or its managed role in the server (what Discord's autocomplete often
    inserts for "@Quotebot")."""
    role = rf"|<@&{role_id}>" if role_id is not None else ""
    return re.compile(rf"<@!?{bot_id}>{role}")


def shown_text(markdown: str) -> str:
    """Text the bot escaped (``escape_text``) as Discord shows it: escapes resolved, zero-width spaces and
    the "<…>" around links gone."""
    text = re.sub(r"<([a-z][\w+.-]*://[^\s<>]*)>", r"\1", markdown, flags=re.I)
    return re.sub(r"\\([^\sA-Za-z0-9])", r"\1", text).replace("\u200b", "")


def asked_in(content: str) -> str | None:
    """The question one of the bot's answers was for (the "… for: <question>" or "You asked: <question>"
    line), as the asker wrote it; None for any other message."""
    line = re.search(r"^(?:\*\*[^*\n]+\*\* for: |-# You asked: )(.+)$", content, re.M)
    if line is None:
        return None
    return " ".join(shown_text(line.group(1)).removesuffix("…").split()) or None


def earlier_question(message: discord.Message, bot_id: int) -> str | None:
    """The question of the bot's answer that ``message`` replies to, or None when it replies to none."""
    ref = message.reference.resolved if message.reference is not None else None
    if not isinstance(ref, discord.Message) or ref.author.id != bot_id:
        return None
    return asked_in(ref.content)


def follow_up(earlier: str, question: str) -> str:
    """A follow-up asked with the earlier question as context ("… Deir Ezzor? and who opposed it?"):
    the engine only matches words, so the two together find what the new one alone can't; the new
    question is kept whole, the earlier one cut to the room left."""
    room = QUESTION_MAX - len(question) - 1
    return f"{earlier[:room].rstrip()} {question}" if room > 0 else question


THREADABLE = (discord.ChannelType.text, discord.ChannelType.news)


def can_thread(channel: object, permissions: discord.Permissions) -> bool:
    """Whether a public thread can be started off a message in ``channel``: a server's text or announcement
    channel (not a DM, a thread, a voice or forum channel) where the bot may start threads and post in them."""
    return (getattr(channel, "type", None) in THREADABLE and permissions.create_public_threads
            and permissions.send_messages_in_threads)


def my_permissions(message: discord.Message) -> discord.Permissions:
    """The bot's permissions in the message's channel, from the cache (none outside a server)."""
    guild = message.guild
    if guild is None or guild.me is None or not hasattr(message.channel, "permissions_for"):
        return discord.Permissions.none()
    return message.channel.permissions_for(guild.me)


async def start_thread(message: discord.Message | discord.PartialMessage, question: str) -> discord.Thread | None:
    """A public thread off ``message`` named after the question, or None (logged) when Discord refuses it,
    e.g. a channel permission the bot's cache didn't show: the caller then answers in the channel."""
    try:
        return await message.create_thread(name=render.thread_name(question))
    except (discord.HTTPException, ValueError) as exc:
        log.warning("could not start a thread for an answer (%s); answering in the channel", exc)
        return None


def link_buttons(page: Page) -> list[discord.ui.Button]:
    """The page's "Open article N" buttons: links, handled by Discord itself, so they never time out."""
    return [discord.ui.Button(style=discord.ButtonStyle.link, label=label, url=url) for label, url in page.links]


def link_view(page: Page) -> discord.ui.View | None:
    """A view of only the page's link buttons (a one-page answer), or None when it has none."""
    if not page.links:
        return None
    view = discord.ui.View(timeout=None)
    for button in link_buttons(page):
        view.add_item(button)
    return view


class PageView(discord.ui.View):
    """Back/More buttons over an answer's pages (none for one page) and Helpful/Not helpful, with the shown
    page's link buttons below them; only the asker may page, anyone may vote, until the timeout."""

    def __init__(self, pages: list[Page], owner_id: int, timeout: float,
                 on_vote: Callable[[discord.Interaction, Page, int], Awaitable[None]] | None = None) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.Message | discord.WebhookMessage | None = None
        self._links: list[discord.ui.Button] = []
        if len(pages) < 2:
            self.remove_item(self.back)
            self.remove_item(self.more)
        self._votes = render.vote_buttons(self._vote) if on_vote is not None and pages[0].quotes else []
        self._on_vote = on_vote
        for button in self._votes:
            button.row = 0
            self.add_item(button)
        self._update_buttons()

    async def _vote(self, interaction: discord.Interaction, vote: int) -> None:
        assert self._on_vote is not None
        await self._on_vote(interaction, self.pages[self.index], vote)

    def _update_buttons(self) -> None:
        self.back.disabled = self.index == 0
        self.more.disabled = self.index >= len(self.pages) - 1
        for button in self._links:
            self.remove_item(button)
        self._links = link_buttons(self.pages[self.index])
        for button in self._links:
            button.row = 1  # under Back/More (row 0); at most 5 quotes a page, so one row
            self.add_item(button)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.owner_id or (interaction.data or {}).get("custom_id") in {
                b.custom_id for b in self._votes}:
            return True
        await interaction.response.send_message(
            "Only the person who asked can page through these quotes; ask your own with /ask.",
            ephemeral=True, allowed_mentions=NO_PINGS)
        return False

    async def _show(self, interaction: discord.Interaction) -> None:
        self._update_buttons()
        page = self.pages[self.index]
        await interaction.response.edit_message(content=page.content, embeds=page.embeds, view=self,
                                                allowed_mentions=NO_PINGS)

    @discord.ui.button(label="Back", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction, button: discord.ui.Button[PageView]) -> None:
        self.index = max(0, self.index - 1)
        await self._show(interaction)

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[PageView]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        await self._show(interaction)

    async def on_timeout(self) -> None:
        # Remove the paging buttons, so nobody presses one that no longer answers; the links stay.
        if self.message is not None:
            try:
                await self.message.edit(view=link_view(self.pages[self.index]), allowed_mentions=NO_PINGS)
            except discord.HTTPException as exc:  # deleted message, or an interaction token past 15 min
                log.debug("could not remove the buttons: %s", exc)


class AskCog(commands.Cog):
    """Questions by slash command or mention, answered with the engine's quotes."""

    def __init__(self, bot: QuotebotBot) -> None:
        self.bot = bot
        self._feedback: dict[int | None, FeedbackLog] = {}  # one per corpus folder, kept for its voter-hash key
        # A class can't hold a context-menu command (discord.py); the cog adds it to the tree itself.
        self.menu = app_commands.ContextMenu(name=CONTEXT_MENU, callback=self.ask_about)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def _pages(self, question: str, per_page: int, asked_at: datetime, guild_id: int | None) -> list[Page]:
        """The Answer from the guild's corpus (bot.corpora) as of the message's time, asked in a worker thread
        so the gateway heartbeat never waits on it."""
        answer = await self.bot.capacity.run(self.bot.corpora.ask, guild_id, question, per_page * PAGES, asked_at,
                                             self.bot.settings.discord.shared_corpus)
        self.bot.answered[guild_id] += 1
        log.info("answered a question: %d quotes%s", len(answer.passages), "" if answer.found else " (no match)")
        return render.answer_pages(answer, per_page)

    def _per_page(self, results: int | None) -> int:
        wanted = results if results is not None else self.bot.settings.search.results
        return min(max(wanted, 1), render.PER_PAGE_MAX)

    def _wants_thread(self, pages: list[Page], channel: object, permissions: discord.Permissions) -> bool:
        """[discord] answer_in_thread, for an answer with quotes (a "no good match" line stays in place) where a
        thread can be started; anywhere else the answer is a reply, as without the option."""
        return self.bot.settings.discord.answer_in_thread and bool(pages[0].quotes) and can_thread(channel, permissions)

    def _view(self, pages: list[Page], owner_id: int, *, slash: bool) -> discord.ui.View | None:
        if len(pages) < 2 and not pages[0].quotes:
            return link_view(pages[0])
        timeout = self.bot.settings.discord.page_timeout_seconds
        return PageView(pages, owner_id, min(timeout, TOKEN_LIFETIME) if slash else timeout, on_vote=self._vote)

    def feedback(self, guild_id: int | None) -> FeedbackLog:
        """The votes of a server, kept in its corpus folder (a DM's in the shared index folder)."""
        log_ = self._feedback.get(guild_id)
        if log_ is None:
            log_ = self._feedback[guild_id] = FeedbackLog(self.bot.corpora.folder_of(guild_id))
        return log_

    async def _vote(self, interaction: discord.Interaction, page: Page, vote: int) -> None:
        """A reader's Helpful/Not helpful on the page they see, written in a worker thread to the server's own
        votes; thanks only to them."""
        answer = str(interaction.message.id if interaction.message else interaction.id)
        record = Vote(answer, page.question, page.quotes, vote, interaction.guild_id)
        try:
            await asyncio.to_thread(self.feedback(interaction.guild_id).record, record, interaction.user.id)
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not record a vote: %s", exc)
            await interaction.response.send_message(VOTE_FAILED, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await interaction.response.send_message(render.THANKS, ephemeral=True, allowed_mentions=NO_PINGS)

    def _admit(self, user_id: int, channel_id: int | None, guild_id: int | None) -> str | None:
        """None when the question may go ahead, else the polite "try again in N s" line: the user's,
        channel's or server's rate, or every engine worker busy with a full queue."""
        if self.bot.capacity.full():  # checked first, so a refused question uses up no rate allowance
            return busy_text(self.bot.capacity.retry_after())
        wait = self.bot.cooldown.hit(user_id, channel_id, guild_id)
        return render.wait_text(wait) if wait else None

    @staticmethod
    def _failure(exc: Exception) -> str:
        """The polite line for a failed question; the details go to the log, never to the channel."""
        if isinstance(exc, Busy):  # every worker busy and the queue full since the question was admitted
            return busy_text(exc.retry_after)
        if isinstance(exc, InputError):
            return render.notice(f"Sorry, I can't answer that: {exc}")
        if isinstance(exc, QuotebotError):
            log.warning("question failed: %s", exc)
        else:
            log.error("question failed unexpectedly", exc_info=exc)
        return UNAVAILABLE

    @staticmethod
    async def _fail_privately(interaction: discord.Interaction, text: str) -> None:
        """After the public defer, the failure only for the asker: the first follow-up would fill the
        public "thinking…" message, so that is deleted first and the line sent ephemeral."""
        try:
            await interaction.delete_original_response()
        except discord.HTTPException as exc:
            log.debug("could not delete the thinking message: %s", exc)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know", results="Quotes per page, 1 to 5")
    async def ask(self, interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, QUESTION_MAX],
                  results: app_commands.Range[int, 1, render.PER_PAGE_MAX] | None = None) -> None:
        """Answer a question with verbatim quotes from the indexed news articles."""
        await self._answer(interaction, question, results)

    async def ask_about(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The message menu's command: the message's text is the question."""
        question = " ".join(message.content.split())[:QUESTION_MAX]
        if not question:
            await interaction.response.send_message(NOTHING_TO_ASK, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await self._answer(interaction, question, None)

    async def _answer(self, interaction: discord.Interaction, question: str, results: int | None) -> None:
        """An interaction's question answered in public after a defer, or one polite ephemeral line."""
        if not self.bot.channel_allowed(interaction.channel):
            await interaction.response.send_message(self.bot.refusal_for_channel(), ephemeral=True,
                                                    allowed_mentions=NO_PINGS)
            return
        if not question.strip():
            await interaction.response.send_message(EMPTY_QUESTION, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        refusal = self._admit(interaction.user.id, interaction.channel_id, interaction.guild_id)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        # Discord drops an interaction not acknowledged within 3 s; the engine may take longer.
        await interaction.response.defer(thinking=True)
        per_page = self._per_page(results)
        try:
            pages = await self._pages(question, per_page, interaction.created_at, interaction.guild_id)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the asker gets one polite line
            await self._fail_privately(interaction, self._failure(exc))
            return
        first = pages[0]
        if self._wants_thread(pages, interaction.channel, interaction.app_permissions):
            await self._answer_in_thread(interaction, pages)
            return
        view = self._view(pages, interaction.user.id, slash=True)
        if view is None:
            await interaction.followup.send(content=first.content, embeds=first.embeds, allowed_mentions=NO_PINGS)
        else:
            sent = await interaction.followup.send(content=first.content, embeds=first.embeds, view=view,
                                                   allowed_mentions=NO_PINGS, wait=True)
            if isinstance(view, PageView):
                view.message = sent

    async def _answer_in_thread(self, interaction: discord.Interaction, pages: list[Page]) -> None:
        """The public reply names the question and a thread started off it holds the answer; when Discord
        refuses the thread, the answer goes into that reply instead."""
        first = pages[0]
        header = await interaction.followup.send(render.thread_header(first.question), allowed_mentions=NO_PINGS,
                                                 wait=True)
        channel = interaction.channel
        assert isinstance(channel, (discord.TextChannel, discord.PartialMessageable))  # can_thread checked its type
        thread = await start_thread(channel.get_partial_message(header.id), first.question)
        if thread is not None:
            view = self._view(pages, interaction.user.id, slash=False)  # a bot message: editable past 15 min
            sent = await thread.send(content=first.content, embeds=first.embeds, view=view, allowed_mentions=NO_PINGS)
        else:
            view = self._view(pages, interaction.user.id, slash=True)
            sent = await interaction.edit_original_response(content=first.content, embeds=first.embeds,
                                                            view=view, allowed_mentions=NO_PINGS)
        if isinstance(view, PageView):
            view.message = sent

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """How to ask Quotebot, with an example, and its commands."""
        listed = [c for c in self.bot.tree.get_commands(type=discord.AppCommandType.chat_input)
                  if isinstance(c, app_commands.Command)]
        await interaction.response.send_message(help_text(listed), ephemeral=True, allowed_mentions=NO_PINGS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A message that mentions the bot is a question, and so is a reply to one of its answers (a
        follow-up, asked with the earlier question before it); the answer replies to it."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        role = message.guild.self_role if message.guild is not None else None
        mention = mention_pattern(me.id, role.id if role is not None else None)
        earlier = earlier_question(message, me.id)
        # Discord sends a reply's text only when it pings the bot (the default): a reply without any is left.
        addressed = mention.search(message.content) or (earlier and message.content.strip())
        if not addressed or not self.bot.channel_allowed(message.channel):
            return
        question = " ".join(mention.sub(" ", message.content).split())[:QUESTION_MAX]
        if not question:
            await message.reply(EMPTY_QUESTION, allowed_mentions=NO_PINGS, mention_author=False)
            return
        if earlier:
            question = follow_up(earlier, question)
        refusal = self._admit(message.author.id, message.channel.id, message.guild.id if message.guild else None)
        if refusal:  # a reply, as a mention cannot be answered ephemerally
            await message.reply(refusal, allowed_mentions=NO_PINGS, mention_author=False)
            return
        try:
            async with message.channel.typing():
                pages = await self._pages(question, self._per_page(None), message.created_at,
                                          message.guild.id if message.guild is not None else None)
        except Exception as exc:  # noqa: BLE001 - a mention can't be answered ephemerally: a reply
            await message.reply(self._failure(exc), allowed_mentions=NO_PINGS, mention_author=False)
            return
        try:
            view = self._view(pages, message.author.id, slash=False)
            first = pages[0]
            thread = None
            if self._wants_thread(pages, message.channel, my_permissions(message)):
                thread = await start_thread(message, first.question)
            if thread is not None:  # the thread starts at the question, so the answer needs no reply link
                sent = await thread.send(content=first.content, embeds=first.embeds, view=view,
                                         allowed_mentions=NO_PINGS)
            else:
                sent = await message.reply(content=first.content, embeds=first.embeds, view=view,
                                           allowed_mentions=NO_PINGS, mention_author=False)
        except Exception as exc:  # noqa: BLE001 - e.g. Discord refusing the answer: the asker still hears back
            log.error("could not send an answer", exc_info=exc)
            await message.reply(SOMETHING_WRONG, allowed_mentions=NO_PINGS, mention_author=False)
            return
        if isinstance(view, PageView):
            view.message = sent
