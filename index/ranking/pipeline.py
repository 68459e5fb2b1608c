"""Question -> ranked, highlighted, quoted answer: retrieval once, then the stages in ``STAGES``, top to
bottom, then the quotes.

1. Retrieval (``index.ranking.retrieval``, the only store I/O): the nearest chunks by vector and the best
   by BM25, each with its cosine and BM25, and the question's idf-weighted terms.
2. ``STAGES``, pure functions of the ranking so far (``index.ranking.stages``): fusion, the question's
   time frame, sentence evidence, recency, the trained reader, the floor ("nothing found"), near-duplicates
   removed, the quotes the evidence supports, the answer's sentence highlighted.
3. Quotes (``index.ranking.answering``): verbatim, in rank order, no sentence twice; the reader's span as
   the one-line answer when it is sure of it.

Every constant is in ``index.ranking.parameters``. An ablation runs the pipeline ``without`` a stage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.models.embedding import QueryEncoder
from index.ranking import stages
from index.models.calibration import Calibration
from index.ranking.answering import answer_line, quote
from index.ranking.parameters import Parameters
from index.ranking.retrieval import Retrieved, Scored, retrieve
from index.ranking.stages import Context, Reads
from index.ranking.timeframe import TimeFrame
from index.storage.store import Store, source_key
from index.types import Answer

Stage = Callable[[Sequence[Scored], Context], list[Scored]]

STAGES: tuple[tuple[str, Stage], ...] = (
    ("fusion", stages.fuse),
    ("time_frame", stages.within_frame),
    ("sentence_evidence", stages.sentence_evidence),
    ("recency", stages.recency),
    ("reader", stages.read),
    ("floor", stages.floor),
    ("distinct", stages.distinct),
    ("support", stages.supported),
    ("answer_sentence", stages.answer_sentence),
)


def without(*names: str) -> tuple[tuple[str, Stage], ...]:
    """``STAGES`` less the named ones (an ablation); an unknown name is an error, not a no-op."""
    unknown = set(names) - {name for name, _ in STAGES}
    if unknown:
        raise ValueError(f"no such ranking stage: {', '.join(sorted(unknown))} "
                         f"(stages: {', '.join(name for name, _ in STAGES)})")
    return tuple((name, stage) for name, stage in STAGES if name not in names)


class Searcher:
    """Answers questions against a Store; holds no state between questions."""

    def __init__(self, *, store: Store, encoder: QueryEncoder, parameters: Parameters | None = None,
                 reader: Reads | None = None, sources: Sequence[str] = (),
                 stages: Sequence[tuple[str, Stage]] = STAGES) -> None:
        self.store = store
        self.encoder = encoder
        self.parameters = parameters or Parameters()
        self.reader = reader
        self.sources = tuple(sorted({source_key(s) for s in sources}))
        self.stages = tuple(stages)

    def search(self, question: str, k: int | None = None) -> Answer:
        return self.search_many([question], k)[0]

    def search_many(self, questions: Sequence[str], k: int | None = None, ids: Sequence[str | None] | None = None,
                    frames: Sequence[TimeFrame | None] | None = None) -> list[Answer]:
        """Answers for many questions at once: one encode call, then per-question ranking."""
        k = k or self.parameters.quoting.results
        ids = list(ids) if ids is not None else [None] * len(questions)
        found = self.retrieve(questions, k, frames)
        return [self.answer(r, k, qid) for r, qid in zip(found, ids)]

    def retrieve(self, questions: Sequence[str], k: int,
                 frames: Sequence[TimeFrame | None] | None = None) -> list[Retrieved]:
        """Every question's candidates (``index.ranking.retrieval``), for ``k`` quotes."""
        filled = [f or TimeFrame() for f in frames] if frames is not None else [TimeFrame()] * len(questions)
        depth = max(self.parameters.fusion.candidates, k)
        return retrieve(self.store, self.encoder, questions, filled, self.parameters, depth, self.sources)

    def rank(self, retrieved: Retrieved, k: int) -> list[Scored]:
        """The candidates through every stage, best first (empty when nothing clears the floor)."""
        ctx = Context(retrieved, self.parameters, self.reader, k)
        ranked: list[Scored] = list(retrieved.candidates)
        for _, stage in self.stages:
            ranked = stage(ranked, ctx)
        return ranked

    def answer(self, retrieved: Retrieved, k: int, qid: str | None = None) -> Answer:
        """The quotes of the final ranking, and the one-line answer when the reader is sure of it."""
        ranked = self.rank(retrieved, k)
        passages = quote(ranked, k, self.parameters.quoting.max_chars)
        floors = self.parameters.floors
        return Answer(question=retrieved.question, passages=tuple(passages), id=qid, found=bool(passages),
                      answer=answer_line(ranked, passages, floors.answer_confidence,
                                         self.reader.calibration if self.reader else Calibration(),
                                         retrieved.frame))
