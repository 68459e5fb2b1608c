"""Where and with which buttons an answer is shown: a public thread off the question when one can be started,
the article link buttons, and the Back/More and vote buttons over an answer's pages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from bot.discord import render
from bot.discord.render import Page
from bot.discord.safety import NO_PINGS

# Logged under the asking cog's name, as before these helpers left bot/discord/ask.py.
log = logging.getLogger("quotebot.discord.ask")

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
