"""Every ranking constant in one object, grouped by the stage that reads it.

The user-tunable fields are filled from the config (``[search]``, ``[reader]``, ``[chunking] max_chars``);
the rest were chosen on one part of the shared data and checked on another (bench/README.md, bench/folds.py)
and are not configurable. Nothing else in the ranking holds a number that changes an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from index.config import Settings


@dataclass(frozen=True)
class Fusion:
    """Candidates and how their retrieval signals are mixed.

    Attributes:
        candidates: chunks asked of each retriever (vector and keyword) per question ([search]).
        keyword_weight: BM25's part in the convex mix with the cosine ([search]).
        postings: the most chunk-word postings the keyword index is asked to score per question; the
            commonest words beyond it are left to the candidates' own BM25 (``bm25.candidate_words``).
    """

    candidates: int = 40
    keyword_weight: float = 0.5
    postings: int = 10_000


@dataclass(frozen=True)
class Evidence:
    """The sentence re-rank: what whole-chunk scores blur.

    Attributes:
        depth: how many fused candidates are read sentence by sentence; deeper changed no ranking.
        lexical: weight of the best sentence's share of the question's idf weight.
        phrase: weight of the share of the question's adjacent term pairs found side by side.
    """

    depth: int = 30
    lexical: float = 0.25
    phrase: float = 0.25


@dataclass(frozen=True)
class Time:
    """Asking time (``index.ranking.timeframe``).

    Attributes:
        recency: taken off a candidate's fused score per log(1 + days) between its article's date and the
            period the question is about (by default the asking day).
    """

    recency: float = 0.08


@dataclass(frozen=True)
class Reading:
    """How the trained reader's verdict enters the ranking.

    Attributes:
        candidates: the best candidates read per question ([reader]).
        weight: weight of the reader's z-scored relevance against the z-scored retrieval score.
        window: characters read around each candidate's best sentence (0: the whole chunk).
    """

    candidates: int = 20
    weight: float = 0.5
    window: int = 0


@dataclass(frozen=True)
class Floors:
    """When to say "nothing found", how many quotes to show, and when to say the answer.

    Attributes:
        min_relevance: the reader's best relevance (a logit) a question needs to be answered ([reader]).
        answer_confidence: the calibrated probability of being right the one-line answer needs ([reader];
            ``index.models.calibration``).
        relevance_floor: without the reader, the relevance a question needs ([search]).
        dense_share: without the reader, the cosine's part in a candidate's relevance (the rest: its
            best sentence's idf share).
        unseen_penalty: without the reader, taken off the relevance per unit of the question's idf weight
            held by words no chunk contains: a question about something not indexed names unseen things.
        evidence_margin: once the reader has read them, a later quote is shown only when its score is
            within this many standard deviations of the first quote's (bench/quote_count.py chose 4 on
            one half of the questions; it held on the other).
    """

    min_relevance: float = -2.64
    answer_confidence: float = 0.85
    relevance_floor: float = 0.25
    dense_share: float = 2 / 3
    unseen_penalty: float = 0.1
    evidence_margin: float = 4.0


@dataclass(frozen=True)
class Quoting:
    """What an answer shows.

    Attributes:
        results: quotes per answer when the caller does not say ([search]).
        max_chars: the longest quote; a chunk indexed longer is quoted from its best sentence ([chunking]).
    """

    results: int = 5
    max_chars: int = 700


@dataclass(frozen=True)
class Parameters:
    """The ranking's constants, one group per stage."""

    fusion: Fusion = field(default_factory=Fusion)
    evidence: Evidence = field(default_factory=Evidence)
    time: Time = field(default_factory=Time)
    reading: Reading = field(default_factory=Reading)
    floors: Floors = field(default_factory=Floors)
    quoting: Quoting = field(default_factory=Quoting)

    @classmethod
    def from_settings(cls, settings: Settings) -> Parameters:
        """The defaults with the config's tunable fields filled in."""
        search, reader = settings.search, settings.reader
        return cls(
            fusion=Fusion(candidates=search.candidates, keyword_weight=search.keyword_weight),
            reading=Reading(candidates=reader.candidates),
            floors=Floors(min_relevance=reader.min_relevance, answer_confidence=reader.answer_confidence,
                          relevance_floor=search.relevance_floor),
            quoting=Quoting(results=search.results, max_chars=settings.chunking.max_chars),
        )
