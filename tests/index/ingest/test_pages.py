"""Fetched pages into articles (index.ingest.pages): HTML and plain text, canonical ids, and refusals."""

from __future__ import annotations

import pytest

from index.ingest.articles import Failure
from index.ingest.fetch import Fetched
from index.ingest.pages import article_from_page
from tests.feeds_fixtures import NO_TEXT, storm


def page(body: str | bytes, content_type: str = "text/html", url: str = "https://www.coast.example/news/1",
         charset: str | None = None) -> Fetched:
    data = body.encode() if isinstance(body, str) else body
    return Fetched(url, url, 200, content_type, data, None, None, charset)


def test_html_page_gives_title_date_site_and_same_host_canonical_id() -> None:
    a = article_from_page(page(storm(canonical="https://coast.example/news/storm#top")))
    assert not isinstance(a, Failure)
    assert (a.id, a.url, a.title, a.source, a.date) == (
        "https://coast.example/news/storm", "https://coast.example/news/storm",
        "Storm floods the harbour", "Coast Daily", "2022-09-19")
    assert "Ines Calloway" in a.text and "Copyright" not in a.text
    assert a.origin == "https://www.coast.example/news/1"


def test_a_canonical_url_on_another_host_is_not_trusted() -> None:
    a = article_from_page(page(storm(canonical="https://other.example/their-story")))
    assert not isinstance(a, Failure) and a.id == "https://www.coast.example/news/1"


def test_plain_text_page_is_read_as_is_in_its_charset() -> None:
    a = article_from_page(page("Café opens\n\nThe café opened on the quay.".encode("latin-1"), "text/plain",
                               charset="iso-8859-1"))
    assert not isinstance(a, Failure)
    assert (a.title, a.text, a.id, a.source, a.date) == ("Café opens", "The café opened on the quay.",
                                                          "https://www.coast.example/news/1", "www.coast.example", None)


@pytest.mark.parametrize(("content_type", "body", "reason"), [
    ("application/pdf", b"%PDF-1.7 ...", "not an article: the server sent application/pdf (only HTML and plain "
                                         "text pages are indexed)"),
    ("image/png", b"\x89PNG....", "not an article: the server sent image/png (only HTML and plain text pages are "
                                  "indexed)"),
    ("text/html", b"   ", "empty page"),
    ("text/html", NO_TEXT.encode(), "no article text found in the HTML"),
])
def test_other_pages_are_refused_in_one_line(content_type: str, body: bytes, reason: str) -> None:
    got = article_from_page(page(body, content_type))
    assert isinstance(got, Failure) and got.reason == reason and "\n" not in str(got)


@pytest.mark.parametrize("depth", [300, 3000])
def test_html_nested_deeper_than_the_parser_goes_still_gives_its_text(depth: int) -> None:
    body = ("<p>The harbour master at Port Ellen is Ines Calloway.</p>"
            "<p>She said the storm was the worst in thirty years.</p>")
    html = (f"<html><head><title>Storm floods the harbour</title></head><body>{'<div>' * depth}{body}"
            f"{'</div>' * depth}</body></html>")
    a = article_from_page(page(html))
    assert not isinstance(a, Failure), a
    assert a.title == "Storm floods the harbour"
    assert a.text == ("The harbour master at Port Ellen is Ines Calloway.\n\n"
                      "She said the storm was the worst in thirty years.")


def test_deeply_nested_html_without_text_says_so() -> None:
    a = article_from_page(page(f"<html><body>{'<div>' * 500}{'</div>' * 500}</body></html>"))
    assert isinstance(a, Failure) and a.reason == "no article text found in the HTML"
