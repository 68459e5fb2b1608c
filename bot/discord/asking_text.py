"""The words of asking: the lines the bot says to askers, and the questions read out of their messages
(a mention of the bot, a reply to one of its answers), with no Discord calls."""

from __future__ import annotations

import math
import re

import discord
from discord import app_commands

from bot.discord import render

QUESTION_MAX = 1000
EMPTY_QUESTION = "Ask me something after the mention, e.g. “@Quotebot who supported the offensive?”, or use /ask."
CONTEXT_MENU = "Ask Quotebot about this message"
NOTHING_TO_ASK = "That message has no text for me to ask about; try /ask with your question."
VOTE_FAILED = "Sorry, I couldn't record that vote just now; please try again later."
SOMETHING_WRONG = "Sorry, something went wrong on my side; the details are in the bot's log."
UNAVAILABLE = ("Sorry, I can't search the articles right now (the index may still be empty: an admin can add "
               "articles with /index). The details are in the bot's log.")


EXAMPLE = "who backed the Syrian army offensive on Deir Ezzor?"


def busy_text(seconds: float) -> str:
    return f"I'm answering a lot of questions right now: please try again in {max(1, math.ceil(seconds))} s."


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

