"""Per-user cooldown between questions: one user cannot keep the CPU-bound engine busy for everyone."""

from __future__ import annotations

import time
from collections.abc import Callable


class Cooldown:
    """Remembers when each user last asked; ``seconds <= 0`` turns it off."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[int, float] = {}

    def hit(self, user_id: int) -> float:
        """Seconds the user still has to wait (0.0 = allowed, and the wait starts now)."""
        if self.seconds <= 0:
            return 0.0
        now = self.clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget users whose wait is over, so the map stays small
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
        return 0.0
