"""Question -> ranked, highlighted passages: hybrid retrieval, fusion, a lexical re-rank, de-duplication
and a relevance floor.

1. Candidates: the nearest chunks by vector and the best chunks by BM25 (``search.candidates`` each).
2. Fusion: every candidate gets its cosine (from its stored vector) and its BM25 normalised by the best
   keyword hit (0 when the keyword index did not return it), mixed by ``search.keyword_weight``.
3. Re-rank: the best ``Rerank.depth`` (30) fused candidates are read sentence by sentence. How much of the
   question's idf weight one sentence holds, and how many of the question's adjacent term pairs occur side
   by side, are evidence that whole-chunk scores blur; they are added to the fused score.
4. Time: candidates the question's time frame excludes are dropped (published after the asking day, or
   outside --since/--until); the rest lose ``recency * log(1 + days)`` from the period asked about
   (``index.ranking.timeframe``).
5. Reader: the best ``rerank.candidates`` are read by the trained reader (``index.models.reader``); its z-scored
   relevance, weighted, is added to their z-scored score. Weights chosen on validation folds
   (bench/folds.py).
6. Floor: "nothing found" when no read candidate's reader relevance reaches ``rerank.min_relevance``.
   Without the reader, a candidate's relevance is ``(2 * cosine + sentence share) / 3`` and the
   question's is the best candidate's, less a penalty for question words no chunk contains, against
   ``search.relevance_floor``.
7. Quote: each passage is a ranked chunk the evidence supports (within ``Rerank.evidence_margin`` of the
   first), verbatim, in rank order, trimmed to the sentences no earlier quote showed (``index.ranking.quotes``),
   with the sentence holding the
   reader's answer span (else its best-matching sentence) highlighted; the span itself, when the reader
   is confident of it, is the one-line answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.ranking import bm25
from index.config import RerankSettings, SearchSettings
from index.text.dates import parse_date
from index.models.embedding import Embedder
from index.ranking.highlight import Match, Query, focus, match, sentence_at
from index.ranking.quotes import fresh_span, sentence_keys
from index.models.reader import Reader, Reading
from index.storage.store import ChunkRow, Store, Where, source_key
from index.text.terms import content_terms, fold, query_words
from index.ranking.timeframe import TimeFrame
from index.types import Answer, AnswerSpan, Passage


@dataclass(frozen=True)
class Rerank:
    """The re-ranking and relevance constants; measured on the shared eval sets (bench/README.md).

    Attributes:
        depth: how many fused candidates are read sentence by sentence; deeper changed no ranking.
        lexical: weight of the best sentence's share of the question's idf weight.
        phrase: weight of the share of the question's adjacent term pairs found side by side.
        dense_share: the cosine's part in the relevance compared to the floor (the rest: the sentence share).
        postings: the most chunk-word postings the keyword index is asked to score per question; the
            commonest words beyond it are left to the candidates' own BM25 (``bm25``).
        unseen_penalty: taken off the relevance per unit of the question's idf weight held by words that
            no chunk contains: a question about something not indexed names things the index never saw.
        reader_weight: weight of the trained reader's z-scored relevance against the z-scored retrieval
            score, over the candidates it reads.
        recency: taken off a candidate's fused score per log(1 + days) between its article's date and
            the period the question is about (by default the asking day; ``index.ranking.timeframe``).
        evidence_margin: once the reader has read them, a later quote is shown only when its score is
            within this many standard deviations of the first quote's: a clear winner gets fewer quotes
            (bench/quote_count.py chose it on one half of the questions and checked it on the other).
    """

    depth: int = 30
    lexical: float = 0.25
    phrase: float = 0.25
    dense_share: float = 2 / 3
    postings: int = 10_000
    unseen_penalty: float = 0.1
    reader_weight: float = 0.5
    recency: float = 0.08
    evidence_margin: float = 4.0  # fold A's choice, which held on B (B's 3 lost 2 points of R@5 on A)


DEFAULT_RERANK = Rerank()


@dataclass(frozen=True)
class Scored:
    """A candidate chunk with its retrieval signals, its sentence match (once read) and its score."""

    row: ChunkRow
    dense: float
    keyword: float
    score: float
    match: Match | None = None
    reading: Reading | None = None

    def relevance(self, dense_share: float = DEFAULT_RERANK.dense_share) -> float:
        """Absolute evidence that the chunk is about the question, for the floor."""
        lexical = self.match.lexical if self.match else 0.0
        return dense_share * self.dense + (1 - dense_share) * lexical


def fuse(dense: dict[int, float], keyword: dict[int, float], keyword_weight: float) -> dict[int, float]:
    """Convex combination of cosine and max-normalised BM25 over the same candidates."""
    top = max(keyword.values(), default=0.0)
    out = {}
    for cid in dense.keys() | keyword.keys():
        kw = keyword.get(cid, 0.0) / top if top > 0 else 0.0
        out[cid] = (1 - keyword_weight) * dense.get(cid, 0.0) + keyword_weight * kw
    return out


def rerank(scored: Sequence[Scored], query: Query, settings: Rerank = DEFAULT_RERANK) -> list[Scored]:
    """The first ``settings.depth`` candidates re-scored with their sentence match, best first; the rest
    follow in their fused order."""
    head = []
    for s in scored[: settings.depth]:
        m = match(s.row.text, query)
        head.append(replace(s, match=m, score=s.score + settings.lexical * m.lexical + settings.phrase * m.phrase))
    head.sort(key=lambda s: -s.score)
    return head + list(scored[settings.depth :])


def _overlaps(a: ChunkRow, b: ChunkRow) -> bool:
    """Two windows of one article sharing more than half of the shorter one."""
    if a.article_id != b.article_id:
        return False
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0.5 * min(a.end - a.start, b.end - b.start)


def _copy_key(row: ChunkRow) -> str:
    """The text as a reader sees it: syndicated copies of a story share it."""
    return " ".join(fold(row.text).split())


def _sentence(s: Scored) -> tuple[int, int]:
    """The highlighted sentence's span in the chunk (the whole chunk while unread)."""
    return s.match.sentence if s.match else (0, len(s.row.text))


def collapse(ranked: Sequence[Scored], k: int) -> list[Scored]:
    """The best ``k`` candidates with near-duplicates (overlapping spans, syndicated copies) removed."""
    kept: list[Scored] = []
    texts: set[str] = set()
    for cand in ranked:
        if any(_overlaps(cand.row, other.row) for other in kept):
            continue
        text = _copy_key(cand.row)  # once per candidate: folding is the costly part
        if text not in texts:
            texts.add(text)
            kept.append(cand)
            if len(kept) == k:
                break
    return kept


def zscores(values: Sequence[float]) -> np.ndarray:
    """(x - mean) / std; all zeros when the values do not vary."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return x
    sd = x.std()
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)


def weigh_time(ranked: Sequence[Scored], frame: TimeFrame, recency: float) -> list[Scored]:
    """Scores less ``recency * log(1 + days)`` from the period asked about; re-sorted.

    The penalty is on the fused score's own scale (cosine and normalised BM25, 0 to about 1.5), which
    means the same on every question; an undated article gets the mean penalty of the dated candidates:
    neither preferred nor pushed down.
    """
    if not ranked or frame.period is None or recency == 0:
        return list(ranked)
    days = [parse_date(s.row.date) for s in ranked]
    penalty = [math.log1p(frame.distance(d)) if d else None for d in days]
    dated = [p for p in penalty if p is not None]
    mean = sum(dated) / len(dated) if dated else 0.0
    out = [replace(s, score=s.score - recency * (mean if p is None else p)) for s, p in zip(ranked, penalty)]
    out.sort(key=lambda s: -s.score)
    return out


def _reader_highlight(s: Scored) -> Scored:
    """Highlight the sentence holding the reader's answer span, where it found one."""
    if s.reading is None or s.reading.span is None or s.match is None:
        return s
    return replace(s, match=replace(s.match, sentence=sentence_at(s.row.text, s.reading.span[0])))


class Searcher:
    """Answers questions against a Store with an Embedder (and the reader, when given); holds no state
    between questions."""

    def __init__(self, store: Store, embedder: Embedder, settings: SearchSettings, max_chars: int,
                 rerank: Rerank = DEFAULT_RERANK, reader: Reader | None = None,
                 reading: RerankSettings | None = None, sources: Sequence[str] = ()) -> None:
        self.store = store
        self.sources = tuple(sorted({source_key(s) for s in sources}))
        self.max_chars = max_chars
        self.embedder = embedder
        self.settings = settings
        self.rerank_settings = rerank
        self.reader = reader
        self.reading = reading or RerankSettings()

    def search_many(self, questions: Sequence[str], k: int | None = None, ids: Sequence[str | None] | None = None,
                    frames: Sequence[TimeFrame | None] | None = None) -> list[Answer]:
        """Answers for many questions at once: one encode call, then per-question ranking."""
        k = k or self.settings.results
        ids = list(ids) if ids is not None else [None] * len(questions)
        frames = list(frames) if frames is not None else [None] * len(questions)
        if not questions:
            return []
        frames = [f or TimeFrame() for f in frames]
        vecs = self.embedder.encode(list(questions))
        dense_ids: list[np.ndarray] = [np.zeros(0, np.int64)] * len(questions)
        groups: dict[Where, list[int]] = {}
        for i, f in enumerate(frames):
            groups.setdefault(self.where(f), []).append(i)
        for w, members in groups.items():  # one vector search per date range (one in all, usually)
            _, found = self.store.vector_search(vecs[members], self._depth(k), w)
            for i, row in zip(members, found):
                dense_ids[i] = row
        return [self._answer(q, vecs[i], dense_ids[i], k, ids[i], frames[i]) for i, q in enumerate(questions)]

    def where(self, frame: TimeFrame) -> Where:
        """What a store can filter by inside its search: the question's dates and the sources asked for."""
        return Where(since=frame.since, until=frame.until, sources=self.sources)

    def search(self, question: str, k: int | None = None) -> Answer:
        return self.search_many([question], k)[0]

    def _depth(self, k: int) -> int:
        return max(self.settings.candidates, k)

    def fused(self, question: str, qvec: np.ndarray, dense_ids: Sequence[int],
              depth: int | None = None, frame: TimeFrame | None = None) -> list[Scored]:
        """All candidates for one question in fused order, not yet re-ranked.

        The keyword index is asked with the question's rarer words only (``bm25.candidate_words``) and
        every candidate, from either retriever, is then scored with all of them (``bm25.scores``).
        """
        depth = depth or self.settings.candidates
        words = query_words(question)
        phrases = [(content_terms(w) or [w])[0] for w in words]
        df, rows_total = self.store.doc_freqs(phrases)
        asked = bm25.candidate_words(words, [df.get(p, 0) for p in phrases], self.rerank_settings.postings)
        keyword_ids = [cid for cid, _ in self.store.keyword_search(asked, depth, self.where(frame or TimeFrame()))]
        candidates = list(dict.fromkeys([int(i) for i in dense_ids if i >= 0] + keyword_ids))
        if not candidates:
            return []
        rows = self.store.chunk_rows(candidates)
        candidates = [c for c in candidates if c in rows]
        if not candidates:
            return []
        cos = self.store.reconstruct(candidates) @ qvec
        dense = {cid: float(s) for cid, s in zip(candidates, cos)}
        stats = bm25.Stats(rows_total, self.store.mean_tokens(), df)
        kw = bm25.scores(phrases, [(rows[c].title, rows[c].text) for c in candidates], stats)
        keyword = {c: s for c, s in zip(candidates, kw) if s > 0}
        fused = fuse(dense, keyword, self.settings.keyword_weight)
        top = max(keyword.values(), default=0.0)
        ranked = sorted(candidates, key=lambda c: -fused[c])
        return [Scored(rows[c], dense[c], keyword.get(c, 0.0) / top if top > 0 else 0.0, fused[c]) for c in ranked]

    def rank(self, question: str, qvec: np.ndarray, dense_ids: Sequence[int], depth: int | None = None,
             frame: TimeFrame | None = None, query: Query | None = None) -> list[Scored]:
        """All candidates for one question that its time frame allows, best first (``query``: the
        question's weighted terms, when the caller already has them)."""
        frame = frame or TimeFrame()
        query = query or self.query(question)
        w = self.where(frame)
        fused = [s for s in self.fused(question, qvec, dense_ids, depth, frame)
                 if frame.allows(parse_date(s.row.date)) and w.allows_source(s.row.source)]
        ranked = weigh_time(rerank(fused, query, self.rerank_settings), frame, self.rerank_settings.recency)
        if self.reader is not None and self.reading.enabled:
            ranked = self.read(question, ranked)
        return ranked

    def read(self, question: str, ranked: Sequence[Scored]) -> list[Scored]:
        """The first ``rerank.candidates`` re-scored with the reader (z-scored, fused with their own
        z-scored score); the rest follow, below them, in their order."""
        head = list(ranked[: self.reading.candidates])
        readings = self.reader.read(question, [s.row.text for s in head]) if head else []
        mixed = zscores([s.score for s in head]) + self.rerank_settings.reader_weight * zscores(
            [r.relevance for r in readings])
        head = sorted((replace(s, score=float(m), reading=r) for s, m, r in zip(head, mixed, readings)),
                      key=lambda s: -s.score)
        floor = min((s.score for s in head), default=0.0)
        tail = [replace(s, score=min(s.score, floor - 1e-3 * (i + 1))) for i, s in enumerate(ranked[len(head):])]
        return head + tail

    def _answer(self, question: str, qvec: np.ndarray, dense_ids: Sequence[int], k: int, qid: str | None,
                frame: TimeFrame) -> Answer:
        query = self.query(question)
        ranked = self.rank(question, qvec, dense_ids, self._depth(k), frame, query)
        if not self.found(ranked, query):
            return Answer(question=question, passages=(), id=qid, found=False)
        distinct = [s if s.match else replace(s, match=match(s.row.text, query)) for s in collapse(ranked, 3 * k)]
        distinct = [_reader_highlight(s) for s in self.supported(distinct)]
        passages = self.quote(distinct, k)
        return Answer(question=question, passages=tuple(passages), id=qid, found=bool(passages),
                      answer=self.answer_line(distinct, passages))

    def supported(self, ranked: Sequence[Scored]) -> list[Scored]:
        """The candidates the evidence supports quoting: the first, and those the reader read whose score
        is within ``evidence_margin`` of it (scores are then z-scored). Unread rankings keep them all."""
        if not ranked or ranked[0].reading is None:
            return list(ranked)
        bar = ranked[0].score - self.rerank_settings.evidence_margin
        return [ranked[0]] + [s for s in ranked[1:] if s.reading is not None and s.score >= bar]

    def found(self, ranked: Sequence[Scored], query: Query) -> bool:
        """Whether anything answers: the reader's best relevance against its floor when it read the
        candidates, else the lexical-and-cosine relevance against ``search.relevance_floor``."""
        read = [s.reading.relevance for s in ranked if s.reading is not None]
        if read:
            return max(read) >= self.reading.min_relevance
        return bool(ranked) and self.relevance(ranked, query) >= self.settings.relevance_floor

    def answer_line(self, ranked: Sequence[Scored], passages: Sequence[Passage]) -> AnswerSpan | None:
        """The reader's answer words inside the first quote, when it is confident enough of them."""
        if not passages:
            return None
        first = passages[0]
        for s in ranked:
            r = s.reading
            if r is None or r.span is None or s.row.article_id != first.article_id:
                continue
            start, end = s.row.start + r.span[0] - first.start, s.row.start + r.span[1] - first.start
            if 0 <= start < end <= len(first.text):
                if r.confidence < self.reading.answer_confidence:
                    return None
                return AnswerSpan(first.text[start:end], 0, start, end, r.confidence)
        return None

    def relevance(self, ranked: Sequence[Scored], query: Query) -> float:
        """One figure per question, compared to the floor: the best read candidate's relevance, less the
        penalty for question words the index has never seen.

        One decision per question: a weaker passage after a relevant one is still shown (ranked below it);
        dropping each passage under the floor cost answer-recall@5 and bought nothing measurable.
        """
        settings = self.rerank_settings
        best = max((s.relevance(settings.dense_share) for s in ranked if s.match), default=0.0)
        df, _ = self.store.doc_freqs(query.terms)
        unseen = sum(w for t, w in query.terms.items() if not df.get(t)) / (query.weight or 1.0)
        return best - settings.unseen_penalty * unseen

    def quote(self, ranked: Iterable[Scored], k: int) -> list[Passage]:
        """The first ``k`` chunks verbatim, in rank order, each with its best sentence highlighted, none
        repeating a sentence an earlier one showed (``index.ranking.quotes``).

        An earlier rule quoted, in place of a chunk, an overlapping one that leads with the same highlighted
        sentence; it cost answer-recall@1 on both validation folds (bench/folds.py) and was removed.
        """
        out: list[Passage] = []
        shown: set[str] = set()
        for s in ranked:
            hs, he = _sentence(s)
            start, text = s.row.start, s.row.text
            if len(text) > self.max_chars:
                # Indexed with longer chunks than the current setting: quote from the best sentence on,
                # within the chunk (past its end may lie a promo line no quote may hold or bridge).
                start = s.row.start + hs
                window = text[hs : hs + self.max_chars + 1]
                text = window[: focus(window, self.max_chars)]
                hs, he = 0, he - hs
            fresh = fresh_span(text, (hs, he), shown)
            if fresh is None:
                continue
            a, b = fresh
            text, start, hs, he = text[a:b], start + a, max(0, hs - a), he - a
            shown |= sentence_keys(text)
            out.append(Passage(
                article_id=s.row.article_id, title=s.row.title, source=s.row.source, url=s.row.url,
                date=s.row.date, text=text, start=start, end=start + len(text),
                highlight=(hs, min(he, len(text))), score=s.score,
            ))
            if len(out) == k:
                break
        return out

    def query(self, question: str) -> Query:
        """The question's terms weighted by their idf over the indexed chunks."""
        df, total = self.store.doc_freqs(content_terms(question))

        def idf(term: str) -> float:
            n = df.get(term, 0)
            return math.log(1 + (total - n + 0.5) / (n + 0.5))

        return Query.of(question, idf)
