"""Question -> ranked, highlighted passages: hybrid retrieval, fusion, de-duplication and a relevance floor.

Both retrievers propose candidates; every candidate is then scored by both (its cosine from its stored
vector, its BM25 from the keyword index restricted to the candidates), so a passage found by one
retriever is not penalised for being missed by the other's top-k cut.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.config import SearchSettings
from index.embedding import Embedder
from index.highlight import best_sentence, focus
from index.store import ChunkRow, Store
from index.terms import content_terms, fold, fts_query
from index.types import Answer, Passage


@dataclass(frozen=True)
class Scored:
    """A candidate chunk with both retrieval signals and their fusion."""

    row: ChunkRow
    dense: float
    keyword: float
    score: float


def fuse(dense: dict[int, float], keyword: dict[int, float], keyword_weight: float) -> dict[int, float]:
    """Convex combination of cosine and max-normalised BM25 over the same candidates."""
    top = max(keyword.values(), default=0.0)
    out = {}
    for cid in dense.keys() | keyword.keys():
        kw = keyword.get(cid, 0.0) / top if top > 0 else 0.0
        out[cid] = (1 - keyword_weight) * dense.get(cid, 0.0) + keyword_weight * kw
    return out


def _overlaps(a: ChunkRow, b: ChunkRow) -> bool:
    if a.article_id == b.article_id:
        inter = min(a.end, b.end) - max(a.start, b.start)
        return inter > 0.5 * min(a.end - a.start, b.end - b.start)
    return " ".join(fold(a.text).split()) == " ".join(fold(b.text).split())


def _spans_overlap(p: Passage, article_id: str, start: int, end: int) -> bool:
    """Same article and more than half of the shorter span shared: the reader would see it twice."""
    inter = min(p.end, end) - max(p.start, start)
    return p.article_id == article_id and inter > 0.5 * min(p.end - p.start, end - start)


def collapse(ranked: Sequence[Scored], k: int) -> list[Scored]:
    """The best ``k`` candidates with near-duplicates (overlapping spans, syndicated copies) removed."""
    kept: list[Scored] = []
    for cand in ranked:
        if not any(_overlaps(cand.row, other.row) for other in kept):
            kept.append(cand)
            if len(kept) == k:
                break
    return kept


class Searcher:
    """Answers questions against a Store with an Embedder; holds no state between questions."""

    def __init__(self, store: Store, embedder: Embedder, settings: SearchSettings, max_chars: int) -> None:
        self.store = store
        self.max_chars = max_chars
        self.embedder = embedder
        self.settings = settings

    def search_many(self, questions: Sequence[str], k: int | None = None, ids: Sequence[str | None] | None = None) -> list[Answer]:
        """Answers for many questions at once: one encode call, then per-question ranking."""
        k = k or self.settings.results
        ids = list(ids) if ids is not None else [None] * len(questions)
        if not questions:
            return []
        vecs = self.embedder.encode(list(questions))
        _, dense_ids = self.store.vector_search(vecs, self.settings.candidates)
        return [self._answer(q, vecs[i], dense_ids[i], k, ids[i]) for i, q in enumerate(questions)]

    def search(self, question: str, k: int | None = None) -> Answer:
        return self.search_many([question], k)[0]

    def rank(self, question: str, qvec: np.ndarray, dense_ids: Sequence[int]) -> list[Scored]:
        """All candidates for one question, best first."""
        match = fts_query(question)
        keyword_hits = self.store.keyword_search(match, self.settings.candidates)
        candidates = list(dict.fromkeys([int(i) for i in dense_ids if i >= 0] + [cid for cid, _ in keyword_hits]))
        if not candidates:
            return []
        rows = self.store.chunk_rows(candidates)
        candidates = [c for c in candidates if c in rows]
        cos = self.store.reconstruct(candidates) @ qvec
        dense = {cid: float(s) for cid, s in zip(candidates, cos)}
        keyword = dict(self.store.keyword_search(match, len(candidates), within=candidates))
        fused = fuse(dense, keyword, self.settings.keyword_weight)
        ranked = sorted(candidates, key=lambda c: -fused[c])
        return [Scored(rows[c], dense[c], keyword.get(c, 0.0), fused[c]) for c in ranked]

    def _answer(self, question: str, qvec: np.ndarray, dense_ids: Sequence[int], k: int, qid: str | None) -> Answer:
        ranked = [s for s in self.rank(question, qvec, dense_ids) if s.dense >= self.settings.relevance_floor]
        passages = self.quote(question, collapse(ranked, 3 * k), k)
        return Answer(question=question, passages=tuple(passages), id=qid, found=bool(passages))

    def quote(self, question: str, ranked: Sequence[Scored], k: int) -> list[Passage]:
        """Passages that start at each chunk's best sentence, one per distinct highlighted sentence."""
        idf = self._idf(question)
        out: list[Passage] = []
        for s in ranked:
            hs, he = best_sentence(s.row.text, question, idf)
            start = s.row.start + hs
            window = self.store.article_span(s.row.article_id, start, self.max_chars + 1)
            text = window[: focus(window, self.max_chars)]
            if any(_spans_overlap(p, s.row.article_id, start, start + len(text)) for p in out):
                continue
            out.append(Passage(
                article_id=s.row.article_id, title=s.row.title, source=s.row.source, url=s.row.url,
                date=s.row.date, text=text, start=start, end=start + len(text),
                highlight=(0, min(he - hs, len(text))), score=s.score,
            ))
            if len(out) == k:
                break
        return out

    def _idf(self, question: str):
        df, total = self.store.doc_freqs(content_terms(question))

        def idf(term: str) -> float:
            n = df.get(term, 0)
            return math.log(1 + (total - n + 0.5) / (n + 0.5))

        return idf
