"""The final ranking turned into what a reader sees: verbatim quotes and, when the reader is sure, the
one-line answer with the independent sources that report it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from index.models.calibration import Calibration
from index.ranking.answers import answer_span, top_answer
from index.ranking.attributed import chunk_attribution
from index.ranking.corroboration import corroborate
from index.ranking.highlight import focus
from index.ranking.quotes import fresh_span, sentence_keys
from index.ranking.retrieval import Scored
from index.ranking.timeframe import TimeFrame
from index.types import AnswerSpan, Passage


def _sentence(s: Scored) -> tuple[int, int]:
    """The highlighted sentence's span in the chunk (the whole chunk while unread)."""
    return s.match.sentence if s.match else (0, len(s.row.text))


def quote(ranked: Iterable[Scored], k: int, max_chars: int) -> list[Passage]:
    """The first ``k`` chunks verbatim, in rank order, each with its best sentence highlighted, none
    repeating a sentence an earlier one showed (``index.ranking.quotes``), and who the highlighted sentence
    says is speaking (``index.ranking.attributed``, over the chunk's text: one run of the rules a quote).

    An earlier rule quoted, in place of a chunk, an overlapping one that leads with the same highlighted
    sentence; it cost answer-recall@1 on both validation folds (bench/folds.py) and was removed.
    """
    out: list[Passage] = []
    shown: set[str] = set()
    for s in ranked:
        hs, he = sentence = _sentence(s)
        start, text = s.row.start, s.row.text
        if len(text) > max_chars:
            # Indexed with longer chunks than the current setting: quote from the best sentence on,
            # within the chunk (past its end may lie a promo line no quote may hold or bridge).
            start = s.row.start + hs
            window = text[hs : hs + max_chars + 1]
            text = window[: focus(window, max_chars)]
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
            attribution=chunk_attribution(s.row.text, sentence, s.row.start) if s.match else None,
        ))
        if len(out) == k:
            break
    return out


def answer_line(ranked: Sequence[Scored], passages: Sequence[Passage], min_confidence: float,
                calibration: Calibration, frame: TimeFrame | None = None) -> AnswerSpan | None:
    """The most probable answer pooled over the read passages (``index.ranking.answers``), verbatim in the
    first quote holding it, when the calibrated probability that it is right is at least ``min_confidence``;
    with the independent sources among ``ranked`` that report it, or the differing answers of comparably
    strong ones (``index.ranking.corroboration``: counted only for an answer shown, within the period
    ``frame`` names)."""
    best = top_answer(ranked)
    if best is None or not passages:
        return None
    confidence = calibration.probability(best.features())
    if confidence < min_confidence:
        return None
    for i, passage in enumerate(passages):
        for s in ranked:
            span = answer_span(s, best.key) if s.row.article_id == passage.article_id else None
            if span is None:
                continue
            start, end = s.row.start + span.start - passage.start, s.row.start + span.end - passage.start
            if 0 <= start < end <= len(passage.text):
                return AnswerSpan(passage.text[start:end], i, start, end, confidence,
                                  corroboration=corroborate(ranked, best.key, frame))
    return None
