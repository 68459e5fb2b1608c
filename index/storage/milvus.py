"""The Milvus backend: an index in Milvus collections (``index.storage.milvus_schema``), on Milvus Lite (embedded, a
folder ending in ``.db``) or a Milvus server or cluster (``http(s)://host:19530``), with the same answers as
the local backend. This module opens and creates the collections and writes them; ``index.storage.milvus_store``
reads them.

An article's record is written after its chunks and is its commit point: re-indexing compares the
record's content hash, so a process killed mid-article redoes that article, and chunk ids derive from the
article and its content, so rows written twice (two processes, or a re-run) are one row. Milvus has no
transactions: readers see an article's new chunks as soon as they are written, before its record.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from index.config import StoreSettings
from index.errors import IndexBusyError, IndexError_
from index.storage.milvus_schema import (BATCH, KEY_BYTES, META, PART_CHARS, SCHEMA_VERSION, TEXT_BYTES, chunk_id,
                                         clip, create_collections, day_number, encode_terms, fits, key_of, key_text,
                                         lit, pm)
from index.storage.milvus_store import MilvusStore
from index.storage.store import source_key
from index.text.terms import stems_many
from index.types import Article, Chunk

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")


def _locked(path: Path) -> bool:
    """Whether another process holds Milvus Lite's data-folder lock (an advisory flock on LOCK)."""
    import fcntl

    try:
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        pass
    return False


def _deleted(result: Any) -> int:
    """Rows a delete removed, as pymilvus reports it (a list of keys, or a dict with a count)."""
    if isinstance(result, dict):
        return int(result.get("delete_count", 0))
    return len(result) if isinstance(result, list) else 0


class MilvusBackend:
    """A Milvus collection trio, on Milvus Lite or a server; many processes may write a server at once."""

    def __init__(self, settings: StoreSettings, folder: Path) -> None:
        if not _NAME.match(settings.collection):
            raise IndexError_(f"[store] collection must be letters, digits and _ (not starting with a digit), "
                              f"got {settings.collection!r}")
        self.uri = settings.uri or str(folder / "milvus.db")
        self.lite = not self.uri.startswith(("http://", "https://", "tcp://", "grpc://"))
        if self.lite and not self.uri.endswith(".db"):
            raise IndexError_(f"[store] uri must be a Milvus Lite path ending in .db or http(s)://host:port, "
                              f"got {self.uri!r}")
        self.token = os.environ.get(settings.token_env, "") if settings.token_env else ""
        self.name = settings.collection
        self.location = f"{self.uri} (collection {self.name})"
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def names(self) -> tuple[str, str, str]:
        return self.name, f"{self.name}_articles", f"{self.name}_pages"

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                if self.lite:
                    Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
                with self.errors():
                    try:
                        self._client = pm.MilvusClient(uri=self.uri, token=self.token)
                    except Exception:
                        if self.lite and _locked(Path(self.uri) / "LOCK"):
                            raise IndexBusyError(
                                f"Milvus Lite at {self.uri} is open in another process; Milvus Lite serves one "
                                "process at a time: run a Milvus server for several (README: Scale out)") from None
                        raise
            return self._client

    @contextmanager
    def errors(self, writing: bool = False) -> Iterator[None]:
        """Milvus and connection failures as one-line errors naming the URI."""
        try:
            yield
        except (IndexError_, IndexBusyError):
            raise
        except Exception as exc:  # pymilvus raises MilvusException, grpc errors and OSErrors alike
            text = (str(getattr(exc, "message", "") or exc).strip().splitlines() or [type(exc).__name__])[0]
            verb = "write" if writing else "read"
            raise IndexError_(f"cannot {verb} the Milvus index at {self.location}: {text}") from None

    def exists(self) -> bool:
        if self.lite and not Path(self.uri).exists():
            return False  # don't create an empty Milvus Lite folder just to look
        with self.errors():
            return bool(self.client().has_collection(self.name))

    def repair(self) -> str:
        # Written article by article: what an interrupted run left half-written, a re-run completes.
        return "run the interrupted 'quotebot index' again (it redoes the articles named above)"

    def drop(self) -> None:
        if not self.exists():
            return
        with self.errors(writing=True):
            for name in self.names:  # the chunks collection first: from then on the index does not exist
                if self.client().has_collection(name):
                    self.client().drop_collection(name)

    def open(self) -> MilvusStore:
        if not self.exists():
            raise IndexError_(f"no index at {self.location}: run 'quotebot index PATH' first")
        return MilvusStore(self)

    @contextmanager
    def writing(self, model: str, dim: Callable[[], int],
                sources: Sequence[str | Path] = ()) -> Iterator[MilvusWriter]:
        with self.errors(writing=True):
            if not self.exists():
                create_collections(self.client(), self.names, model, dim(), exact=self.lite)
            elif not self.client().describe_collection(self.name).get("properties", {}).get(META):
                # Killed between creating the collection and recording what it holds: record it now.
                meta = json.dumps({"quotebot_schema": SCHEMA_VERSION, "model": model, "dim": dim()})
                self.client().alter_collection_properties(self.name, properties={META: meta})
            store = MilvusStore(self)
            if store.model != model:
                raise IndexError_(f"index at {self.location} was built with model '{store.model}', not '{model}': "
                                  "use another [store] collection")
            if store.dim != dim():
                raise IndexError_(f"index dimension {store.dim} differs from the model's {dim()}")
            writer = MilvusWriter(store)
            try:
                yield writer
            finally:
                writer.close()


class MilvusWriter:
    """Writes articles as they come: chunks first, then the article's record, the commit point."""

    def __init__(self, store: MilvusStore) -> None:
        self.store = store
        self.client = store.client
        self.errors = store.backend.errors
        with self.errors(writing=True):
            fields = self.client.describe_collection(store.articles_name).get("fields", [])
        # Collections made before have a field ``origin`` (never read): Milvus wants every field of a row given.
        self.legacy: dict[str, Any] = {"origin": ""} if any(f.get("name") == "origin" for f in fields) else {}

    def delete(self, article_ids: Sequence[str]) -> int:
        """Chunks first, then the record: a kill in between leaves a record whose chunks are missing, which
        ``check`` names, rather than chunks that answer for a deleted article."""
        removed = 0
        for aid in article_ids:
            key = lit(key_text(aid))
            with self.errors(writing=True):
                removed += _deleted(self.client.delete(self.store.chunks, filter=f"article_id == {key}"))
                self.client.delete(self.store.articles_name, filter=f"article_id == {key}")
        return removed

    def add(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray, digest: str) -> None:
        for name, value in (("id", article.id), ("url", article.url or ""), ("source", article.source or "")):
            if not fits(value, KEY_BYTES):
                log.warning("article %r: its %s is over %s bytes, more than a Milvus key holds: stored "
                            "shortened (its start, '…#' and a hash of the whole)", clip(article.id, 80), name,
                            f"{KEY_BYTES:,}")
        aid, source, url = key_text(article.id), key_text(article.source or ""), key_text(article.url or "")
        title = clip(article.title, TEXT_BYTES // 2)
        day = day_number(article.date)
        # One tokenisation gives the terms and BM25's lengths (``store.token_counts``: title + body tokens).
        terms = stems_many([article.title] + [c.text for c in chunks])
        rows = []
        for i, (c, body_terms) in enumerate(zip(chunks, terms[1:])):
            if not fits(c.text, TEXT_BYTES):
                raise IndexError_(f"article {article.id[:80]!r}: a chunk of {len(c.text):,} characters is over "
                                  f"Milvus's {TEXT_BYTES:,} bytes; set [chunking] max_chars to {PART_CHARS:,} or less")
            rows.append({"id": chunk_id(article.id, digest, i), "article_id": aid, "title": title,
                         "source": source, "source_key": key_text(source_key(article.source)),
                         "url": url, "date": article.date or "",
                         "day": day, "start": c.start, "stop": c.end, "tokens": len(terms[0]) + len(body_terms),
                         "body": c.text,
                         "terms": clip(encode_terms(terms[0] + body_terms), TEXT_BYTES),
                         "dense": np.asarray(vectors[i], np.float32).tolist()})
        key = lit(aid)
        text = article.text
        parts = [text[i : i + PART_CHARS] for i in range(0, len(text), PART_CHARS)] or [""]
        records = [{"key": key_of("article", article.id, p), "article_id": aid, "part": p, "parts": len(parts),
                    "text": part, "title": title if p == 0 else "", "source": source,
                    "url": url, "date": article.date or "", "digest": digest if p == 0 else "",
                    "chunks": len(rows), "pad": [0.0, 0.0], **self.legacy}
                   for p, part in enumerate(parts)]
        with self.errors(writing=True):
            self.client.delete(self.store.chunks, filter=f"article_id == {key}")  # an older version's chunks
            for lo in range(0, len(rows), BATCH):
                self.client.upsert(self.store.chunks, rows[lo : lo + BATCH])
            # The record last: from here on this content counts as indexed (head part last of all).
            self.client.delete(self.store.articles_name, filter=f"article_id == {key} and part >= {len(parts)}")
            for lo in range(1, len(records), BATCH):
                self.client.upsert(self.store.articles_name, records[lo : lo + BATCH])
            self.client.upsert(self.store.articles_name, records[:1])

    def set_page(self, url: str, article_id: str, etag: str | None, last_modified: str | None) -> None:
        if not fits(url, KEY_BYTES):
            return  # not remembered: the page is fetched unconditionally next time
        with self.errors(writing=True):
            old = self.client.get(self.store.pages, ids=[key_of("page", url)], output_fields=["article_id"])
            etag = etag if etag and fits(etag, KEY_BYTES) else ""  # a longer one is not sent back: fetched again
            last_modified = last_modified if last_modified and fits(last_modified, 256) else ""
            self.client.upsert(self.store.pages, [{"key": key_of("page", url), "url": url,
                                                   "article_id": key_text(article_id), "etag": etag,
                                                   "last_modified": last_modified, "pad": [0.0, 0.0]}])
            if old and old[0]["article_id"] != key_text(article_id):
                still = self.client.query(self.store.pages, filter=f"article_id == {lit(old[0]['article_id'])}",
                                          output_fields=["url"], limit=1)
                if not still:
                    self.delete([old[0]["article_id"]])

    def commit(self) -> None:
        """Persist what was written (each article is visible to readers as soon as it is written)."""
        with self.errors(writing=True):
            for name in self.store.backend.names:
                self.client.flush(name)

    def close(self) -> None:
        """Nothing held: an article is whole once its record is written."""
