"""Read files, folders and uploaded bytes into Articles; every unusable file or line becomes a Failure,
never an exception.

Formats by suffix: .txt/.md (title = first heading or line), .html/.htm (main text and metadata by
trafilatura), .json (one article or a list), .jsonl (one article per line). Every date is stored normalised
(index.text.dates.normalise_date). A fetched page is read into an Article by ``index.ingest.pages``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from index.ingest.cleaning import normalise, split_title, strip_furniture
from index.config import IngestSettings
from index.text.dates import normalise_date
from index.types import Article

MAX_ARTICLE_BYTES = int(IngestSettings().max_article_mb * 1e6)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
# Embedding speed of the default model on 2 CPU cores (bench/text_scale.py), for the refusal message.
EMBED_MB_PER_MINUTE = 0.5
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))


@dataclass(frozen=True)
class Failure:
    """Why one file, or one line of a file, was not indexed."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def find_files(paths: Iterable[Path]) -> Iterator[Path | Failure]:
    """Supported files under each path, recursively and in a stable order; missing paths are failures.

    A file named explicitly must have a supported suffix; inside folders other files are passed over.
    """
    for path in paths:
        if not path.exists():
            yield Failure(str(path), "no such file or folder")
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED:
                        yield Path(root) / name
        elif path.suffix.lower() not in SUPPORTED:
            yield Failure(str(path), f"unsupported file type '{path.suffix}' (use {', '.join(sorted(SUPPORTED))})")
        else:
            yield path


def decode(data: bytes, where: str) -> str | Failure:
    """UTF-8 text, or a Failure saying why the bytes are not text."""
    if not data.strip():
        return Failure(where, "empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):  # UTF-16/32 are text despite their NUL bytes, when they say so
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                return Failure(where, f"not valid {codec.upper()} (byte {exc.start})")
    if b"\x00" in data[:8192]:
        return Failure(where, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Failure(where, f"not valid UTF-8 (byte {exc.start}); re-save it as UTF-8")


def too_long(text: str, max_bytes: int) -> str | None:
    """Why one article's raw text is refused before any work on it, or None.

    Splitting is linear, but embedding is not fast: at about half a megabyte a minute on 2 CPU cores, a
    50 MB article would hold ``quotebot index`` for well over an hour.
    """
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if size <= max_bytes:
        return None
    minutes = size / 1e6 / EMBED_MB_PER_MINUTE
    return (f"article text is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit for one article "
            f"([ingest] max_article_mb): embedding it would take about {minutes:.0f} minutes on 2 CPU cores; "
            "split it into articles or raise the limit")


def _meta(record: dict[str, Any], key: str) -> str | None:
    """A metadata field as text; None when absent or empty. Numbers are kept as written (an id 7 is "7").

    Raises:
        ValueError: for a list, object or boolean: a wrong type is a bad record, never silently replaced.
    """
    value = record.get(key)
    if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
        return _text(value)
    raise ValueError(f"'{key}' must be a string, got {_json_type(value)}")


def _text(value: Any) -> str | None:
    """A value as stripped text, None when absent or empty."""
    return None if value is None else str(value).strip() or None


def _json_type(value: Any) -> str:
    return {bool: "a boolean", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def article_from_record(record: Any, where: str, fallback_id: str,
                        max_article_bytes: int = MAX_ARTICLE_BYTES) -> Article | Failure:
    """One corpus record ``{id, title, text, source, url, date}``; only ``text`` is required."""
    if not isinstance(record, dict):
        return Failure(where, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        return Failure(where, "missing 'text' (a string)")
    if reason := too_long(text, max_article_bytes):
        return Failure(where, reason)
    body = normalise(text)
    if not body:
        return Failure(where, "'text' is empty")
    raw_title = record.get("title")
    if raw_title is not None and not isinstance(raw_title, str):
        return Failure(where, f"'title' must be a string, got {_json_type(raw_title)}")
    try:
        article_id, source, url, date = (_meta(record, key) for key in ("id", "source", "url", "date"))
    except ValueError as exc:
        return Failure(where, str(exc))
    title = normalise(raw_title) if raw_title and raw_title.strip() else ""
    if not title:
        title, rest = split_title(body)
        body = rest or body
    body = strip_furniture(body)
    return Article(article_id or fallback_id, title, body, source, url, normalise_date(date), origin=where)


def read_text(text: str, path_id: str, where: str, max_article_bytes: int) -> Iterator[Article | Failure]:
    if reason := too_long(text, max_article_bytes):
        yield Failure(where, reason)
        return
    title, body = split_title(normalise(text))
    body = strip_furniture(body) or title  # a one-line file is its own title and text
    if not body:
        yield Failure(where, "no text after cleaning")
        return
    yield Article(path_id, title, body, origin=where)


def read_html(data: bytes, path_id: str, where: str, max_article_bytes: int,
              page_url: str | None = None) -> Iterator[Article | Failure]:
    """The main text and metadata of an HTML document; ``page_url``: where a fetched page came from (the
    article's id and link are then settled by ``index.ingest.pages``)."""
    import trafilatura  # lxml and friends: only paid for when HTML is read

    try:
        doc = trafilatura.bare_extraction(data, url=page_url, with_metadata=True, favor_recall=True)
    except Exception as exc:  # noqa: BLE001 - a broken page is one failed file
        yield Failure(where, f"cannot parse HTML ({exc.__class__.__name__})")
        return
    text = getattr(doc, "text", None) if doc is not None else None
    fallback_title = ""
    if not text or not text.strip():
        deep = _deep_html_text(data)  # lxml stops at 256 levels of nesting: trafilatura then finds nothing
        if deep is None:
            yield Failure(where, "no article text found in the HTML")
            return
        fallback_title, text = deep
    if reason := too_long(text, max_article_bytes):
        yield Failure(where, reason)
        return
    title = normalise(getattr(doc, "title", None) or fallback_title)
    lines = [ln for ln in normalise(text).split("\n") if ln.strip()]
    if lines and title and lines[0].strip() == title:
        lines = lines[1:]
    body = strip_furniture("\n\n".join(lines))
    if not body:
        yield Failure(where, "no article text found in the HTML")
        return
    if not title:
        title = body.split("\n", 1)[0][:120]
    yield Article(path_id, title, body, _text(getattr(doc, "sitename", None)), _text(getattr(doc, "url", None)),
                  normalise_date(_text(getattr(doc, "date", None))), origin=where)


DEEP_HTML_LEVELS = 250  # lxml (libxml2) gives up at 256 levels
_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
           "section", "article", "main", "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "header",
           "footer", "aside", "nav", "hr", "form"}
_SKIPPED = {"script", "style", "noscript", "template", "svg", "head", "nav", "footer", "aside", "form", "button",
            "select", "textarea", "iframe", "object"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr"}


def _deep_html_text(data: bytes) -> tuple[str, str] | None:
    """(title, paragraphs) of an HTML document nested deeper than lxml parses, by a plain extraction (the
    standard library's parser, which has no depth limit); None when it is not that deep or holds no text."""
    from html.parser import HTMLParser

    class Plain(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = self.deepest = self.skipping = 0
            self.in_title = False
            self.title: list[str] = []
            self.paragraphs: list[list[str]] = [[]]

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in _VOID:
                self.depth += 1
                self.deepest = max(self.deepest, self.depth)
                if tag in _SKIPPED:
                    self.skipping += 1
            self.in_title = tag == "title" or self.in_title
            if tag in _BLOCKS and self.paragraphs[-1]:
                self.paragraphs.append([])

        def handle_endtag(self, tag: str) -> None:
            if tag not in _VOID:
                self.depth = max(0, self.depth - 1)
                if tag in _SKIPPED:
                    self.skipping = max(0, self.skipping - 1)
            if tag == "title":
                self.in_title = False
            if tag in _BLOCKS and self.paragraphs[-1]:
                self.paragraphs.append([])

        def handle_data(self, text: str) -> None:
            if self.in_title:
                self.title.append(text)
            elif not self.skipping:
                self.paragraphs[-1].append(text)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    parser = Plain()
    parser.feed(text)
    parser.close()
    if parser.deepest < DEEP_HTML_LEVELS:
        return None
    paragraphs = [" ".join("".join(p).split()) for p in parser.paragraphs]
    body = "\n".join(p for p in paragraphs if p)
    return (" ".join("".join(parser.title).split()), body) if body else None


def _parsed(text: str, where: str, line: int | None = None) -> Any:
    """The JSON value of ``text``, or a Failure saying why it is none, at ``where:line`` (a JSONL line) or
    at the decoder's line in ``where`` (a whole file)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return Failure(f"{where}:{exc.lineno if line is None else line}", f"malformed JSON ({exc.msg})")
    except RecursionError:
        return Failure(where if line is None else f"{where}:{line}", "JSON nested too deeply")


def _read_json(text: str, path_id: str, where: str, lines: bool,
               max_article_bytes: int) -> Iterator[Article | Failure]:
    if lines:
        for n, line in enumerate(text.split("\n"), 1):
            if line.strip():
                record = _parsed(line, where, n)
                yield record if isinstance(record, Failure) else article_from_record(
                    record, f"{where}:{n}", f"{path_id}#{n}", max_article_bytes)
        return
    data = _parsed(text, where)
    if isinstance(data, Failure):
        yield data
        return
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        yield article_from_record(record, where if len(records) == 1 else f"{where}[{i}]", f"{path_id}#{i}",
                                  max_article_bytes)


def read_bytes(name: str, data: bytes, article_id: str | None = None,
               max_article_bytes: int = MAX_ARTICLE_BYTES) -> Iterator[Article | Failure]:
    """Articles from a file's bytes; the format comes from ``name``'s suffix; an article whose text is
    over ``max_article_bytes`` (UTF-8) is a Failure."""
    suffix = Path(name).suffix.lower()
    path_id = article_id or name
    if suffix not in SUPPORTED:
        yield Failure(name, f"unsupported file type '{suffix}' (use {', '.join(sorted(SUPPORTED))})")
        return
    if suffix in HTML_SUFFIXES:
        if not data.strip():
            yield Failure(name, "empty file")
        elif b"\x00" in data[:8192]:
            yield Failure(name, "binary file, not text")
        else:
            yield from read_html(data, path_id, name, max_article_bytes)
        return
    text = decode(data, name)
    if isinstance(text, Failure):
        yield text
    elif suffix in JSON_SUFFIXES:
        yield from _read_json(text, path_id, name, suffix != ".json", max_article_bytes)
    else:
        yield from read_text(text, path_id, name, max_article_bytes)


def read_file(path: Path, max_bytes: int, max_article_bytes: int = MAX_ARTICLE_BYTES) -> Iterator[Article | Failure]:
    """Articles from one file; the article id of a text or HTML file is its absolute path."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield Failure(where, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                                 "([ingest] max_file_mb)")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Failure(where, f"cannot read: {exc.strerror or exc}")
        return
    resolved = path.resolve()
    for item in read_bytes(where, data, str(resolved), max_article_bytes):
        # A local file's own location is its link when the article names none.
        yield replace(item, url=resolved.as_uri()) if isinstance(item, Article) and not item.url else item
