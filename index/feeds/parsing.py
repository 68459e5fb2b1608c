"""Feeds as data: RSS/Atom/RDF (feedparser) and JSON Feed bytes into entries, feed autodiscovery, and an
entry into an Article.

Pure functions (no network, no files), so polling and following (``index.feeds.polling``) share them and
they are tested on bytes alone.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXException

from index.errors import InputError
from index.ingest.articles import Failure, read_bytes
from index.text.dates import strict_date
from index.types import Article

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


_SKIPPED = "skipped from now on"  # an entry that cannot be read now never can: reported once, then given up


class FeedError(InputError):
    """A feed cannot be fetched, parsed or followed; the message is one line."""


@dataclass(frozen=True)
class Entry:
    """One item of a feed: ``key`` (its guid, else its link; unique within its feed only) marks it seen;
    ``content`` is HTML or ""."""

    key: str
    link: str
    title: str
    date: str | None
    content: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed's bytes hold: its title, the entries with a web link, and the ones without."""

    title: str
    entries: tuple[Entry, ...]
    problems: tuple[tuple[str, str], ...] = ()  # (key, why) of entries that cannot be read (no web link)


def _strip_tags(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())


def _entry_date(entry: dict) -> str | None:
    """The entry's publish date normalised (its time zone kept), else its update date, else None.

    The raw string is read strictly (``strict_date``): feedparser's ``*_parsed`` fallback invents a date
    for what it cannot read (2024-13-45 as 2025-01-01, year 0 as a crash), and an unreadable date is not
    stored.
    """
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if isinstance(raw, str) and (day := strict_date(raw)):
            return day
    return None


def _content(entry: dict) -> str:
    """The longest HTML or text body the entry carries (content:encoded, Atom content, description)."""
    bodies = [c.get("value", "") for c in entry.get("content", []) or []]
    bodies.append(entry.get("summary", "") or "")
    return max(bodies, key=lambda b: len(_strip_tags(b)))


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """RSS 0.9x/2.0, Atom, RDF or JSON Feed 1.x bytes as entries with absolute links.

    Raises:
        FeedError: the bytes are not a feed (an HTML page, malformed XML or JSON with nothing readable).
    """
    if _JSON_START.match(body):
        return _parse_json_feed(body, url)
    import feedparser  # only paid for by commands that read feeds

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    problem = parsed.get("bozo_exception") if parsed.bozo else None
    malformed = isinstance(problem, SAXException)  # not a charset or content-type complaint
    if not parsed.entries and not parsed.version and (not malformed or _is_html(body, content_type)):
        raise FeedError("not an RSS, Atom or RDF feed")  # a web page is not "malformed XML"
    entries: list[Entry] = []
    problems: list[tuple[str, str]] = []
    for item in parsed.entries:
        try:
            _add_entry(entries, problems, item.get("id") or "", item.get("link") or "",
                       _strip_tags(item.get("title", "") or ""), _entry_date(item), _content(item))
        except Exception as exc:  # noqa: BLE001 - one entry the parser chokes on never costs the others
            _unreadable(problems, str(item.get("id") or item.get("link") or item.get("title") or ""), exc)
    entries = _distinct_keys(entries)
    if malformed and not entries:  # what the lenient parser recovered from a broken feed is kept, if anything
        raise FeedError(f"not a valid feed: malformed XML ({one_line(problem)})")
    return ParsedFeed(_strip_tags(parsed.feed.get("title", "") or ""), tuple(entries), tuple(problems))


def _add_entry(entries: list[Entry], problems: list[tuple[str, str]], guid: str, link: str, title: str,
               date: str | None, content: str) -> None:
    """One item as an Entry, or as a problem when it has no web link (its id stands in when it is one)."""
    if not link and guid.startswith(("http://", "https://")):
        link = guid
    if not link.startswith(("http://", "https://")):
        scheme = urlsplit(link).scheme.lower() if link else ""
        kind = f" (a {scheme[:20]}: link)" if scheme.isascii() and scheme.isalnum() else ""
        problems.append((guid or link or f"title: {title}",
                         f"entry '{title[:80] or guid[:80] or '?'}' has no web link{kind}; {_SKIPPED}"))
        return
    entries.append(Entry(guid or link, link, title, date, content))


def _unreadable(problems: list[tuple[str, str]], key: str, exc: Exception) -> None:
    problems.append((f"unreadable: {key}", f"an entry could not be read ({type(exc).__name__}: {one_line(exc)}); "
                     f"{_SKIPPED}"))


_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.IGNORECASE | re.DOTALL)
_JSON_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*[{\[]")
_JSON_FEED = re.compile(r"^https?://jsonfeed\.org/version/1(?:\.\d+)?/?$")


def _is_html(body: bytes, content_type: str) -> bool:
    """Whether the bytes are a web page (served as one, or starting as one)."""
    media = content_type.split(";")[0].strip().lower()
    return media in ("text/html", "application/xhtml+xml") or bool(_HTML_START.match(body[:4096]))


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """A JSON Feed 1.x (https://jsonfeed.org/version/1.1): items' id, url, title, content_html or
    content_text (else summary), date_published (else date_modified)."""
    import json

    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"not a valid feed: malformed JSON ({one_line(exc)})") from None
    if not isinstance(data, dict) or not _JSON_FEED.match(str(data.get("version", ""))):
        raise FeedError("not an RSS, Atom or RDF feed")
    items = data.get("items", [])
    if not isinstance(items, list):
        raise FeedError("not a valid feed: the JSON Feed's 'items' is not a list")
    entries: list[Entry] = []
    problems: list[tuple[str, str]] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append((f"unreadable: item {n}", f"an entry could not be read (not a JSON object); {_SKIPPED}"))
            continue
        try:
            raw_id = item.get("id")
            guid = str(raw_id).strip() if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
            link = _text(item, "url").strip()
            _add_entry(entries, problems, guid, urljoin(url, link) if link else "", _strip_tags(_text(item, "title")),
                       strict_date(_text(item, "date_published")) or strict_date(_text(item, "date_modified")),
                       _json_content(item))
        except Exception as exc:  # noqa: BLE001 - one entry the parser chokes on never costs the others
            _unreadable(problems, f"item {n}", exc)
    return ParsedFeed(_strip_tags(_text(data, "title")), tuple(_distinct_keys(entries)), tuple(problems))


def _text(obj: dict, key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _json_content(item: dict) -> str:
    """A JSON Feed item's body as HTML: content_html, else content_text's paragraphs, else its summary."""
    if body := _text(item, "content_html"):
        return body
    text = _text(item, "content_text") or _text(item, "summary")
    return "".join(f"<p>{html.escape(' '.join(p.split()), quote=False)}</p>" for p in re.split(r"\n\s*\n", text)
                   if p.strip())


def _distinct_keys(entries: list[Entry]) -> list[Entry]:
    """The entries, those whose GUID the feed gives to several links keyed by GUID and link: each is its own
    article (one GUID for five stories must not make four of them look seen)."""
    links: dict[str, set[str]] = {}
    for e in entries:
        links.setdefault(e.key, set()).add(e.link)
    return [replace(e, key=f"{e.key} <{e.link}>") if len(links[e.key]) > 1 else e for e in entries]


class _AlternateLinks(HTMLParser):
    """``<link rel="alternate" type="application/rss+xml" href=…>`` of an HTML page, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "link" and "alternate" in a.get("rel", "").lower().split() and \
                a.get("type", "").lower().split(";")[0].strip() in FEED_TYPES and a.get("href"):
            self.found.append(a["href"])


def discover(page: bytes, url: str) -> str | None:
    """The first feed an HTML page announces (feed autodiscovery), as an absolute URL, or None."""
    finder = _AlternateLinks()
    try:
        finder.feed(page.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - a broken page announces nothing
        return None
    return urljoin(url, finder.found[0]) if finder.found else None


def one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def entry_article(entry: Entry, source: str, origin: str, max_article_bytes: int) -> Article | Failure:
    """The entry's own full content as an Article (id and url = its link; title and date from the entry)."""
    wrapped = f"<html><head><title>{html.escape(entry.title)}</title></head><body><article>{entry.content}" \
              "</article></body></html>"
    for item in read_bytes("entry.html", wrapped.encode("utf-8"), entry.link, max_article_bytes):
        if isinstance(item, Failure):
            return Failure(origin, item.reason)
        return replace(item, title=entry.title or item.title, url=entry.link, date=entry.date or item.date,
                       source=source or item.source, origin=origin)
    return Failure(origin, "no article text in the entry")


def with_entry(article: Article, entry: Entry, source: str, origin: str) -> Article:
    """A fetched page's Article completed by its feed entry: the feed's date wins (it has the time and zone
    the publisher gave), the page's title and site name win when it has them."""
    site = article.source
    if source and (not site or site.lower().removeprefix("www.") in _host_names(article.url or entry.link)):
        site = source  # a bare host name says less than the feed's own title
    return replace(article, title=article.title or entry.title, date=entry.date or article.date, source=site,
                   url=article.url or entry.link, origin=origin)


def _host_names(url: str) -> set[str]:
    """The names a page's host goes by when no site name is found: host, host:port, without www."""
    parts = urlsplit(url)
    return {n.lower().removeprefix("www.") for n in (parts.hostname or "", parts.netloc) if n}


def on_site(link: str, *feed_urls: str) -> bool:
    """Whether ``link`` is on the host (``www.`` aside; a port other than 80 and 443 counts) of one of
    ``feed_urls``: only there is the feed's own text trusted as the article at ``link``, or any feed could
    put its words under another site's URL."""

    def site(url: str) -> tuple[str, int | None] | None:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            return None
        host = (parts.hostname or "").rstrip(".").removeprefix("www.")
        return (host, None if port in (80, 443) else port) if host else None

    mine = site(link)
    return mine is not None and any(site(u) == mine for u in feed_urls)


def substantial(entry: Entry, min_chars: int) -> bool:
    """Whether the feed carries the whole article: at least ``min_chars`` characters of text."""
    return bool(entry.content) and len(_strip_tags(entry.content)) >= min_chars
