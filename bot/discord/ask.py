"""Asking: the /ask slash command, the message menu, @mentions and replies to answers, and /help, answered with the
engine's quotes (the words said and read in ``asking_text``; threads and the paging buttons in ``delivery``)."""

from __future__ import annotations

import asyncio
from datetime import datetime
import logging
import sqlite3
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.asking_text import (CONTEXT_MENU, EMPTY_QUESTION, NOTHING_TO_ASK, QUESTION_MAX, SOMETHING_WRONG,
                                     UNAVAILABLE, VOTE_FAILED, busy_text, earlier_question, follow_up, help_text,
                                     mention_pattern)
from bot.discord.cooldown import Busy
from bot.discord.delivery import PageView, can_thread, link_view, my_permissions, start_thread
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
