"""The local HTTP server fixture for the fetch tests (a conftest import, so test signatures don't shadow it)."""

from tests.http_server import http_server  # noqa: F401 - the fixture
