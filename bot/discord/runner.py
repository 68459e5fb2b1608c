"""``quotebot bot``: log in, serve until SIGINT/SIGTERM, shut down cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from typing import Any

import aiohttp
import discord

from bot.discord.client import QuotebotBot
from bot.discord.safety import RedactingFormatter, load_token
from index.config import Settings
from index.engine import Engine
from index.errors import QuotebotError

LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
log = logging.getLogger("quotebot.discord")


@contextlib.contextmanager
def _logging(token: str, level: int = logging.INFO) -> Iterator[logging.Handler]:
    """Standard logging to stderr for the bot's lifetime; the token is masked in every line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, [token]))
    # The bot never joins voice, so discord.py's warnings about missing voice libraries are noise.
    handler.addFilter(lambda record: "voice will NOT be supported" not in record.getMessage())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def run(settings: Settings, **options: Any) -> int:
    """Run the bot until a signal; returns the exit status.

    Raises QuotebotError (one line, never the token) when there is no token, Discord refuses it, or
    the model or the index cannot be opened. ``options`` go to the discord.py client (tests).
    """
    token = load_token(settings.discord)
    with _logging(token):
        return asyncio.run(serve(settings, token, **options))


async def serve(settings: Settings, token: str, engine: Engine | None = None, **options: Any) -> int:
    """Start the bot and wait for it to end or for SIGINT/SIGTERM; then close it."""
    bot = QuotebotBot(settings, engine or Engine(settings), **options)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread / Windows
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    running = asyncio.create_task(bot.start(token, reconnect=True))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            running.result()  # raises what ended the bot
        else:
            log.info("stopping on signal")
        return 0
    except discord.LoginFailure:
        raise QuotebotError("Discord refused the bot token: check DISCORD_TOKEN or discord.token_file") from None
    except discord.PrivilegedIntentsRequired:
        raise QuotebotError("Discord refused the bot's intents: check the bot's settings in the Developer Portal") \
            from None
    except (aiohttp.ClientError, OSError) as exc:
        raise QuotebotError(f"cannot reach Discord: {type(exc).__name__}: {exc}") from None
    except discord.HTTPException as exc:
        raise QuotebotError(f"Discord answered {exc.status} at start-up: {exc.text or exc}") from None
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        stopping.cancel()
        await bot.close()
        if not running.done():
            running.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await running
        log.info("bot stopped")
