"""The shared local HTTP server used by fetch and feed tests does what its docstring says."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request

import pytest

from tests.http_server import LocalServer


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def test_routes_change_at_run_time_and_unknown_paths_are_404(http_server: LocalServer) -> None:
    http_server.route("/a", "one", content_type="text/plain")
    assert _get(http_server.url("/a"))[2] == b"one"
    http_server.route("/a", "two")
    assert _get(http_server.url("/a"))[2] == b"two"
    assert _get(http_server.url("/nope"))[0] == 404
    assert http_server.hits("/a") == 2


def test_etag_gzip_redirect_and_callable(http_server: LocalServer) -> None:
    http_server.route("/e", "body", etag='"v1"', gzip=True)
    status, headers, body = _get(http_server.url("/e"))
    assert status == 200 and headers["ETag"] == '"v1"' and gzip.decompress(body) == b"body"
    assert _get(http_server.url("/e"), **{"If-None-Match": '"v1"'})[0] == 304
    http_server.route("/c", lambda req: (201, {"X-Path": req.path}, "made"))
    status, headers, body = _get(http_server.url("/c"))
    assert (status, headers["X-Path"], body) == (201, "/c", b"made")
    http_server.redirect("/old", "/c")
    assert _get(http_server.url("/old"))[2] == b"made"


def test_delay_makes_a_slow_server(http_server: LocalServer) -> None:
    http_server.route("/slow", "late", delay=1.0)
    with pytest.raises(OSError):  # socket timeout, wrapped or not
        urllib.request.urlopen(http_server.url("/slow"), timeout=0.2).read()
