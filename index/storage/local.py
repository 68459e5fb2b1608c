"""The local backend: one index folder, SQLite (articles, chunks, FTS5 keyword index, meta) beside FAISS
vector files. The default: nothing to run, one writer at a time (a lock file), any number of readers.

Atomicity: vectors are written to a new generation file ``vectors-<n>.faiss`` first; the SQLite
transaction that records the new chunks also records that file name, so the SQLite commit is the one
commit point. A crash before it leaves the old generation (and an orphan file, removed next time); a
crash after it leaves the new one. Readers reload vectors when the recorded generation changes.
"""

from __future__ import annotations

import errno
import os
import shlex
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np
from filelock import FileLock, Timeout

from index.errors import IndexBusyError, IndexError_
from index.storage import vectors as vectors_mod
from index.storage.local_files import DB_NAME, SCHEMA, SCHEMA_VERSION, explain
from index.storage.local_files import connect as _connect  # the writes' own name for it: tests make it read-only
from index.storage.local_store import LocalStore
from index.storage.store import token_counts
from index.types import Article, Chunk


def create_store(folder: Path, model: str, dim: int) -> None:
    """Make an empty index folder recording the model; a no-op when one is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = _connect(folder / DB_NAME)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for stmt in SCHEMA.strip().split(";"):
            if stmt.strip():
                conn.execute(stmt)
        for key, value in (("schema_version", str(SCHEMA_VERSION)), ("model", model), ("dim", str(dim)),
                           ("generation", "0")):
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (key, value))
        conn.execute("COMMIT")
    finally:
        conn.close()


class LocalWriter:
    """One write session: changes are invisible to readers until ``commit``; ``rollback`` drops them.

    The caller holds the index's write lock for the writer's whole life.
    """

    def __init__(self, store: LocalStore, exact_below: int = 0) -> None:
        if store.read_only:
            raise explain(PermissionError(errno.EACCES, "read-only"), store.folder, writing=True) or IndexError_(
                f"cannot write the index at {store.folder}")
        self.store = store
        self.exact_below = exact_below
        self.conn = _connect(store.db_path)
        committed = store.vectors()
        self.vectors = faiss.clone_index(committed) if committed.ntotal else vectors_mod.new_exact(store.dim)
        self.dirty = False
        _remove_orphans(self.conn, store.folder)
        self.conn.execute("BEGIN IMMEDIATE")

    def delete(self, article_ids: Sequence[str]) -> int:
        """Remove articles with their chunks, keyword rows and vectors; returns chunks removed."""
        removed = 0
        for aid in article_ids:
            ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE article_id = ?", (aid,))]
            if ids:
                marks = ",".join("?" * len(ids))
                self.conn.execute(f"DELETE FROM chunk_fts WHERE rowid IN ({marks})", ids)
                self.vectors.remove_ids(np.asarray(ids, dtype=np.int64))
                removed += len(ids)
            self.conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
        self.dirty = True
        return removed

    def add(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray, digest: str) -> None:
        """Insert (or replace) an article with its chunks and their vectors."""
        self.delete([article.id])
        self.conn.execute(
            "INSERT INTO articles(id, title, text, source, url, date, content_hash) VALUES (?,?,?,?,?,?,?)",
            (article.id, article.title, article.text, article.source, article.url, article.date, digest),
        )
        ids = []
        for c, tokens in zip(chunks, token_counts(article.title, [c.text for c in chunks])):
            cur = self.conn.execute(
                'INSERT INTO chunks(article_id, start, "end", tokens) VALUES (?, ?, ?, ?)',
                (article.id, c.start, c.end, tokens),
            )
            ids.append(cur.lastrowid)
            self.conn.execute("INSERT INTO chunk_fts(rowid, title, body) VALUES (?, ?, ?)",
                              (cur.lastrowid, article.title, c.text))
        if ids:
            self.vectors.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
        self.dirty = True

    def set_page(self, url: str, article_id: str, etag: str | None, last_modified: str | None) -> None:
        """Remember which article ``url`` gave and its validators. When the page now gives another article
        (its canonical URL changed), the old one goes, unless another page still gives it."""
        row = self.conn.execute("SELECT article_id FROM pages WHERE url = ?", (url,)).fetchone()
        self.conn.execute("INSERT OR REPLACE INTO pages(url, article_id, etag, last_modified) VALUES (?, ?, ?, ?)",
                          (url, article_id, etag, last_modified))
        if row and row[0] != article_id and not self.conn.execute(
                "SELECT 1 FROM pages WHERE article_id = ? LIMIT 1", (row[0],)).fetchone():
            self.delete([row[0]])
        self.dirty = True

    def commit(self) -> None:
        """Write the vector generation, then commit SQLite: the one point where the change lands."""
        if not self.dirty:
            return
        gen = int(self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]) + 1
        name = f"vectors-{gen}.faiss"
        self.vectors = vectors_mod.maybe_upgrade(self.vectors, self.exact_below)
        tmp = self.store.folder / (name + ".tmp")
        faiss.write_index(self.vectors, str(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.store.folder / name)
        _fsync_dir(self.store.folder)
        old = self.conn.execute("SELECT value FROM meta WHERE key = 'vectors'").fetchone()
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('vectors', ?)", (name,))
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", (str(gen),))
        self.conn.execute("COMMIT")
        if old and old[0] != name:
            (self.store.folder / old[0]).unlink(missing_ok=True)
        self.dirty = False
        self.conn.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        """Drop anything uncommitted and release the database."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        _remove_orphans(self.conn, self.store.folder)
        self.conn.close()


def _remove_orphans(conn: sqlite3.Connection, folder: Path) -> None:
    """Delete vector files of generations that never committed (a crash between write and commit)."""
    current = conn.execute("SELECT value FROM meta WHERE key = 'vectors'").fetchone()
    keep = current[0] if current else None
    for p in folder.glob("vectors-*.faiss*"):
        if p.name != keep:
            p.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBackend:
    """An index folder on this machine: one writing process at a time (``write.lock``), readers anywhere."""

    def __init__(self, folder: Path, exact_below: int = 0) -> None:
        self.folder = folder
        self.location = str(folder)
        self.exact_below = exact_below

    def exists(self) -> bool:
        return (self.folder / DB_NAME).exists()

    def open(self) -> LocalStore:
        return LocalStore(self.folder)

    def repair(self) -> str:
        # The articles themselves are in SQLite, which export reads: the vectors and keyword index are rebuilt.
        return (f"rebuild it into a new folder: quotebot export --index {shlex.quote(str(self.folder))} "
                "-o articles.jsonl && quotebot index articles.jsonl --index NEW_FOLDER")

    def drop(self) -> None:
        with self._lock():
            for path in self.folder.glob(f"{DB_NAME}*"):
                path.unlink()
            for path in self.folder.glob("vectors-*.faiss*"):
                path.unlink()

    @contextmanager
    def writing(self, model: str, dim: Callable[[], int], sources: Sequence[str | Path] = ()) -> Iterator[LocalWriter]:
        """Create the folder and index when missing, hold the write lock, and give a writer; a full disk, a
        read-only folder or a damaged file is a one-line IndexError_ and the last commit stands.

        ``dim`` is asked only once the lock is held: a busy or read-only index fails before the model loads.
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._lock():
                size = dim()
                create_store(self.folder, model, size)
                store = LocalStore(self.folder)
                try:
                    if store.model != model:
                        raise IndexError_(f"index at {self.folder} was built with model '{store.model}', "
                                          f"not '{model}': index into a new folder (--index)")
                    if store.dim != size:
                        raise IndexError_(f"index dimension {store.dim} differs from the model's {size}")
                    writer = LocalWriter(store, self.exact_below)
                    try:
                        yield writer
                    finally:
                        writer.close()
                finally:
                    store.close()
        except (OSError, sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            known = explain(exc, self.folder, writing=True, sources=sources)
            if known is None and not isinstance(exc, (OSError, sqlite3.OperationalError)):
                raise  # not the disk, the permissions or a damaged file: a bug to see in full
            # A full disk: the last commit stands, and the user must know this one didn't.
            reason = getattr(exc, "strerror", None) or str(exc)
            raise known or IndexError_(f"cannot write the index at {self.folder} ({reason}); "
                                       "it keeps its last committed state") from None

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Held for a whole write session so two processes never interleave writes."""
        lock = FileLock(str(self.folder / "write.lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise IndexBusyError(f"index is busy: another quotebot process is writing to {self.folder}; "
                                 "try again when it has finished") from None
        try:
            yield
        finally:
            lock.release()
