"""Fetching many pages from synchronous code: ``fetch_all`` (every result at once) and ``fetch_iter`` (a
stream, a few pages ahead), each on an event loop of its own (``run_fetching``) whose blocking calls run on
daemon threads, and ``run_until_stopped``, which ends the fetching once its reader has stopped.

One page at a time, politely and safely, is ``index.ingest.fetch.Fetcher``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping, Sequence
from contextlib import suppress
from typing import Any, TypeVar, cast

from index.config import FetchSettings
from index.ingest.fetch import FetchError, Fetched, Fetcher

FETCH_AHEAD = 4  # fetch_iter: pages in flight or fetched ahead of the one being indexed (and as many queued)


async def _get(fetcher: Fetcher, url: str,
               validators: Mapping[str, tuple[str | None, str | None]]) -> Fetched | FetchError:
    """``fetcher.get(url)`` (conditional when ``validators`` hold the URL's), or the FetchError saying why not."""
    try:
        return await fetcher.get(url, *validators.get(url, (None, None)))
    except FetchError as exc:
        return exc


async def _fetch_all(urls: Sequence[str], settings: FetchSettings,
                     validators: Mapping[str, tuple[str | None, str | None]]) -> list[Fetched | FetchError]:
    async with Fetcher(settings) as fetcher:
        return list(await asyncio.gather(*(_get(fetcher, u, validators) for u in urls)))


def fetch_all(urls: Sequence[str], settings: FetchSettings,
              validators: Mapping[str, tuple[str | None, str | None]] | None = None) -> list[Fetched | FetchError]:
    """Fetch every URL (concurrently across hosts, one at a time within one), in order; each result a
    Fetched or the FetchError saying why not. ``validators``: URL -> (etag, last_modified) for a
    conditional GET. Runs its own event loop: call it from a thread, never from a running loop."""
    if not urls:
        return []
    return run_fetching(_fetch_all(urls, settings, validators or {}))


_END = object()
T = TypeVar("T")


class _DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """Each call on a daemon thread of its own, never joined: a DNS lookup that hangs (aiohttp resolves in
    the loop's default executor) cannot hold up the exit after Ctrl-C, as the standard pool's threads,
    joined at exit, did for up to the resolver's timeouts."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def call() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the future
                    future.set_exception(exc)

        threading.Thread(target=call, name="quotebot-fetch-call", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass  # nothing to join: the threads are daemons


def run_fetching(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` with the loop's blocking calls (DNS lookups) on daemon threads (_DaemonExecutor)."""
    async def with_daemon_threads() -> T:
        asyncio.get_running_loop().set_default_executor(_DaemonExecutor(max_workers=1))
        return await main

    return asyncio.run(with_daemon_threads())


async def run_until_stopped(work: Awaitable[None], stop: threading.Event, every_s: float) -> None:
    """Run ``work`` to its end, or cancel it once ``stop`` is set (looked at every ``every_s`` seconds): a
    reader that stopped (Ctrl-C, a failed write, a busy index) stops the fetching too."""
    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.wait({task}, timeout=every_s)
        if stop.is_set():
            task.cancel()
    with suppress(asyncio.CancelledError):
        await task


def fetch_iter(urls: Sequence[str], settings: FetchSettings,
               validators: Mapping[str, tuple[str | None, str | None]] | None = None,
               ahead: int = FETCH_AHEAD) -> Generator[Fetched | FetchError, None, None]:
    """``fetch_all`` as a stream: the results in order, each as soon as it and those before it are in.

    The fetching runs in a thread of its own with at most ``ahead`` pages in flight and ``ahead`` more
    waiting to be taken, so memory holds a few pages however many are asked for. Closing the iterator
    (the reader is done, failed or was interrupted) stops the fetching within about a tenth of a second.
    """
    if not urls:
        return
    out: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    crashed: list[BaseException] = []

    async def put(item: object) -> None:
        while True:  # never blocks the loop: the requests in flight go on while the reader is busy
            try:
                out.put_nowait(item)
                return
            except queue.Full:
                if stop.is_set():
                    raise asyncio.CancelledError from None
                await asyncio.sleep(0.02)

    async def produce() -> None:
        async with Fetcher(settings) as fetcher:
            window: deque[asyncio.Task[Fetched | FetchError]] = deque()
            for url in urls:
                window.append(asyncio.ensure_future(_get(fetcher, url, validators or {})))
                if len(window) >= ahead:
                    await put(await window.popleft())
            while window:
                await put(await window.popleft())

    def thread() -> None:
        try:
            run_fetching(run_until_stopped(produce(), stop, 0.1))
        except BaseException as exc:  # noqa: BLE001 - handed to the reader's thread, which raises it
            crashed.append(exc)
        finally:
            while not stop.is_set():  # the end mark, unless nobody reads any more
                try:
                    out.put(_END, timeout=0.1)
                    break
                except queue.Full:
                    pass

    worker = threading.Thread(target=thread, name="quotebot-fetch", daemon=True)
    worker.start()
    try:
        while (item := out.get()) is not _END:
            yield cast("Fetched | FetchError", item)
    finally:
        stop.set()
        worker.join(timeout=2)  # a daemon: a request that will not end cannot hold the exit up
    if crashed:
        raise crashed[0]
