"""Quotebot's own re-ranker and answer reader, run by onnxruntime (no torch on the query path).

One forward pass over (question, passage) reads both how well the passage answers the question (a
relevance logit) and where the answer is (start/end logits per token, comparable across passages).
The model is trained by ``quotebot train`` (train/) and ships in ``index/models/weights/``.

Each passage is read in a run of its own. The int8 model quantizes its activations with one scale per
run, so in a batch a passage's reading depended on the passages read beside it (and on their padding);
alone, a reading is a function of the question and the passage only. Single-threaded runs spread over a
pool of one worker per core were also faster on 2 cores than one batched run (bench/README).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.models.calibration import Calibration
from index.models.onnx import cpu_session

if TYPE_CHECKING:
    from tokenizers import Encoding

SHIPPED = Path(__file__).resolve().parent / "weights"
MAX_ANSWER_TOKENS = 30
QUESTION_SHARE = 0.5
"""The most of the reader's window a question may take: a longer one is cut to it (the passage keeps the rest)."""


@dataclass(frozen=True)
class Span:
    """A candidate answer: characters ``start:end`` of the passage and its score (start + end logit)."""

    start: int
    end: int
    logit: float


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one passage for one question.

    The span head is trained with one softmax over all of a question's passages (shared normalisation), so
    span logits compare across passages: the probability of a span among every passage read is
    ``exp(logit - log_norm)`` where ``log_norm`` sums the passages' own normalisers (``index.ranking.answers``).

    Attributes:
        relevance: how likely the passage answers, comparable across questions (the relevance head's logit).
        spans: the best few answer spans in the passage, best first (none when the passage is empty).
        start_norm, end_norm: log-sum-exp of the passage's start and end logits over its tokens.
        shared_norm: the question's normaliser over every passage read with it, once the ranking has
            read them all (``index.ranking.answers.shared``); infinite until then.
    """

    relevance: float
    spans: tuple[Span, ...] = ()
    start_norm: float = float("-inf")
    end_norm: float = float("-inf")
    shared_norm: float = float("inf")

    @property
    def span(self) -> tuple[int, int] | None:
        """The best span's characters, or None."""
        return (self.spans[0].start, self.spans[0].end) if self.spans else None


class Reader:
    """Scores passages for a question and reads the answer span out of each."""

    def __init__(self, folder: Path = SHIPPED, threads: int = 0) -> None:
        """``threads``: passages read at once (one single-threaded run each); 0 is one per core this process
        may use."""
        import tokenizers

        meta = json.loads((folder / "meta.json").read_text())
        self._session = cpu_session(folder / "model.onnx", 1)
        self._pool = ThreadPoolExecutor(threads or _usable_cores(), thread_name_prefix="reader")
        self._tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._words = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))  # a question's own tokens
        self._words.no_truncation()
        self._words.no_padding()
        self.max_tokens = int(meta["max_tokens"])
        self.max_question_tokens = int(self.max_tokens * QUESTION_SHARE)
        self._tokenizer.enable_truncation(self.max_tokens, strategy="only_second")
        self._tokenizer.no_padding()  # each passage is its own run: padding would only cost time
        self._lock = threading.Lock()  # the tokenizer's truncation state is shared
        self.meta = meta
        self.calibration = Calibration.from_meta(meta)

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        """One Reading per passage, in order."""
        if not passages:
            return []
        with self._lock:
            question = self._fitted(question)
            encodings = self._tokenizer.encode_batch([(question, p) for p in passages])
        return list(self._pool.map(self._read_one, encodings))

    def _read_one(self, encoding: Encoding) -> Reading:
        """One passage's run (onnxruntime releases the GIL, so the pool's runs overlap)."""
        relevance, start, end = self._session.run(None, feed(encoding))
        return _decode(float(relevance[0]), start[0], end[0], encoding)

    def _fitted(self, question: str) -> str:
        """The question, cut after its first ``max_question_tokens`` tokens when it has more.

        The tokenizer truncates only the passage ("only_second"), so a question of most of the window
        (about 1,400 characters) left it nothing and raised. Every token is at least a character, so a
        question of fewer characters than that is never tokenized twice, and an ordinary one reads as before.
        """
        if len(question) <= self.max_question_tokens:
            return question
        offsets = self._words.encode(question, add_special_tokens=False).offsets
        if len(offsets) <= self.max_question_tokens:
            return question
        return question[: offsets[self.max_question_tokens - 1][1]]


def feed(encoding: Encoding) -> dict[str, np.ndarray]:
    """The model's inputs for one tokenized (question, passage) pair: a batch of one."""
    return {name: np.array([values], dtype=np.int64) for name, values in
            (("input_ids", encoding.ids), ("attention_mask", encoding.attention_mask),
             ("token_type_ids", encoding.type_ids))}


def _usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's share), not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


SPANS_PER_PASSAGE = 3
"""Spans kept per passage: the same answer often has a second reading (with or without a title, a first name)."""


def _logsumexp(x: np.ndarray) -> float:
    m = float(x.max())
    return m + float(np.log(np.exp(x - m).sum()))


def _decode(relevance: float, start: np.ndarray, end: np.ndarray, encoding: Encoding) -> Reading:
    """The passage's best spans (``s <= e < s + MAX_ANSWER_TOKENS`` among its own tokens) and its normalisers."""
    positions = np.flatnonzero(np.array([sid == 1 for sid in encoding.sequence_ids]))
    if not len(positions):
        return Reading(relevance)
    ls = start[positions].astype(np.float64)
    le = end[positions].astype(np.float64)
    n = len(positions)
    w = min(MAX_ANSWER_TOKENS, n)
    # row s, column d: the span from token s to token s + d (past the passage's end: -inf)
    ends = np.lib.stride_tricks.sliding_window_view(np.concatenate([le, np.full(w - 1, -np.inf)]), w)
    flat = (ls[:, None] + ends).ravel()
    k = min(SPANS_PER_PASSAGE, n * w - w * (w - 1) // 2)
    best = np.argpartition(-flat, k - 1)[:k]
    best = best[np.argsort(-flat[best], kind="stable")]
    offsets = encoding.offsets
    spans = tuple(Span(int(offsets[positions[i // w]][0]), int(offsets[positions[i // w + i % w]][1]), float(flat[i]))
                  for i in best)
    return Reading(relevance, spans, _logsumexp(ls), _logsumexp(le))
