"""The one step of the ranking that reads the store: every question's candidates and their statistics.

Per batch of questions: one encode call and one vector search per date range. Per question: one
document-frequency lookup (for the keyword query, BM25 and the question's idf weights at once), one
keyword search, one read of the candidates' rows and one of their vectors. The stages after it
(``index.ranking.stages``) are pure functions of what it returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.models.embedding import QueryEncoder
from index.models.reader import Reading
from index.ranking import bm25
from index.ranking.highlight import Match, Query
from index.ranking.parameters import Parameters
from index.ranking.timeframe import TimeFrame
from index.storage.store import ChunkRow, Store, Where
from index.text.terms import content_terms, query_words


@dataclass(frozen=True)
class Scored:
    """A candidate chunk with its retrieval signals, its sentence match and reading (once made) and its
    score.

    Attributes:
        dense: the cosine of the chunk's stored vector with the question's.
        keyword: the chunk's BM25 over all the question's words, divided by the best candidate's.
    """

    row: ChunkRow
    dense: float
    keyword: float
    score: float = 0.0
    match: Match | None = None
    reading: Reading | None = None

    def relevance(self, dense_share: float) -> float:
        """Absolute evidence that the chunk is about the question, for the floor without the reader."""
        lexical = self.match.lexical if self.match else 0.0
        return dense_share * self.dense + (1 - dense_share) * lexical


@dataclass(frozen=True)
class Retrieved:
    """What the store says about one question: its candidates in retrieval order (vector hits, then
    keyword hits) with their signals, its idf-weighted terms, and the share of that weight held by
    words no chunk contains."""

    question: str
    frame: TimeFrame
    where: Where
    query: Query
    unseen: float
    candidates: tuple[Scored, ...]


def retrieve(store: Store, encoder: QueryEncoder, questions: Sequence[str], frames: Sequence[TimeFrame],
             parameters: Parameters, depth: int, sources: tuple[str, ...] = ()) -> list[Retrieved]:
    """Each question's candidates: the ``depth`` nearest chunks by vector and the ``depth`` best by BM25,
    within its dates and ``sources`` (folded names), each with its cosine and BM25."""
    if not questions:
        return []
    vectors = encoder.encode(list(questions))
    wheres = [Where(since=f.since, until=f.until, sources=sources) for f in frames]
    dense_ids: list[np.ndarray] = [np.zeros(0, np.int64)] * len(questions)
    groups: dict[Where, list[int]] = {}
    for i, w in enumerate(wheres):
        groups.setdefault(w, []).append(i)
    for w, members in groups.items():  # one vector search per date range (one in all, usually)
        _, found = store.vector_search(vectors[members], depth, w)
        for i, row in zip(members, found):
            dense_ids[i] = row
    return [candidates(store, q, vectors[i], dense_ids[i], frames[i], wheres[i], parameters, depth)
            for i, q in enumerate(questions)]


def keyword_terms(question: str) -> tuple[list[str], list[str]]:
    """The question's distinct content words as the keyword index is asked them, and each one's stem
    (what BM25 counts: two words with one stem count twice, as they do in FTS5)."""
    words = query_words(question)
    return words, [(content_terms(w) or [w])[0] for w in words]


def asked_words(words: Sequence[str], phrases: Sequence[str], df: dict[str, int], postings: int) -> list[str]:
    """The words the keyword index is asked: the rarer ones, within ``postings`` (``bm25.candidate_words``)."""
    return bm25.candidate_words(list(words), [df.get(p, 0) for p in phrases], postings)


def candidates(store: Store, question: str, qvec: np.ndarray, dense_ids: np.ndarray, frame: TimeFrame,
               where: Where, parameters: Parameters, depth: int) -> Retrieved:
    """One question's candidates with their signals.

    The keyword index is asked with the question's rarer words only (``bm25.candidate_words``) and every
    candidate, from either retriever, is then scored with all of them (``bm25.scores``).
    """
    words, phrases = keyword_terms(question)
    terms = content_terms(question)
    df, total = store.doc_freqs([*phrases, *terms])

    def idf(term: str) -> float:
        n = df.get(term, 0)
        return math.log(1 + (total - n + 0.5) / (n + 0.5))

    query = Query.of(question, idf)
    unseen = sum(w for t, w in query.terms.items() if not df.get(t)) / (query.weight or 1.0)
    asked = asked_words(words, phrases, df, parameters.fusion.postings)
    keyword_ids = [cid for cid, _ in store.keyword_search(asked, depth, where)]
    ids = list(dict.fromkeys([int(i) for i in dense_ids if i >= 0] + keyword_ids))
    rows = store.chunk_rows(ids) if ids else {}
    ids = [c for c in ids if c in rows]
    if not ids:
        return Retrieved(question, frame, where, query, unseen, ())
    cosines = store.reconstruct(ids) @ qvec
    stats = bm25.Stats(total, store.mean_tokens(), df)
    raw = bm25.scores(phrases, [(rows[c].title, rows[c].text) for c in ids], stats)
    keyword = [s if s > 0 else 0.0 for s in raw]
    top = max(keyword, default=0.0)
    found = tuple(Scored(rows[c], float(cos), kw / top if top > 0 else 0.0)
                  for c, cos, kw in zip(ids, cosines, keyword))
    return Retrieved(question, frame, where, query, unseen, found)
