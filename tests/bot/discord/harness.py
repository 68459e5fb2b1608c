"""Helpers for the over-the-wire tests: a real discord.py client connected to the local fake Discord, and the
steps scenarios share (ask, upload a file, vote, wait for the poller)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

from bot.discord.client import QuotebotBot
from bot.discord.render import THANKS, limit_problems
from bot.discord.safety import URL_PATTERN
from index.config import DiscordSettings, Settings
from index.engine import Engine
from tests.bot.discord.fake_discord import MANAGE_GUILD, Call, FakeDiscord, user

TOKEN = "MTIzNDU2Nzg5MDEy.fake.secret-token-value"


def with_discord(settings: Settings, **discord: Any) -> Settings:
    """Settings with a [discord] table for a test; no per-user, channel or server rate unless the test asks
    for one, and the engine's (shared) corpus answered in the server too unless the test turns
    ``shared_corpus`` off."""
    defaults = {"cooldown_seconds": 0.0, "channel_questions": 0, "server_questions": 0, "shared_corpus": True}
    return replace(settings, discord=replace(DiscordSettings(), **{**defaults, **discord}))


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, engine: Engine, *, fake: FakeDiscord | None = None
                      ) -> AsyncIterator[tuple[FakeDiscord, QuotebotBot]]:
    """A connected bot and its fake Discord.

    Afterwards every message the bot sent is checked (``check_sent``), no route it used may have
    been unknown to the fake, and every interaction was acknowledged once, within 3 seconds.
    """
    fake = fake or FakeDiscord(token=TOKEN)
    await fake.start()
    try:
        with fake.patched():
            bot = QuotebotBot(settings, engine, guild_ready_timeout=0.05)
            await bot.login(TOKEN)
            task = asyncio.create_task(bot.connect(reconnect=False))
            try:
                await asyncio.wait_for(bot.wait_until_ready(), 15)
                yield fake, bot
            finally:
                await bot.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, 5)
    finally:
        await fake.stop()
    assert not fake.unknown, f"the bot used routes the fake does not know: {fake.unknown}"
    assert not fake.problems, fake.problems
    for call in fake.calls:
        check_sent(call)


def check_sent(call: Call) -> None:
    """Every message the bot sends pings nobody and fits Discord's limits."""
    msg = call.message
    if not isinstance(msg, dict) or not ({"content", "embeds", "components"} & msg.keys()):
        return
    mentions = msg.get("allowed_mentions")
    assert mentions is not None, f"{call.method} {call.path} sent no allowed_mentions"
    assert mentions.get("parse") == [] and not mentions.get("users") and not mentions.get("roles"), mentions
    assert not mentions.get("replied_user"), mentions
    assert limit_problems(msg) == [], (call.path, limit_problems(msg))


def followup_to(token: str) -> Callable[[Call], bool]:
    return lambda c: c.method == "POST" and c.path.startswith("/webhooks/") and c.path.endswith("/" + token)


def callback_to(token: str) -> Callable[[Call], bool]:
    return lambda c: c.path.endswith(f"/{token}/callback")


def reply_to(message: dict[str, Any]) -> Callable[[Call], bool]:
    def match(c: Call) -> bool:
        ref = (c.body or {}).get("message_reference") if c.method == "POST" else None
        return bool(ref) and int(ref["message_id"]) == int(message["id"])
    return match


def mention(fake: FakeDiscord, text: str) -> str:
    return f"<@{fake.bot_user['id']}> {text}"


def unmarked(markdown: str, *, bold: bool = False) -> str:
    """What Discord shows for the bot's markdown: escapes resolved, bare URLs literal, zero-width
    spaces gone; the renderer's bold markers are dropped too unless ``bold`` keeps them."""
    out, i = [], 0
    while i < len(markdown):
        url = URL_PATTERN.match(markdown, i)
        if markdown[i] == "\\" and i + 1 < len(markdown) and not markdown[i + 1].isalnum() \
                and not markdown[i + 1].isspace():
            out.append(markdown[i + 1])
            i += 2
        elif url:  # shown literally; a URL in "<…>" without the brackets (and without a preview)
            out.append(url.group()[1:-1] if url.group().startswith("<") else url.group())
            i = url.end()
        elif markdown.startswith("**", i) and not bold:
            i += 2
        else:
            out.append(markdown[i])
            i += 1
    return "".join(out).replace("\u200b", "")


def visible(markdown: str) -> str:
    """``unmarked`` for text without bold markers of the renderer's own."""
    return unmarked(markdown, bold=True)


def buttons(message: dict) -> dict[str, dict]:
    return {c["label"]: c for row in message.get("components") or [] for c in row["components"]}


async def eventually(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``condition()`` (the poller makes no Discord call, which fake.wait_until waits on)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def index_file(fake: FakeDiscord, guild_id: str, name: str, text: str) -> str:
    """An admin of ``guild_id`` uploads ``name``; the bot's (ephemeral) report."""
    upload = fake.add_attachment(name, text.encode())
    token = await fake.slash(user("mod"), "index", {"file": upload}, attachments=[upload], permissions=MANAGE_GUILD,
                             guild_id=guild_id)
    done = (await fake.wait_for(followup_to(token))).body
    assert done["flags"] == 64
    return str(done["content"])


async def ask(fake: FakeDiscord, question: str, **where: Any) -> dict[str, Any]:
    """A member asks in a server (``guild_id``) or a DM (``dm=True``); the message they get back."""
    token = await fake.slash(user("alice"), "ask", {"question": question}, **where)
    return (await fake.wait_for(followup_to(token))).body


def thanked(body: dict, text: str = THANKS) -> bool:
    return body["type"] == 4 and body["data"]["flags"] == 64 and body["data"]["content"] == text


async def vote_on(fake: FakeDiscord, question: str, label: str, **where: object) -> dict:
    """Alice asks (in ``guild_id`` or a DM), Bob presses ``label`` under the answer; the answer message."""
    token = await fake.slash(user("alice"), "ask", {"question": question}, **where)
    answer = (await fake.wait_for(followup_to(token))).body
    message = next(m for m in fake.messages.values() if m.get("interaction_token") == token)
    press = await fake.click(user("bob"), message, buttons(answer)[label]["custom_id"])
    assert thanked((await fake.wait_for(callback_to(press))).body)
    return message
