"""A local HTTP server on 127.0.0.1 for fetch and feed tests: routes set per test, changeable while it runs.

Usage, as a fixture (tests/conftest.py registers this module as a plugin: no import needed)::

    def test_x(http_server):
        http_server.route("/a.html", "<html>...</html>")                      # 200 text/html
        http_server.route("/slow", "late", delay=2.0)                        # headers after 2 s
        http_server.route("/z", "<p>hi</p>", gzip=True)                       # Content-Encoding: gzip
        http_server.route("/e", "v1", etag='"1"')                            # If-None-Match "1" -> 304
        http_server.redirect("/old", "/new")                                 # 302 Location: /new
        http_server.route("/dyn", lambda req: (200, {"X": "1"}, b"..."))     # computed per request
        url = http_server.url("/a.html")
        http_server.hits("/a.html"), http_server.requests[-1].headers["User-Agent"]

or as a context manager: ``with serve() as server: ...``. Unknown paths are 404. A route's body may be
replaced at any time (``route`` again); a callable body receives the ``Request`` and returns bytes/str or
``(status, headers, body)``.
"""

from __future__ import annotations

import gzip as gzip_mod
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Union

import pytest

Body = Union[bytes, str, Callable[["Request"], Union[bytes, str, tuple[int, dict[str, str], Union[bytes, str]]]]]


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Route:
    """What one path answers."""

    body: Body = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before the status line: a slow server
    gzip: bool = False
    etag: str | None = None  # sent as ETag; a matching If-None-Match gets 304 with no body
    last_modified: str | None = None  # sent as Last-Modified; an equal If-Modified-Since gets 304
    chunked: bool = False  # no Content-Length: the body ends when the connection closes


def _bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


class LocalServer:
    """A threaded http.server on 127.0.0.1, port chosen by the OS."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: a close-delimited body is valid

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server._handle(self)

            def do_HEAD(self) -> None:  # noqa: N802
                server._handle(self, head=True)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet test output
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a handler still sleeping in a delay must not hold up shutdown
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- set up -----------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def route(self, path: str, body: Body = b"", status: int = 200, **options: object) -> Route:
        """Serve ``body`` at ``path`` (replacing any earlier route there); options are Route's fields."""
        route = Route(body=body, status=status, **options)  # type: ignore[arg-type]
        with self._lock:
            self.routes[path] = route
        return route

    def redirect(self, path: str, to: str, status: int = 302) -> Route:
        """Answer ``path`` with a redirect to ``to`` (a path on this server or any absolute URL)."""
        return self.route(path, b"", status=status, headers={"Location": to}, content_type=None)

    def hits(self, path: str) -> int:
        """How many requests asked for ``path``."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    # -- serving ----------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, head: bool = False) -> None:
        request = Request(h.command, h.path, dict(h.headers.items()))
        with self._lock:
            self.requests.append(request)
            route = self.routes.get(h.path) or self.routes.get(h.path.split("?", 1)[0])
        if route is None:
            route = Route(b"not found", status=404, content_type="text/plain")
        if route.delay:
            time.sleep(route.delay)
        status, headers, body = route.status, dict(route.headers), route.body
        if callable(body):
            result = body(request)
            if isinstance(result, tuple):
                status, extra, body = result
                headers.update(extra)
            else:
                body = result
        data = _bytes(body)  # type: ignore[arg-type]
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if (route.etag and request.headers.get("If-None-Match") == route.etag) or (
                route.last_modified and request.headers.get("If-Modified-Since") == route.last_modified):
            status, data = 304, b""
        if route.gzip and data:
            data = gzip_mod.compress(data)
            headers["Content-Encoding"] = "gzip"
        if route.content_type and status != 304:
            headers.setdefault("Content-Type", route.content_type)
        headers.setdefault("Date", formatdate(usegmt=True))
        try:
            h.send_response(status)
            for key, value in headers.items():
                h.send_header(key, value)
            if not route.chunked:
                h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if not head and data:
                h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout or size-cap test): nothing to tell it

    # -- life -------------------------------------------------------------------------------------
    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def serve() -> Iterator[LocalServer]:
    """A running LocalServer for the ``with`` block."""
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A LocalServer per test (a plugin fixture: name it as a test parameter, no import)."""
    with serve() as server:
        yield server
