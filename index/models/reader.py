"""Quotebot's own re-ranker and answer reader, run by onnxruntime (no torch on the query path).

One forward pass over (question, passage) reads both how well the passage answers the question (a
relevance logit) and where the answer is (start/end logits per token, [CLS] meaning "no answer here").
The model is trained by ``quotebot train`` (train/) and ships in ``index/models/weights/``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Encoding

SHIPPED = Path(__file__).resolve().parent / "weights"
MAX_ANSWER_TOKENS = 30
QUESTION_SHARE = 0.5
"""The most of the reader's window a question may take: a longer one is cut to it (the passage keeps the rest)."""


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one passage for one question.

    Attributes:
        relevance: how likely the passage answers, comparable across questions: the relevance head's logit,
            or the span head's ``answerable`` when that ranked held-out training questions better
            (``meta.json`` "relevance" says which; chosen at export, never on the eval sets).
        span: the answer's (start, end) characters in the passage, or None when no span beats "no answer".
        confidence: the probability the model gives that span (start times end), 0 when there is none.
        answerable: log-odds of the best span against "no answer here": the span head's own relevance.
    """

    relevance: float
    span: tuple[int, int] | None
    confidence: float
    answerable: float = 0.0


class Reader:
    """Scores passages for a question and reads the answer span out of each."""

    def __init__(self, folder: Path = SHIPPED, threads: int = 0) -> None:
        import onnxruntime
        import tokenizers

        meta = json.loads((folder / "meta.json").read_text())
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._words = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))  # a question's own tokens
        self._words.no_truncation()
        self.max_tokens = int(meta["max_tokens"])
        self.max_question_tokens = int(self.max_tokens * QUESTION_SHARE)
        self._tokenizer.enable_truncation(self.max_tokens, strategy="only_second")
        self._tokenizer.enable_padding()
        self._lock = threading.Lock()  # the tokenizer's truncation/padding state is shared
        self.meta = meta
        self.from_span = meta.get("relevance") == "answerable"

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        """One Reading per passage, in order."""
        if not passages:
            return []
        with self._lock:
            question = self._fitted(question)
            encodings = self._tokenizer.encode_batch([(question, p) for p in passages])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        relevance, start, end = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        readings = [_decode(float(relevance[i]), start[i], end[i], encodings[i]) for i in range(len(passages))]
        if self.from_span:
            readings = [Reading(r.answerable, r.span, r.confidence, r.answerable) for r in readings]
        return readings

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


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _decode(relevance: float, start: np.ndarray, end: np.ndarray, encoding: Encoding) -> Reading:
    """The best answer span of one pair among the passage's tokens, against [CLS] ("no answer")."""
    context = np.array([sid == 1 for sid in encoding.sequence_ids])
    if not context.any():
        return Reading(relevance, None, 0.0, -30.0)
    allowed = context.copy()
    allowed[0] = True  # [CLS]
    p_start = np.zeros_like(start, dtype=np.float64)
    p_end = np.zeros_like(end, dtype=np.float64)
    p_start[allowed] = _softmax(start[allowed].astype(np.float64))
    p_end[allowed] = _softmax(end[allowed].astype(np.float64))
    positions = np.flatnonzero(context)
    ps, pe = p_start[positions], p_end[positions]
    # best (s, e) with s <= e < s + MAX_ANSWER_TOKENS: an upper-triangular band of the outer product
    joint = np.triu(np.outer(ps, pe)) - np.triu(np.outer(ps, pe), MAX_ANSWER_TOKENS)
    s, e = np.unravel_index(int(joint.argmax()), joint.shape)
    confidence = float(joint[s, e])
    null = float(p_start[0] * p_end[0])
    answerable = float(np.log(confidence + 1e-12) - np.log(null + 1e-12))
    if confidence <= null:
        return Reading(relevance, None, 0.0, answerable)
    offsets = encoding.offsets
    return Reading(relevance, (int(offsets[positions[s]][0]), int(offsets[positions[e]][1])), confidence, answerable)
