"""Reads of a local index (``LocalStore``): vectors from the committed FAISS generation, keyword search and
term statistics from SQLite's FTS5, articles and chunks from SQLite; written by ``index.storage.local``."""

from __future__ import annotations

import logging
import shlex
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import faiss
import numpy as np

from index.errors import IndexError_
from index.storage import vectors as vectors_mod
from index.storage.local_files import (DB_NAME, SCHEMA_VERSION, connect, connect_read_only, explain, rebuild_command,
                                       writable)
from index.storage.store import ChunkRow, StoredArticle, Where, token_counts
from index.text.terms import or_query
from index.types import Article, Chunk


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
                conn = connect_read_only(self.db_path) if self.read_only else connect(self.db_path)
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
        conn = connect_read_only(self.db_path) if self.read_only else connect(self.db_path)
        try:
            conn.execute("BEGIN")
            name = conn.execute("SELECT value FROM meta WHERE key = 'vectors'").fetchone()
            index = faiss.read_index(str(self.folder / name[0])) if name else vectors_mod.new_exact(self.dim)
            for aid, title, text, source, url, day, digest in conn.execute(
                    "SELECT id, title, text, source, url, date, content_hash FROM articles ORDER BY rowid"):
                rows = conn.execute('SELECT id, start, "end" FROM chunks WHERE article_id = ? ORDER BY id',
                                    (aid,)).fetchall()
                chunks = tuple(Chunk(aid, start, end, text[start:end]) for _, start, end in rows)
                vecs = (np.vstack([index.reconstruct(int(r[0])) for r in rows]) if rows
                        else np.zeros((0, self.dim), np.float32))
                yield StoredArticle(Article(aid, title, text, source, url, day), digest, chunks, vecs)
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
