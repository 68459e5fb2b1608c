"""Answers pooled across passages: every read passage's spans, grouped by what they say.

The reader's span scores share one normalisation over all of a question's passages (``Reading``), so a
span's probability among everything read is ``exp(logit - norm)`` with ``norm`` the question's normaliser
(``question_norm``); the same answer found in three passages then counts three times. Pure functions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.models.reader import Reading, Span
from index.ranking.retrieval import Scored
from index.text.answer_text import normalize

_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")


def answer_key(text: str) -> str:
    """What two spans must share to be one answer: SQuAD's normalisation with punctuation as spaces, and
    possessives aside."""
    return normalize(_POSSESSIVE.sub("", text.lower()), " ")


def question_norm(readings: Sequence[Reading]) -> float:
    """The log normaliser of one softmax of start (and one of end) over every token of every passage."""
    starts = np.array([r.start_norm for r in readings if r.spans])
    ends = np.array([r.end_norm for r in readings if r.spans])
    if not len(starts):
        return math.inf
    return float(np.logaddexp.reduce(starts) + np.logaddexp.reduce(ends))


def shared(readings: Sequence[Reading]) -> list[Reading]:
    """The readings of one question's passages, each knowing the question's normaliser (``shared_norm``)."""
    norm = question_norm(readings)
    return [replace(r, shared_norm=norm) for r in readings]


@dataclass(frozen=True)
class Candidate:
    """One answer: its pooled probability and where it reads best.

    Attributes:
        key: ``answer_key`` of its text.
        probability: the summed probability of its spans among all spans of all passages read.
        passage: index (in the sequence pooled) of the passage holding its best span, and that span.
        relevance: that passage's relevance logit.
        support: how many passages hold it.
    """

    key: str
    probability: float
    passage: int
    span: Span
    relevance: float
    support: int

    def features(self) -> tuple[float, ...]:
        """The calibration's inputs, in ``index.models.calibration.FEATURES`` order."""
        p = min(max(self.probability, 1e-9), 1 - 1e-9)
        return (math.log(p / (1 - p)), self.span.logit, self.relevance, math.log(self.support))


@dataclass
class _Pool:
    probability: float
    passage: int
    span: Span
    relevance: float
    passages: set[int]


def pooled(passages: Sequence[tuple[str, Reading]]) -> list[Candidate]:
    """Every answer the readings hold, most probable first; ``passages`` are (text, reading) pairs whose
    readings carry the question's normaliser (``shared``)."""
    found: dict[str, _Pool] = {}
    for i, (text, reading) in enumerate(passages):
        for span in reading.spans:
            key = answer_key(text[span.start:span.end])
            if not key:
                continue
            p = math.exp(min(span.logit - reading.shared_norm, 0.0))
            pool = found.get(key)
            if pool is None:
                found[key] = _Pool(p, i, span, reading.relevance, {i})
                continue
            pool.probability += p
            pool.passages.add(i)
            if span.logit > pool.span.logit:
                pool.passage, pool.span, pool.relevance = i, span, reading.relevance
    out = [Candidate(key, min(pool.probability, 1.0), pool.passage, pool.span, pool.relevance, len(pool.passages))
           for key, pool in found.items()]
    return sorted(out, key=lambda c: (-c.probability, -c.span.logit))


def top_answer(ranked: Sequence[Scored]) -> Candidate | None:
    """The most probable answer pooled over the ranked candidates the reader read, or None."""
    read = [(s.row.text, s.reading) for s in ranked if s.reading is not None and s.reading.spans]
    if not read:
        return None
    found = pooled(read)
    return found[0] if found else None


def answer_span(s: Scored, key: str) -> Span | None:
    """The best of the candidate's spans saying the answer ``key``, or None."""
    if s.reading is None:
        return None
    return next((sp for sp in s.reading.spans if answer_key(s.row.text[sp.start:sp.end]) == key), None)
