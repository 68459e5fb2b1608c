"""Fetch web pages politely and safely: one aiohttp session, robots.txt, one request at a time per host,
size and time limits, redirects followed (and checked) one hop at a time, and no request to a private
network unless the config allows it.

The private-network guard sits in the connector's resolver: every address a name resolves to is checked
and the connection goes to those checked addresses, so a name that resolves to a public address when
checked and to 127.0.0.1 when connected (DNS rebinding) cannot slip past. IP literals never reach a
resolver, so each hop's URL is checked too.

Fetching many pages from synchronous code (``fetch_all``, ``fetch_iter``) is ``index.ingest.fetching``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl
import time
import urllib.robotparser
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from index.config import FetchSettings
from index.errors import QuotebotError

MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 500 * 1024  # what Google reads of a robots.txt
ROBOTS_AGENT = "Quotebot"
_REDIRECTS = {301, 302, 303, 307, 308}
_PRIVATE_OFF = "[fetch] allow_private_networks = false"


class FetchError(QuotebotError):
    """One URL could not be fetched; the message is ``URL: reason`` on one line."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    """A page as fetched: ``status`` is 200 (any 2xx), or 304 (body empty) when the validators matched."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content_type: str  # the media type alone, lower case: "text/html"
    body: bytes  # gzip already undone; never over [fetch] max_mb
    etag: str | None
    last_modified: str | None
    charset: str | None = None  # from the Content-Type header, when it names one


def user_agent() -> str:
    """``Quotebot/<version>``, with the project's home page when the package metadata names one."""
    try:
        meta = metadata.metadata("quotebot")
        version = meta["Version"]
        urls = [u.split(",", 1)[1].strip() for u in meta.get_all("Project-URL") or [] if "," in u]
    except metadata.PackageNotFoundError:
        version, urls = "dev", []
    return f"Quotebot/{version}" + (f" (+{urls[0]})" if urls else "")


def forbidden_address(address: str) -> str | None:
    """What kind of non-public address ``address`` is ("a loopback address"), or None for a public one.

    IPv4-mapped, 6to4 and Teredo IPv6 addresses are judged by the IPv4 address inside them.
    """
    try:
        ip: Any = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            ip = inner
    for kind in ("loopback", "link_local", "unspecified", "multicast", "reserved", "private"):  # private: the rest
        if getattr(ip, f"is_{kind}"):
            return f"{'an' if kind[0] == 'u' else 'a'} {kind.replace('_', '-')} address"
    return None if ip.is_global else "not a public address"


class _Refused(OSError):
    """Raised by the resolver; aiohttp wraps OSErrors from a resolver, and this one is found again."""


class GuardedResolver(AbstractResolver):
    """aiohttp's threaded resolver, refusing a name when any of its addresses is not public."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET,
                      ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if kind := forbidden_address(result["host"]):
                raise _Refused(f"'{host}' resolves to {result['host']}, {kind}")
        return results

    async def close(self) -> None:
        await self._inner.close()


def check_url(url: str, allow_private: bool) -> URL:
    """The parsed URL, when its scheme and (for an IP literal) its address may be fetched.

    Raises:
        FetchError: for another scheme, no host, or a private IP literal while those are not allowed.
    """
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        raise FetchError(url, "not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(url, f"only http and https URLs are fetched, not '{parsed.scheme or 'no scheme'}'")
    if not parsed.host:
        raise FetchError(url, "no host in the URL")
    if not allow_private:
        host = parsed.host.strip("[]")
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return parsed  # a name: its addresses are checked by GuardedResolver
        if kind := forbidden_address(host):
            raise FetchError(url, f"refused: {host} is {kind} ({_PRIVATE_OFF})")
    return parsed


def _reason(exc: BaseException) -> str:
    """A one-line reason for a network failure."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _Refused):
            return f"refused: {seen} ({_PRIVATE_OFF})"
        seen = seen.__cause__ or getattr(seen, "os_error", None)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"TLS certificate not accepted ({exc.certificate_error})"
    if isinstance(exc, aiohttp.ClientSSLError) or isinstance(getattr(exc, "os_error", None), ssl.SSLError):
        error = getattr(exc, "os_error", exc)
        code = getattr(error, "reason", None)  # "WRONG_VERSION_NUMBER"
        return f"TLS handshake failed ({code.replace('_', ' ').lower() if code else error})"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve the host ({exc.os_error.strerror or exc.os_error})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        error = exc.os_error
        return f"cannot connect ({os.strerror(error.errno) if error.errno else error.strerror or error})"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the response body was cut off or malformed"
    if isinstance(exc, aiohttp.InvalidURL):
        return "not a valid URL"
    text = " ".join(str(exc).split())
    return f"{exc.__class__.__name__}{': ' + text if text else ''}"


class _Host:
    """One host's queue: a lock held for each request, and when the last one ended."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last = -float("inf")


class Fetcher:
    """An async context manager over one aiohttp session; ``get`` fetches one URL.

    Requests to one host (host and port) run one at a time, ``per_host_delay_s`` apart; different hosts
    run concurrently. robots.txt is read once per host per Fetcher.
    """

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        resolver = None if s.allow_private_networks else GuardedResolver()
        connector = aiohttp.TCPConnector(resolver=resolver, limit=64)
        self._session = aiohttp.ClientSession(
            connector=connector, headers={"User-Agent": user_agent()},
            timeout=aiohttp.ClientTimeout(total=s.timeout_s, connect=s.connect_timeout_s),
            trust_env=False,  # a proxy from the environment would connect where the guard can't see
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def max_bytes(self) -> int:
        return int(self.settings.max_mb * 1e6)

    async def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch ``url``, following up to 5 redirects; with ``etag``/``last_modified`` a conditional GET.

        Raises:
            FetchError: with a one-line reason (status, timeout, size, robots.txt, refused address...).
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._follow(url, headers, self.max_bytes, robots=True)

    async def _follow(self, url: str, headers: Mapping[str, str], limit: int, robots: bool) -> Fetched:
        """Fetch ``url`` through its redirects; a page (``robots``: its host's robots.txt is obeyed) over
        ``limit`` bytes is refused, a robots.txt (``robots`` false) is cut at ``limit``, as Google reads it."""
        current, seen = url, [url]
        for _ in range(MAX_REDIRECTS + 1):
            try:
                parsed = check_url(current, self.settings.allow_private_networks)  # every hop, redirects too
            except FetchError as exc:
                if current == url:
                    raise
                raise FetchError(url, f"redirected to {current}: {exc.reason}") from None
            if robots:
                await self._check_robots(url, parsed)
            result = await self._hop(url, parsed, headers, limit, cut=not robots)
            if isinstance(result, Fetched):
                return result
            current = str(parsed.join(URL(result)))
            if current in seen:
                raise FetchError(url, f"redirect loop (back to {current})")
            seen.append(current)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects (last to {current})")

    async def _hop(self, url: str, target: URL, headers: Mapping[str, str], limit: int,
                   cut: bool = False) -> Fetched | str:
        """One request: a Fetched, or the Location of a redirect."""
        if self._session is None:
            raise RuntimeError("use Fetcher as 'async with Fetcher(settings) as fetcher'")
        host = self._hosts.setdefault(f"{target.host}:{target.port}", _Host())
        async with host.lock:
            wait = host.last + self.settings.per_host_delay_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await self._request(url, target, headers, limit, cut)
            except FetchError:
                raise
            except aiohttp.ConnectionTimeoutError:
                raise FetchError(url, f"no connection within {self.settings.connect_timeout_s:g} s "
                                      "([fetch] connect_timeout_s)") from None
            except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
                raise FetchError(url, f"no complete answer within {self.settings.timeout_s:g} s "
                                      "([fetch] timeout_s)") from None
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                raise FetchError(url, _reason(exc)) from None
            finally:
                host.last = time.monotonic()

    async def _request(self, url: str, target: URL, headers: Mapping[str, str], limit: int,
                       cut: bool = False) -> Fetched | str:
        """One request; a body over ``limit`` is refused, or with ``cut`` read up to ``limit`` and no further."""
        assert self._session is not None
        async with self._session.get(target, headers=headers, allow_redirects=False) as resp:
            if resp.status in _REDIRECTS:
                location = resp.headers.get("Location")
                if not location:
                    raise FetchError(url, f"{resp.status} redirect without a Location")
                return location
            etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
            if resp.status == 304:
                return Fetched(url, str(target), 304, resp.content_type, b"", etag, modified, resp.charset)
            if not 200 <= resp.status < 300:
                raise FetchError(url, f"{resp.status} {resp.reason or 'error'}".strip())
            over = f"the response is over the {limit / 1e6:g} MB limit ([fetch] max_mb)"
            if resp.content_length is not None and resp.content_length > limit and not cut:
                raise FetchError(url, over)
            body = bytearray()
            async for part in resp.content.iter_chunked(1 << 16):
                body += part
                if len(body) > limit:  # stop reading: a page that never ends costs no more than the limit
                    if not cut:
                        raise FetchError(url, over)
                    del body[body.rfind(b"\n", 0, limit) + 1 :]  # the whole lines within the limit
                    break
            return Fetched(url, str(target), resp.status, resp.content_type, bytes(body), etag, modified,
                           resp.charset)

    # -- robots.txt -------------------------------------------------------------------------------
    async def _check_robots(self, url: str, target: URL) -> None:
        origin = str(target.origin())
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt request per host, however many pages wait on it
            if origin not in self._robots:
                self._robots[origin] = await self._read_robots(origin)
        rules = self._robots[origin]
        if isinstance(rules, str):
            raise FetchError(url, rules)
        if rules is not None and not rules.can_fetch(ROBOTS_AGENT, str(target)):
            raise FetchError(url, f"disallowed by {origin}/robots.txt")

    async def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | str | None:
        """The host's rules; None (all allowed) when it has none (4xx); a reason string (nothing allowed this
        time) when it cannot be read (5xx, 429, timeout, refused), as Google treats them."""
        robots_url = f"{origin}/robots.txt"
        try:
            fetched = await self._follow(robots_url, {}, ROBOTS_MAX_BYTES, robots=False)
        except FetchError as exc:
            if exc.reason.startswith("refused:") or exc.reason == "not a valid URL":
                return exc.reason  # the page's own host is at fault: say that, not "robots.txt"
            code = exc.reason.split(" ", 1)[0]
            if code.isdigit() and 400 <= int(code) < 500 and code != "429":
                return None
            if code.isdigit() or exc.reason.startswith(("redirect", "more than")):  # the host answered
                return f"robots.txt could not be read ({exc.reason}), so nothing is fetched from this host this time"
            # No answer at all (refused, TLS, timeout): say that, and where, not that robots.txt is at fault.
            return (f"{exc.reason} to {robots_url}, asked before any page of the host; nothing is fetched from it "
                    "this time")
        rules = urllib.robotparser.RobotFileParser(robots_url)
        rules.parse(fetched.body.decode("utf-8", "replace").splitlines())
        rules.modified()  # can_fetch() refuses everything until the rules have a read time
        return rules
