"""The Milvus backend's collections and the pure text work around them: keys, term encoding, filter
expressions and byte limits (``index.storage.milvus`` writes them, ``index.storage.milvus_store`` reads them).

Three collections, named from ``[store] collection``:
- ``<name>``: one row per chunk: its verbatim text, its article's metadata (so a candidate is read in one
  request), the dense vector, and ``terms``, the chunk's tokens as Quotebot counts them (index.text.terms:
  FTS5's Porter tokens), from which a Milvus BM25 function makes the sparse vector the keyword search
  uses. Both backends then find and score keywords with one tokenizer, Milvus's analyzer only splitting
  the ready tokens (``encode_terms``).
- ``<name>_articles``: one record per article, its text in parts (a VARCHAR holds at most 65,535 bytes).
- ``<name>_pages``: fetched URLs with their validators (ETag, Last-Modified).
Milvus wants a vector field in every collection: the last two carry a 2-dimensional ``pad``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from index.text.dates import parse_date
from index.errors import IndexError_
from index.storage.store import Where

SCHEMA_VERSION = 1
META = "quotebot.meta"  # the chunks collection's property recording the schema, model and dimension
TEXT_BYTES = 65_535  # Milvus's VARCHAR limit
PART_CHARS = 16_000  # article text per record part: at most 4 UTF-8 bytes a character
KEY_BYTES = 8_192  # article ids and URLs
ID_SPACE = 2**63
BATCH = 500  # rows per insert or query


def key_of(*parts: object) -> int:
    """A 63-bit primary key hashed from ``parts``: the same content always gets the same key, so a row
    written twice (two processes, or a re-run after a kill) is one row. Integer keys also keep quotes and
    newlines in ids and URLs out of the filter expressions pymilvus builds when it pages through rows."""
    h = hashlib.sha256("\x00".join(map(str, parts)).encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(h[:8], "big") % ID_SPACE


def chunk_id(article_id: str, digest: str, index: int) -> int:
    """A chunk's primary key, from its article's id and content and its place in the article."""
    return key_of("chunk", article_id, digest, index)


def encode_term(term: str) -> str:
    """A token that any Milvus analyzer keeps whole: ASCII letters and digits as they are, anything else
    as ``x`` + hex of its UTF-8 (Milvus Lite's and a server's standard tokenizers split differently)."""
    if term.isascii() and term.isalnum():
        return term
    return "x" + term.encode("utf-8", "surrogatepass").hex() + "x"


def encode_terms(stems: Iterable[str]) -> str:
    """The ``terms`` field's text: tokens the analyzer only has to split at the spaces."""
    return " ".join(encode_term(t) for t in stems)


def day_number(date_text: str | None) -> int:
    """An article's day as YYYYMMDD, sortable and filterable inside Milvus; 0 when undated."""
    day = parse_date(date_text)
    return day.year * 10_000 + day.month * 100 + day.day if day else 0


def filter_expr(where: Where | None) -> str:
    """A Milvus filter expression for ``where``; undated articles (day 0) pass any date range."""
    if where is None or not where.bounded:
        return ""
    parts = []
    if where.since:
        parts.append(f"day >= {where.since.year * 10_000 + where.since.month * 100 + where.since.day}")
    if where.until:
        parts.append(f"day <= {where.until.year * 10_000 + where.until.month * 100 + where.until.day}")
    days = f"(day == 0 or ({' and '.join(parts)}))" if parts else ""
    sources = f"source_key in {quoted([key_text(s) for s in where.sources])}" if where.sources else ""
    return " and ".join(p for p in (days, sources) if p)


_LITERAL_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"}


def lit(value: str) -> str:
    """A string literal for a filter expression. Milvus's parser takes every character as it is but a quote,
    a backslash and line breaks, and knows none of JSON's ``\\uXXXX`` escapes (a control character in
    an id written so made the whole write fail with "unknown escape sequence \\u")."""
    return '"' + "".join(_LITERAL_ESCAPES.get(ch, ch) for ch in value) + '"'


def quoted(values: Sequence[str]) -> str:
    """A list literal for a filter expression."""
    return "[" + ", ".join(lit(v) for v in values) + "]"


def fits(value: str, limit: int) -> bool:
    """Whether ``value`` takes at most ``limit`` UTF-8 bytes (Milvus's VARCHAR limits are in bytes)."""
    return len(value.encode("utf-8", "surrogatepass")) <= limit


def key_text(value: str) -> str:
    """``value`` as a VARCHAR key field stores it (article ids, URLs, sources): itself when it fits in
    ``KEY_BYTES``, else its start, an ellipsis and a hash of the whole (the same value always gives the
    same text, two values differing after the cut give two), so that an article whose id, URL or source
    is over 8 KB is still indexed and found again by its id, under that shortened name."""
    if fits(value, KEY_BYTES):
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return clip(value, KEY_BYTES - 64) + "…#" + digest


def clip(value: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``value``, cut at a character."""
    data = value.encode("utf-8", "surrogatepass")
    return value if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


class _Pymilvus:
    """pymilvus, imported on first use: the local backend never needs it."""

    def __getattr__(self, name: str) -> Any:
        try:
            import pymilvus
        except ImportError:
            raise IndexError_("[store] backend = \"milvus\" needs pymilvus: pip install 'quotebot[milvus]'") from None
        # Their own log lines (RPC errors, retries, Milvus Lite's start-up failures, and the in-process server's
        # "not implemented" for the timestamp query_iterator asks first) would repeat, as tracebacks, what
        # ``errors`` says in one line.
        for logger in ("pymilvus", "milvus_lite", "grpc._server"):
            logging.getLogger(logger).setLevel(logging.CRITICAL)
        return getattr(pymilvus, name)


pm = _Pymilvus()


def create_collections(client: Any, names: tuple[str, str, str], model: str, dim: int, exact: bool) -> None:
    """The three collections; the chunks collection, created last (its record of the model after it), is
    what an index's existence is judged by. ``exact``: FLAT vectors (Milvus Lite), else AUTOINDEX."""
    chunks, articles, pages = names
    meta = json.dumps({"quotebot_schema": SCHEMA_VERSION, "model": model, "dim": dim})
    for name, fields, looked_up in ((pages, _page_fields(), "url"), (articles, _article_fields(), "article_id")):
        if not client.has_collection(name):
            schema = pm.MilvusClient.create_schema(auto_id=False)
            for args, kwargs in fields:
                schema.add_field(*args, **kwargs)
            index = client.prepare_index_params()
            index.add_index("pad", index_type="FLAT", metric_type="L2")
            index.add_index(looked_up, index_type="INVERTED")
            client.create_collection(name, schema=schema, index_params=index)
    schema = pm.MilvusClient.create_schema(auto_id=False)
    DT = pm.DataType
    schema.add_field("id", DT.INT64, is_primary=True)
    schema.add_field("article_id", DT.VARCHAR, max_length=KEY_BYTES)
    schema.add_field("title", DT.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("source", DT.VARCHAR, max_length=KEY_BYTES)
    schema.add_field("source_key", DT.VARCHAR, max_length=KEY_BYTES)
    schema.add_field("url", DT.VARCHAR, max_length=KEY_BYTES)
    schema.add_field("date", DT.VARCHAR, max_length=256)
    schema.add_field("day", DT.INT64)
    schema.add_field("start", DT.INT64)
    schema.add_field("stop", DT.INT64)
    schema.add_field("tokens", DT.INT64)
    schema.add_field("body", DT.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("terms", DT.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("sparse", DT.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DT.FLOAT_VECTOR, dim=dim)
    schema.add_function(pm.Function(name="terms_bm25", function_type=pm.FunctionType.BM25,
                                    input_field_names=["terms"], output_field_names=["sparse"]))
    index = client.prepare_index_params()
    # Exact search on Milvus Lite, as the local backend below its exact_below; a server picks its own.
    index.add_index("dense", index_type="FLAT" if exact else "AUTOINDEX", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    index.add_index("article_id", index_type="INVERTED")
    index.add_index("day", index_type="INVERTED")
    index.add_index("source_key", index_type="INVERTED")
    client.create_collection(chunks, schema=schema, index_params=index)
    client.alter_collection_properties(chunks, properties={META: meta})


def _article_fields() -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    DT = pm.DataType
    text = {"max_length": TEXT_BYTES}
    key = {"max_length": KEY_BYTES}
    return [(("key", DT.INT64), {"is_primary": True}),
            (("article_id", DT.VARCHAR), key), (("part", DT.INT64), {}), (("parts", DT.INT64), {}),
            (("text", DT.VARCHAR), text), (("title", DT.VARCHAR), text), (("source", DT.VARCHAR), key),
            (("url", DT.VARCHAR), key), (("date", DT.VARCHAR), {"max_length": 256}),
            (("digest", DT.VARCHAR), {"max_length": 64}), (("chunks", DT.INT64), {}),
            (("pad", DT.FLOAT_VECTOR), {"dim": 2})]


def _page_fields() -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    DT = pm.DataType
    key = {"max_length": KEY_BYTES}
    return [(("key", DT.INT64), {"is_primary": True}), (("url", DT.VARCHAR), {"max_length": KEY_BYTES}),
            (("article_id", DT.VARCHAR), key), (("etag", DT.VARCHAR), key),
            (("last_modified", DT.VARCHAR), {"max_length": 256}), (("pad", DT.FLOAT_VECTOR), {"dim": 2})]
