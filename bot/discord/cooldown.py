"""Load control: per-user, per-channel and per-server rates, and a global cap on questions in flight.

The engine is CPU-bound: one user, one busy channel or one crowded server must not keep it busy for
everyone, and a crowd must never queue more work than the machine can answer while people still wait.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Cooldown:
    """At most ``count`` hits per key in any ``seconds`` window; ``seconds <= 0`` or ``count <= 0`` turns it off."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic, count: int = 1) -> None:
        self.seconds = seconds
        self.count = count
        self.clock = clock
        self._hits: dict[Hashable, deque[float]] = {}

    @property
    def off(self) -> bool:
        return self.seconds <= 0 or self.count <= 0

    def wait(self, key: Hashable) -> float:
        """Seconds the key still has to wait before its next hit (0.0 = allowed); records nothing."""
        if self.off:
            return 0.0
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            return 0.0
        while hits and now - hits[0] >= self.seconds:
            hits.popleft()
        return 0.0 if len(hits) < self.count else self.seconds - (now - hits[0])

    def take(self, key: Hashable) -> None:
        """Record a hit now (after ``wait`` said 0.0)."""
        if self.off:
            return
        now = self.clock()
        self._hits.setdefault(key, deque()).append(now)
        if len(self._hits) > 10_000:  # forget keys whose window is over, so the map stays small
            self._hits = {k: h for k, h in self._hits.items() if h and now - h[-1] < self.seconds}

    def hit(self, key: Hashable) -> float:
        """Seconds the key still has to wait (0.0 = allowed, and the hit is recorded now)."""
        wait = self.wait(key)
        if not wait:
            self.take(key)
        return wait


class Cooldowns:
    """The per-user, per-channel and per-server rates together: a question counts against all three only
    when all three allow it, so a refused question never uses up anyone's allowance."""

    def __init__(self, user: Cooldown, channel: Cooldown, server: Cooldown) -> None:
        self.user, self.channel, self.server = user, channel, server

    def hit(self, user_id: int, channel_id: int | None, guild_id: int | None) -> float:
        """The longest wait of the three (0.0 = allowed, and recorded against each)."""
        checks = [(self.user, user_id), (self.channel, channel_id), (self.server, guild_id)]
        checks = [(c, k) for c, k in checks if k is not None]
        wait = max(c.wait(k) for c, k in checks)
        if not wait:
            for c, k in checks:
                c.take(k)
        return wait


class Busy(Exception):
    """Every worker is busy and the queue is full: the asker should try again in ``retry_after`` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"busy: retry in {retry_after:.0f} s")
        self.retry_after = retry_after


class Capacity:
    """A bounded pool of ``workers`` threads with at most ``max_queued`` questions waiting for one.

    ``asyncio.to_thread`` would queue without limit: a crowd's questions would wait minutes, long after
    the asker gave up (and a slash command's token expired). Over the cap a question is refused at once,
    with an estimate of when a slot frees up.
    """

    def __init__(self, workers: int, max_queued: int) -> None:
        self.workers = workers
        self.limit = workers + max_queued
        self.in_flight = 0
        self.seconds_per_question = 1.0  # a running mean, refined by every answer
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="quotebot-engine")

    def full(self) -> bool:
        return self.in_flight >= self.limit

    def retry_after(self) -> float:
        """Seconds until the queue ahead of a new question has likely drained, at least 1."""
        return max(1.0, math.ceil(self.in_flight / self.workers * self.seconds_per_question))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker thread, or ``Busy`` at once when the cap is reached."""
        if self.full():
            raise Busy(self.retry_after())
        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._timed, fn, *args)
        finally:
            self.in_flight -= 1

    def _timed(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, its time folded into the running mean that ``retry_after`` uses."""
        started = time.monotonic()
        try:
            return fn(*args)
        finally:
            self.seconds_per_question += (time.monotonic() - started - self.seconds_per_question) * 0.2

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
