"""Read fetched web pages into Articles, and the URLs they are stored under: an article's id is the page's
canonical URL when that is on the page's own host, else the URL it was fetched from, and no id or link
holds a password or a #fragment. An unusable page becomes a Failure, never an exception.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from yarl import URL

from index.ingest.articles import MAX_ARTICLE_BYTES, Failure, decode, read_html, read_text
from index.types import Article

if TYPE_CHECKING:
    from index.ingest.fetch import Fetched  # aiohttp is imported only where pages are fetched

HTML_TYPES = {"text/html", "application/xhtml+xml"}


def article_from_page(fetched: Fetched, max_article_bytes: int = MAX_ARTICLE_BYTES) -> Article | Failure:
    """The article in a fetched page: HTML through trafilatura (title, date, site name, canonical URL),
    plain text as is; any other content type is refused. The id is the canonical URL, else the final URL;
    ``origin`` is the URL as asked. None of them holds a password or a #fragment (``public_url``)."""
    where, kind = public_url(fetched.url), fetched.content_type.lower()
    final = public_url(fetched.final_url)
    if not fetched.body.strip():
        return Failure(where, "empty page")
    if kind in HTML_TYPES or (kind in ("", "application/octet-stream") and _looks_like_html(fetched.body)):
        items = list(read_html(fetched.body, final, where, max_article_bytes, final))
        return _at_canonical_url(items[0], final)
    if kind == "text/plain":
        text = _decode_page(fetched.body, fetched.charset, where)
        if isinstance(text, Failure):
            return text
        item = next(read_text(text, final, where, max_article_bytes))
        if isinstance(item, Article):
            return replace(item, url=final, source=_host(final))
        return item
    return Failure(where, f"not an article: the server sent {kind or 'no content type'} (only HTML and plain "
                          "text pages are indexed)")


def _at_canonical_url(item: Article | Failure, page_url: str) -> Article | Failure:
    """An HTML page's article with the page's canonical URL (``canonical_url``) as its id and link, and the
    page's host as its source when the page names no site."""
    if isinstance(item, Failure):
        return item
    url = canonical_url(item.url, page_url)
    return replace(item, id=url, url=url, source=item.source or _host(page_url))


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _decode_page(body: bytes, charset: str | None, where: str) -> str | Failure:
    """A plain-text page's text in the charset its server named, else as a file is read (UTF-8, BOMs)."""
    if charset:
        try:
            return body.decode(charset)
        except LookupError:
            return Failure(where, f"unknown charset '{charset}'")
        except UnicodeDecodeError as exc:
            return Failure(where, f"not valid {charset} (byte {exc.start})")
    return decode(body, where)


def _host(url: str) -> str | None:
    return URL(url).host


def public_url(url: str) -> str:
    """``url`` as it may be stored and shown: without a user name and password, and without its #fragment
    (``page#comments`` is the page). Fetching may use the credentials; an article id or link never holds them."""
    url = url.split("#", 1)[0]
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return url
    if parsed.user is None and parsed.password is None:
        return url  # as given: no re-encoding of an id that was stored before
    return str(parsed.with_user(None))


def canonical_url(canonical: str | None, page_url: str) -> str:
    """The page's canonical URL when it is an http(s) URL on the page's own host (``www.`` aside), else
    the URL the page was fetched from.

    The canonical URL is the article's id: trusting one that names another site would let any page
    replace that site's article in the index.
    """
    page = URL(page_url)
    if not canonical:
        return page_url
    try:
        url = page.join(URL(canonical.strip()))
    except ValueError:
        return page_url

    def bare(host: str | None) -> str:
        host = (host or "").lower().rstrip(".")
        return host[4:] if host.startswith("www.") else host

    if url.scheme not in ("http", "https") or not url.host or bare(url.host) != bare(page.host):
        return page_url
    return public_url(str(url.with_fragment(None)))
