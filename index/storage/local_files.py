"""The local index's files: its SQLite schema, how a connection to it is opened, and what an error met on
them means (damage, or only access), in one line.

Shared by the reads (``index.storage.local_store``) and the writes (``index.storage.local``).
"""

from __future__ import annotations

import errno
import os
import shlex
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from index.errors import IndexError_
from index.text.terms import TOKENIZE

SCHEMA_VERSION = 2  # 2 adds chunks.tokens; a version 1 index gains it when first opened writable
DB_NAME = "quotebot.sqlite3"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, source TEXT, url TEXT, date TEXT,
    content_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, tokens INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(
    title, body, tokenize = '{TOKENIZE}'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab(chunk_fts, 'row');
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, article_id TEXT NOT NULL, etag TEXT, last_modified TEXT
);
"""
# ``pages`` (fetched URL -> its article and the validators for a conditional GET) needs no schema version:
# it is only added, every write creates it when missing, and a reader without it asks unconditionally.
# Indexes made before have a column ``articles.origin`` (nullable, never read): it is left NULL.


def connect(path: Path) -> sqlite3.Connection:
    """A connection that may write: WAL (readers never wait for the writer), foreign keys, full syncs."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes, for an index this process cannot write.

    ``mode=ro`` still needs WAL's shared-memory file, which a read-only folder can't have created for
    it; ``immutable=1`` needs nothing, and is only used then: nobody can be writing such a folder.
    """
    uri = path.resolve().as_uri()
    for flags in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"{uri}?{flags}", uri=True, timeout=30, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
            if flags == "immutable=1":
                raise
            wal = path.with_name(path.name + "-wal")
            if wal.exists() and wal.stat().st_size:  # commits that only a writable open can fold back in
                raise IndexError_(f"cannot read the index at {path.parent} read-only: its last changes are still "
                                  f"in {wal.name}; open it once with write access (quotebot info)") from None
    raise AssertionError("unreachable")


def writable(folder: Path) -> bool:
    """Whether this process may write the index folder and its database (False on a read-only mount)."""
    db = folder / DB_NAME
    return os.access(folder, os.W_OK) and (not db.exists() or os.access(db, os.W_OK))


def _access_problem(folder: Path, exc: BaseException) -> str:
    """What keeps this process from using ``folder``, in words: the file system, or the permissions."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent  # not created yet: its parent is what refused
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "is on a read-only file system"
    except OSError:
        pass
    db = folder / DB_NAME
    if not os.access(folder, os.R_OK | os.X_OK) or (db.exists() and not os.access(db, os.R_OK)):
        return "is not readable by this user (permission denied)"
    if not writable(folder):
        return "is not writable by this user (permission denied)"
    return f"was opened read-only ({getattr(exc, 'strerror', None) or exc})"


def rebuild_command(folder: Path, sources: Sequence[str | Path] = ()) -> str:
    """The shell commands that set a broken index aside and build a new one in its place."""
    where = shlex.quote(str(folder))
    files = " ".join(shlex.quote(str(p)) for p in sources) or "FILES..."
    return f"mv {where} {shlex.quote(str(folder) + '.corrupted')} && quotebot index --index {where} {files}"


def explain(exc: BaseException, folder: Path, writing: bool = False,
            sources: Sequence[str | Path] = ()) -> IndexError_ | None:
    """The one-line error for ``exc`` met opening, reading or writing the index at ``folder``; None when
    it is neither damage nor access (then the caller decides).

    A read-only or unreadable index is intact, and is told so: advice to rebuild it would destroy a good
    index. Only a damaged file gets the rebuild command (``sources``: the files being indexed, if known).
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return IndexError_(f"index at {folder} is corrupted ({exc}: {DB_NAME}); set it aside and index "
                           f"again: {rebuild_command(folder, sources)}")
    code = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")) or code in (
            errno.EACCES, errno.EPERM, errno.EROFS):
        problem = _access_problem(folder, exc)
        if writing:
            intact = "the index is intact and can still be asked. " if (folder / DB_NAME).exists() else ""
            return IndexError_(f"cannot write the index at {folder}: it {problem}; {intact}Make it writable, "
                               "or index into another folder (--index)")
        return IndexError_(f"cannot read the index at {folder}: it {problem}; the index itself is intact")
    return None
