"""The ranking stages after retrieval, in the order ``index.ranking.pipeline.STAGES`` runs them.

Each stage takes the candidates ranked so far and the question's ``Context`` and returns a new ranking;
none reads the store (``index.ranking.retrieval`` did that once). The reader stage runs the trained
reader, the only model call among them. A stage dropped by name (an ablation) leaves the others as
they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from index.models.calibration import Calibration
from index.models.reader import Reading
from index.ranking.answers import answer_span, shared, top_answer
from index.ranking.highlight import match, reading_window, sentence_at
from index.ranking.parameters import Parameters
from index.ranking.retrieval import Retrieved, Scored
from index.storage.store import ChunkRow
from index.text.dates import parse_date
from index.text.terms import fold


class Reads(Protocol):
    """What the ranking needs of a reader (``index.models.reader.Reader``, or a test's stand-in)."""

    calibration: Calibration

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]: ...


@dataclass(frozen=True)
class Context:
    """Everything a stage may read about one question: what retrieval found, the parameters, the reader
    (None when it is off) and the number of quotes asked for."""

    retrieved: Retrieved
    parameters: Parameters
    reader: Reads | None
    k: int


def fuse(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """Each candidate's score is the convex mix of its cosine and its max-normalised BM25; best first."""
    w = ctx.parameters.fusion.keyword_weight
    scored = [replace(s, score=(1 - w) * s.dense + w * s.keyword) for s in ranked]
    return sorted(scored, key=lambda s: -s.score)


def within_frame(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """Only the candidates the question's dates allow (never published after the asking day, within
    --since/--until) and, when sources were named, from those sources; a store may filter inside its
    search, this checks every candidate again."""
    frame, where = ctx.retrieved.frame, ctx.retrieved.where
    return [s for s in ranked if frame.allows(parse_date(s.row.date)) and where.allows_source(s.row.source)]


def sentence_evidence(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """The first ``evidence.depth`` candidates read sentence by sentence, their best sentence's idf share
    and side-by-side term pairs added to their score, re-sorted; the rest follow in their order."""
    p = ctx.parameters.evidence
    query = ctx.retrieved.query
    head = []
    for s in ranked[: p.depth]:
        m = match(s.row.text, query)
        head.append(replace(s, match=m, score=s.score + p.lexical * m.lexical + p.phrase * m.phrase))
    head.sort(key=lambda s: -s.score)
    return head + list(ranked[p.depth :])


def recency(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """Scores less ``time.recency * log(1 + days)`` from the period asked about; re-sorted.

    The penalty is on the fused score's own scale (cosine and normalised BM25, 0 to about 1.5), which
    means the same on every question; an undated article gets the mean penalty of the dated candidates:
    neither preferred nor pushed down.
    """
    frame, weight = ctx.retrieved.frame, ctx.parameters.time.recency
    if not ranked or frame.period is None or weight == 0:
        return list(ranked)
    days = [parse_date(s.row.date) for s in ranked]
    penalty = [math.log1p(frame.distance(d)) if d else None for d in days]
    dated = [p for p in penalty if p is not None]
    mean = sum(dated) / len(dated) if dated else 0.0
    out = [replace(s, score=s.score - weight * (mean if p is None else p)) for s, p in zip(ranked, penalty)]
    out.sort(key=lambda s: -s.score)
    return out


def zscores(values: Sequence[float]) -> np.ndarray:
    """(x - mean) / std; all zeros when the values do not vary."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return x
    sd = x.std()
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)


def read(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """The first ``reading.candidates`` re-scored with the reader: their z-scored score plus its weighted
    z-scored relevance; the rest follow, below them, in their order. Unchanged when the reader is off.

    Each is read in a window of ``reading.window`` characters around its best sentence (``reading_window``);
    its spans are given back in the chunk's own characters."""
    if ctx.reader is None:
        return list(ranked)
    p = ctx.parameters.reading
    head = list(ranked[: p.candidates])
    windows = [reading_window(s.row.text, s.match.sentence, p.window) if s.match else (0, len(s.row.text))
               for s in head]
    passages = [s.row.text[a:b] for s, (a, b) in zip(head, windows)]
    readings = shared(ctx.reader.read(ctx.retrieved.question, passages) if head else [])
    readings = [replace(r, spans=tuple(replace(sp, start=sp.start + a, end=sp.end + a) for sp in r.spans))
                for r, (a, _) in zip(readings, windows)]
    mixed = zscores([s.score for s in head]) + p.weight * zscores([r.relevance for r in readings])
    head = sorted((replace(s, score=float(m), reading=r) for s, m, r in zip(head, mixed, readings)),
                  key=lambda s: -s.score)
    floor = min((s.score for s in head), default=0.0)
    tail = [replace(s, score=min(s.score, floor - 1e-3 * (i + 1))) for i, s in enumerate(ranked[len(head):])]
    return head + tail


def relevance(ranked: Sequence[Scored], ctx: Context) -> float:
    """Without the reader, one figure per question against ``floors.relevance_floor``: the best matched
    candidate's relevance, less the penalty for question words the index has never seen.

    One decision per question: a weaker passage after a relevant one is still shown (ranked below it);
    dropping each passage under the floor cost answer-recall@5 and bought nothing measurable.
    """
    p = ctx.parameters.floors
    best = max((s.relevance(p.dense_share) for s in ranked if s.match), default=0.0)
    return best - p.unseen_penalty * ctx.retrieved.unseen


def floor(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """Nothing (the answer is "nothing found") unless something answers: the reader's best relevance
    against ``floors.min_relevance`` when it read the candidates, else ``relevance`` against
    ``floors.relevance_floor``."""
    p = ctx.parameters.floors
    read_ = [s.reading.relevance for s in ranked if s.reading is not None]
    if read_:
        found = max(read_) >= p.min_relevance
    else:
        found = bool(ranked) and relevance(ranked, ctx) >= p.relevance_floor
    return list(ranked) if found else []


def _overlaps(a: ChunkRow, b: ChunkRow) -> bool:
    """Two windows of one article sharing more than half of the shorter one."""
    if a.article_id != b.article_id:
        return False
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0.5 * min(a.end - a.start, b.end - b.start)


def _copy_key(row: ChunkRow) -> str:
    """The text as a reader sees it: syndicated copies of a story share it."""
    return " ".join(fold(row.text).split())


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


def distinct(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """The best ``3 k`` candidates without near-duplicates, each with its sentence match (made now for
    those the sentence stage did not reach)."""
    query = ctx.retrieved.query
    return [s if s.match else replace(s, match=match(s.row.text, query)) for s in collapse(ranked, 3 * ctx.k)]


def supported(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """The candidates the evidence supports quoting: the first, and those the reader read whose score is
    within ``floors.evidence_margin`` of it (scores are then z-scored). Unread rankings keep them all."""
    if not ranked or ranked[0].reading is None:
        return list(ranked)
    bar = ranked[0].score - ctx.parameters.floors.evidence_margin
    return [ranked[0]] + [s for s in ranked[1:] if s.reading is not None and s.score >= bar]


def answer_sentence(ranked: Sequence[Scored], ctx: Context) -> list[Scored]:
    """The highlighted sentence is the one holding the answer: the question's most probable answer
    pooled over the passages (``index.ranking.answers``) where a passage holds it, else the passage's own
    best span, where the reader found one."""
    best = top_answer(ranked)
    return [_reader_highlight(s, best.key if best else None) for s in ranked]


def _reader_highlight(s: Scored, key: str | None) -> Scored:
    if s.reading is None or not s.reading.spans or s.match is None:
        return s
    span = answer_span(s, key) if key else None
    at = (span or s.reading.spans[0]).start
    return replace(s, match=replace(s.match, sentence=sentence_at(s.row.text, at)))
