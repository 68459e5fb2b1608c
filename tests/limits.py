"""A generous wall-clock bound for pure functions on big inputs: it guards linear time (a quadratic
step on these inputs takes many minutes), never a speed target (those live in bench/)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def finishes_within(seconds: float) -> Iterator[None]:
    """Fail, not hang, when the block runs past ``seconds`` (SIGALRM: main thread, Unix)."""

    def stop(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds:g} s: not linear in the input's length")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
