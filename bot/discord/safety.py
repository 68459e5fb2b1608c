"""What keeps the bot from pinging people, rendering an article's markup, or leaking its token."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import discord

from index.config import DiscordSettings
from index.errors import QuotebotError

# Passed on the client *and* on every send: a per-call value replaces the client default in some
# discord.py paths, and quoted text may hold "@everyone", "<@id>" or "<@&role>".
NO_PINGS = discord.AllowedMentions.none()

_ZWSP = "\u200b"
# Markdown characters escape_markdown leaves alone (a second "[x](url)" on a line, for one): every
# one without a backslash gets one. "[" is enough to break a masked link; a "]" stays bare, as a
# backslash before it would join a URL that ends right there. A "<" gets one too: Discord would read
# "<" up to a later "://…>" as one link, across lines and markdown.
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)((?:\\\\)*)([*_~|`\[<])")
# escape_markdown puts its backslash before the indent of an indented list item ("  - x"), where it
# shows as a backslash; it belongs next to the dash.
_INDENTED_DASH = re.compile(r"^\\(\s+)-", re.M)
# Discord also reads indented quotes ("  > x"), which escape_markdown misses; any line-start marker
# (quote, heading, list, subtext) gets a backslash unless it already has one.
_LINE_MARK = re.compile(r"^([ \t]*)([>#+-])", re.M)
# "1. text" starts an ordered list.
_ORDERED_LIST = re.compile(r"^(\s*\d+)\.(?=\s)", re.M)
# Discord tokens that start with "<": user/role/channel mentions, slash-command links, timestamps,
# custom emoji. A zero-width space after "<" leaves them visible as typed but inert.
_ANGLE_TOKEN = re.compile(r"<(?=[@#/:]|[a-z]+:)")
# Discord shows a bare URL as a link, taking every character up to whitespace literally (no markdown,
# no escapes inside); the same pattern as discord.utils' own. A backslash added there would show.
URL_PATTERN = re.compile(r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")
# What escape_text splits on: a URL already in "<…>" (Discord shows it without the brackets and
# without a preview), or a bare one up to a ">" too, so that wrapping it in "<…>" ends where it did;
# a scheme alone too, so that no backslash added after it can become part of a link.
_LINK = re.compile(r"(<)([a-zA-Z][\w+.-]*:/[^\s>]+)>|(?:https?|steam)://(?:[^\s<>]*[^<>.,:;\"'\]\s])?", re.I)
_SCHEME = re.compile(r"(?:https?|steam)://", re.I)
# Server invites (Discord shows a card with a Join button for them, even without "https://"): every
# "/" in one becomes a division slash "∕", so it reads the same but is no link and no invite.
_INVITE = re.compile(r"(?:https?://)?(?:[\w-]+\.)?(?:discord(?:app)?\.com/+invite|discord\.gg)/", re.I)
REPO_ROOT = Path(__file__).resolve().parents[2]


def escape_text(text: str) -> str:
    """Article or user text as Discord shows it literally: no formatting, links, spoilers or mentions,
    no link previews and no server invites.

    Only backslashes, zero-width spaces and "<…>" around URLs are added (Discord shows a URL in "<…>"
    without the brackets, as a link with no preview), so what a reader sees is the text verbatim, save
    that an invite's slashes are division slashes (``break_invites``).
    """
    out, pos = [], 0
    text = break_invites(text)
    for url in _LINK.finditer(text):
        # A URL the text itself put in "<…>" keeps its brackets visible: escaped ones around ours.
        if url.group(1):
            link = "\\<<" + url.group(2) + ">\\>"
        elif _SCHEME.fullmatch(url.group()):  # a scheme alone: its "//" broken, so no escape after it joins a link
            link = url.group()[:-1] + "\\/"
        else:
            link = "<" + url.group() + ">"
        out += [_escape_plain(text[pos : url.start()]), link]
        pos = url.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def break_invites(text: str) -> str:
    """``text`` with every Discord server invite made inert: its slashes become division slashes."""
    return _INVITE.sub(lambda m: m.group().replace("/", "\u2215"), text)


def _escape_plain(text: str) -> str:
    out = discord.utils.escape_markdown(text, ignore_links=False)
    out = _INDENTED_DASH.sub(r"\1\\-", out)
    out = _UNESCAPED_SPECIAL.sub(r"\1\\\2", out)
    out = _LINE_MARK.sub(r"\1\\\2", out)
    out = _ORDERED_LIST.sub(r"\1\\.", out)
    out = _ANGLE_TOKEN.sub("<" + _ZWSP, out)
    return discord.utils.escape_mentions(out)


def load_token(settings: DiscordSettings, environ: Mapping[str, str] | None = None) -> str:
    """The bot token from DISCORD_TOKEN, else from ``token_file`` (which must live outside the repo)."""
    env = os.environ if environ is None else environ
    token = env.get("DISCORD_TOKEN", "").strip()
    if token:
        return token
    if not settings.token_file:
        raise QuotebotError("no Discord bot token: set DISCORD_TOKEN, or [discord] token_file to a file "
                            "outside the repository that holds it")
    path = Path(settings.token_file).expanduser().resolve()
    if path == REPO_ROOT or REPO_ROOT in path.parents:
        raise QuotebotError(f"discord.token_file {path} is inside the repository; keep the token outside it")
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise QuotebotError(f"cannot read discord.token_file {path}: {reason}") from None
    if not token:
        raise QuotebotError(f"discord.token_file {path} is empty")
    return token


class RedactingFormatter(logging.Formatter):
    """Formats records (tracebacks included) with every secret replaced, as a last line of defence."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text
