"""The local backend: one index folder, SQLite (articles, chunks, FTS5 keyword index, meta) beside FAISS
vector files. The default: nothing to run, one writer at a time (a lock file), any number of readers.

Atomicity: vectors are written to a new generation file ``vectors-<n>.faiss`` first; the SQLite
transaction that records the new chunks also records that file name, so the SQLite commit is the one
commit point. A crash before it leaves the old generation (and an orphan file, removed next time); a
crash after it leaves the new one. Readers reload vectors when the recorded generation changes.
"""

from __future__ import annotations

import errno
import logging
import os
import shlex
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np
from filelock import FileLock, Timeout

from index.storage import vectors as vectors_mod
from index.errors import IndexBusyError, IndexError_
from index.storage.store import ChunkRow, StoredArticle, Where, token_counts
from index.text.terms import TOKENIZE, or_query
from index.types import Article, Chunk

SCHEMA_VERSION = 2  # 2 adds chunks.tokens; a version 1 index gains it when first opened writable
DB_NAME = "quotebot.sqlite3"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, source TEXT, url TEXT, date TEXT,
    content_hash TEXT NOT NULL, origin TEXT
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


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
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


class LocalStore:
    """Reads of the last committed state; thread-safe (one SQLite connection per thread)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)
        self.db_path = folder / DB_NAME
        if not self.db_path.exists():
            raise IndexError_(f"no index at {folder}: run 'quotebot index PATH' first")
        self._local = threading.local()
        self._df_cache: dict[str, int] = {}
        self._df_generation = -1
        self._mean_tokens: tuple[int, float] = (-1, 0.0)
        self._vectors: faiss.Index | None = None
        self._generation = -1
        self._reload_lock = threading.Lock()
        self.read_only = not writable(folder)
        try:
            self.meta = self._read_meta()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise explain(exc, folder) or IndexError_(f"cannot read the index at {folder}: {exc}") from None
            # An empty database: a first ingest was killed, or is creating it right now.
            raise IndexError_(f"no index at {folder} yet: run 'quotebot index PATH' first") from None
        except sqlite3.DatabaseError as exc:
            raise explain(exc, folder) or IndexError_(f"cannot read the index at {folder}: {exc}") from None
        version = int(self.meta.get("schema_version", "0"))
        if version not in (1, SCHEMA_VERSION):
            raise IndexError_(
                f"index at {folder} has schema version {version}, this quotebot reads 1 and {SCHEMA_VERSION}: "
                f"export it with the quotebot that wrote it (quotebot export --index {shlex.quote(str(folder))} "
                "-o articles.jsonl), then index that file into a new folder (quotebot index --index NEW "
                "articles.jsonl)"
            )
        if version == 1 and not self.read_only:
            self._add_token_counts()

    # -- connections and meta -------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = _connect_read_only(self.db_path) if self.read_only else _connect(self.db_path)
            except sqlite3.Error as exc:
                raise explain(exc, self.folder) or IndexError_(
                    f"cannot read the index at {self.folder}: {exc}") from None
            self._local.conn = conn
        return conn

    def _add_token_counts(self) -> None:
        """Schema 1 to 2, once: record each chunk's token count (``mean_tokens`` adds them up).

        Best effort: when another process holds the index for longer than the busy timeout, this one
        reads the totals from FTS5 instead, and a later open upgrades it.
        """
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1":
                    conn.execute("ALTER TABLE chunks ADD COLUMN tokens INTEGER")
                    last = 0
                    while rows := conn.execute("SELECT rowid, title, body FROM chunk_fts WHERE rowid > ? "
                                               "ORDER BY rowid LIMIT 500", (last,)).fetchall():
                        counts = [token_counts(title, [body])[0] for _, title, body in rows]
                        conn.executemany("UPDATE chunks SET tokens = ? WHERE id = ?",
                                         [(n, r[0]) for n, r in zip(counts, rows)])
                        last = rows[-1][0]
                    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            logging.getLogger(__name__).warning("index at %s keeps schema version 1 for now (%s)", self.folder, exc)
            return
        self.meta = self._read_meta()

    def _read_meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    @property
    def model(self) -> str:
        return self.meta["model"]

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    def generation(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # -- vectors --------------------------------------------------------------------------------
    def vectors(self) -> faiss.Index:
        """The FAISS index of the last committed generation, reloaded when a writer has committed."""
        gen = self.generation()
        if gen != self._generation or self._vectors is None:
            with self._reload_lock:
                for _ in range(5):
                    gen = self.generation()
                    if gen == self._generation and self._vectors is not None:
                        break
                    name = self.conn.execute("SELECT value FROM meta WHERE key = 'vectors'").fetchone()
                    if name is None:
                        self._vectors, self._generation = vectors_mod.new_exact(self.dim), gen
                        break
                    try:
                        self._vectors = vectors_mod.prepare(faiss.read_index(str(self.folder / name[0])))
                        self._generation = gen
                        break
                    except RuntimeError:
                        continue  # a writer replaced that file between our two reads: look again
                else:
                    raise IndexError_(f"vector file missing or corrupted in {self.folder}; set it aside and index "
                                     f"again: {rebuild_command(self.folder)}")
        assert self._vectors is not None
        return self._vectors

    def warm(self) -> None:
        self.vectors()

    def vector_search(self, queries: np.ndarray, k: int, where: Where | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The nearest chunks, dates unfiltered: FAISS has no dates, and the Searcher filters candidates."""
        index = self.vectors()
        if index.ntotal == 0:
            n = len(queries)
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        return vectors_mod.search(index, np.ascontiguousarray(queries, dtype=np.float32), min(k, index.ntotal))

    def reconstruct(self, ids: Sequence[int]) -> np.ndarray:
        index = self.vectors()
        return np.vstack([index.reconstruct(int(i)) for i in ids]) if ids else np.zeros((0, self.dim))

    # -- rows -----------------------------------------------------------------------------------
    def chunk_rows(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            # The chunk's text is read from its keyword row: substr() over the article would load the whole
            # article once per chunk, which is quadratic for a long one.
            f"""SELECT c.id, c.article_id, a.title, a.source, a.url, a.date, c.start, c."end", f.body
                FROM chunks c JOIN articles a ON a.id = c.article_id JOIN chunk_fts f ON f.rowid = c.id
                WHERE c.id IN ({marks})""",
            ids,
        ).fetchall()
        return {r[0]: ChunkRow(*r) for r in rows}

    def keyword_search(self, words: Sequence[str], limit: int, where: Where | None = None) -> list[tuple[int, float]]:
        """(chunk id, FTS5 BM25 score, higher is better) of chunks holding any of ``words``; dates unfiltered."""
        match = or_query(words)
        if not match:
            return []
        sql = ("SELECT rowid, -bm25(chunk_fts, 0.5, 1.0) FROM chunk_fts WHERE chunk_fts MATCH ? "
               "ORDER BY bm25(chunk_fts, 0.5, 1.0) LIMIT ?")
        return [(int(r), float(s)) for r, s in self.conn.execute(sql, (match, limit)).fetchall()]

    def mean_tokens(self) -> float:
        """Mean tokens per keyword row (title and body), BM25's average document length; cached per
        committed generation."""
        gen = self.generation()
        cached = self._mean_tokens
        if cached[0] != gen:
            if self.meta.get("schema_version") == str(SCHEMA_VERSION):
                rows, tokens = self.conn.execute("SELECT count(*), total(tokens) FROM chunks").fetchone()
            else:
                # A version 1 index not (yet) upgraded, e.g. a read-only one: FTS5's count, one pass over
                # every token.
                self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunk_tokens "
                                  "USING fts5vocab(main, chunk_fts, 'instance')")
                rows = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
                tokens = self.conn.execute("SELECT count(*) FROM temp.chunk_tokens").fetchone()[0]
            cached = self._mean_tokens = (gen, tokens / rows if rows else 0.0)
        return cached[1]

    def doc_freqs(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """Chunk counts per (stemmed) term and the total chunk count, for idf weights.

        Cached per committed generation: fts5vocab lookups cost milliseconds per term on a large index.
        """
        gen = self.generation()
        if gen != self._df_generation:
            # Built whole, then swapped in: other threads read the cache while it is replaced.
            total = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            self._df_cache, self._df_generation = {"": total}, gen
        cache = self._df_cache
        missing = sorted(set(terms) - cache.keys())
        if missing:
            marks = ",".join("?" * len(missing))
            found = dict(self.conn.execute(f"SELECT term, doc FROM chunk_vocab WHERE term IN ({marks})", missing))
            for term in missing:
                cache[term] = found.get(term, 0)
        return {t: cache[t] for t in set(terms) if cache.get(t)}, cache[""]

    def article_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for lo in range(0, len(ids), 500):
            part = list(ids[lo : lo + 500])
            marks = ",".join("?" * len(part))
            out.update(self.conn.execute(f"SELECT id, content_hash FROM articles WHERE id IN ({marks})", part))
        return out

    def page_validators(self, urls: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """URL -> (ETag, Last-Modified) of fetched pages whose article is still indexed."""
        out: dict[str, tuple[str | None, str | None]] = {}
        try:
            for lo in range(0, len(urls), 500):
                part = list(urls[lo : lo + 500])
                marks = ",".join("?" * len(part))
                for url, etag, modified in self.conn.execute(
                        f"SELECT p.url, p.etag, p.last_modified FROM pages p JOIN articles a ON a.id = p.article_id "
                        f"WHERE p.url IN ({marks}) AND (p.etag IS NOT NULL OR p.last_modified IS NOT NULL)", part):
                    out[url] = (etag, modified)
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
        return out  # an index from before pages were fetched (read-only, or not yet written) has none

    def articles(self) -> Iterator[Article]:
        for row in self.conn.execute("SELECT id, title, text, source, url, date FROM articles ORDER BY rowid"):
            yield Article(*row)

    def stored(self) -> Iterator[StoredArticle]:
        """Every article with its chunks and vectors, read from one snapshot (a read transaction)."""
        conn = _connect_read_only(self.db_path) if self.read_only else _connect(self.db_path)
        try:
            conn.execute("BEGIN")
            name = conn.execute("SELECT value FROM meta WHERE key = 'vectors'").fetchone()
            index = faiss.read_index(str(self.folder / name[0])) if name else vectors_mod.new_exact(self.dim)
            for aid, title, text, source, url, day, digest, origin in conn.execute(
                    "SELECT id, title, text, source, url, date, content_hash, origin FROM articles ORDER BY rowid"):
                rows = conn.execute('SELECT id, start, "end" FROM chunks WHERE article_id = ? ORDER BY id',
                                    (aid,)).fetchall()
                chunks = tuple(Chunk(aid, start, end, text[start:end]) for _, start, end in rows)
                vecs = (np.vstack([index.reconstruct(int(r[0])) for r in rows]) if rows
                        else np.zeros((0, self.dim), np.float32))
                yield StoredArticle(Article(aid, title, text, source, url, day, origin or ""), digest, chunks, vecs)
        finally:
            conn.close()

    def counts(self) -> tuple[int, int]:
        a = self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        c = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return a, c

    def check(self) -> list[str]:
        """Cross-check SQLite, the keyword index and the vectors; returns what is wrong.

        Each query sees the latest commit, so a check that a writer's commit lands in the middle of is run
        again: only one whose generation did not move compared a single committed state.
        """
        for _ in range(20):
            gen = self.generation()
            problems = self._check()
            if self.generation() == gen == self._generation:
                break
        return problems

    def _check(self) -> list[str]:
        problems = [f"sqlite: {r[0]}" for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        chunk_ids = {r[0] for r in self.conn.execute("SELECT id FROM chunks")}
        index = self.vectors()
        vector_ids = set(vectors_mod.ids_of(index).tolist())
        if index.ntotal != len(vector_ids):
            problems.append(f"vectors: {index.ntotal - len(vector_ids)} duplicate ids")
        for label, missing in (("chunks without a vector", chunk_ids - vector_ids),
                               ("vectors without a chunk", vector_ids - chunk_ids)):
            if missing:
                problems.append(f"{label}: {len(missing)} (e.g. id {min(missing)})")
        fts_ids = {r[0] for r in self.conn.execute("SELECT rowid FROM chunk_fts")}
        if fts_ids != chunk_ids:
            problems.append(f"keyword index: {len(fts_ids ^ chunk_ids)} rows out of step with chunks")
        for article_id, text in self.conn.execute("SELECT id, text FROM articles"):
            spans = self.conn.execute(
                'SELECT c.id, c.start, c."end", f.body FROM chunks c LEFT JOIN chunk_fts f ON f.rowid = c.id '
                "WHERE c.article_id = ?", (article_id,))
            for cid, start, end, body in spans:
                if not 0 <= start < end <= len(text):
                    problems.append(f"chunk {cid}: span {start}:{end} outside its article")
                elif body is not None and body != text[start:end]:
                    problems.append(f"chunk {cid}: keyword text differs from its article span")
        orphans = self.conn.execute(
            "SELECT count(*) FROM chunks WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
        if orphans:
            problems.append(f"chunks without an article: {orphans}")
        return problems

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def create_store(folder: Path, model: str, dim: int) -> None:
    """Make an empty index folder recording the model; a no-op when one is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = _connect(folder / DB_NAME)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for stmt in _SCHEMA.strip().split(";"):
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
        self.vectors = faiss.clone_index(store.vectors()) if store.vectors().ntotal else vectors_mod.new_exact(store.dim)
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

    def add(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray, digest: str, origin: str) -> None:
        """Insert (or replace) an article with its chunks and their vectors."""
        self.delete([article.id])
        self.conn.execute(
            "INSERT INTO articles(id, title, text, source, url, date, content_hash, origin) VALUES (?,?,?,?,?,?,?,?)",
            (article.id, article.title, article.text, article.source, article.url, article.date, digest, origin),
        )
        ids = []
        for c, tokens in zip(chunks, token_counts(article.title, [c.text for c in chunks])):
            cur = self.conn.execute(
                'INSERT INTO chunks(article_id, start, "end", tokens) VALUES (?, ?, ?, ?)',
                (article.id, c.start, c.end, tokens),
            )
            ids.append(cur.lastrowid)
            self.conn.execute("INSERT INTO chunk_fts(rowid, title, body) VALUES (?, ?, ?)", (cur.lastrowid, article.title, c.text))
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
                dim = dim()
                create_store(self.folder, model, dim)
                store = LocalStore(self.folder)
                try:
                    if store.model != model:
                        raise IndexError_(f"index at {self.folder} was built with model '{store.model}', not '{model}': "
                                          "index into a new folder (--index)")
                    if store.dim != dim:
                        raise IndexError_(f"index dimension {store.dim} differs from the model's {dim}")
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
