"""The bot's feed poller: the followed feeds polled in the background, off the event loop, each server's
into its own corpus (and the shared corpus's, which the owner follows with the CLI, into the shared one).

Each poll runs ``index.feeds.polling.update`` in a worker thread (fetching and embedding never block the gateway),
and writes through the engine's write lock and the index's lock file, so it never interleaves with
/index or with a ``quotebot update`` run beside the bot: whichever comes second waits or is told the index
is busy, and this poller tries again on its next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.discord.corpora import Corpora
from index.engine import Engine
from index.errors import QuotebotError
from index.feeds.follow_list import FeedList
from index.feeds.polling import UpdateReport, update

log = logging.getLogger("quotebot.discord.feeds")


class FeedPoller:
    """Polls the due feeds every ``tick`` seconds (a feed is due every [feeds] interval_minutes), and at
    once when poked (a feed was just followed)."""

    tick = 60.0

    def __init__(self, corpora: Corpora) -> None:
        self.corpora = corpora
        self.polls = 0  # polls that ran (some feed was due), for /stats and tests
        self.last: UpdateReport | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="quotebot-feed-poller")

    def poke(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Stop polling; a poll already running in its thread still finishes its commit."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self.poll_once()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick)
            self._wake.clear()

    async def poll_once(self) -> UpdateReport | None:
        """One poll of every corpus's due feeds (the shared one, then each guild's); the last report of a
        corpus where some feed was due, or None when none was (or the polls failed, logged)."""
        engines = [self.corpora.shared]
        engines += [self.corpora.for_guild(g) for g in await asyncio.to_thread(self.corpora.guild_ids)]
        last = None
        for engine in engines:
            last = await self._poll(engine) or last
        return last

    async def _poll(self, engine: Engine) -> UpdateReport | None:
        """One poll of one corpus's due feeds."""
        try:
            if not await asyncio.to_thread(FeedList(engine.folder).all):
                return None
            report = await asyncio.to_thread(update, engine)
        except QuotebotError as exc:  # a busy index, a full disk: the next tick tries again
            log.warning("feed poll of %s failed: %s", engine.folder, exc)
            return None
        except Exception:  # noqa: BLE001 - a bug in one poll must not end polling for the bot's lifetime
            log.exception("feed poll of %s failed", engine.folder)
            return None
        if not report.polled:
            return None
        self.polls += 1
        self.last = report
        log.info("feeds: %d polled, %s", report.polled, report.summary())
        for failure in report.failed:
            log.warning("feed failure: %s", failure)
        return report
