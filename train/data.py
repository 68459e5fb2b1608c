"""Training examples from SQuAD-format files: a question, its paragraph, and BM25-mined hard negatives.

Pure data work (no torch): the same examples feed training and the held-out loss.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Example:
    """One question with its answering paragraph first, then the negatives."""

    question: str
    passages: tuple[str, ...]
    answer_start: int  # in passages[0]
    answer_text: str
    domain: str = ""  # the data folder it came from: held-out figures are reported per domain


@dataclass(frozen=True)
class _Question:
    text: str
    paragraph: int
    answer_start: int
    answer_text: str
    answers: tuple[str, ...]


def read_squad(path: Path) -> tuple[list[str], list[_Question]]:
    """Paragraphs and questions of one SQuAD v1.1 JSON file (gzipped or not)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        data = json.load(f)["data"]
    paragraphs: list[str] = []
    questions: list[_Question] = []
    for article in data:
        for para in article["paragraphs"]:
            context = para["context"]
            paragraphs.append(context)
            for qa in para["qas"]:
                answers = [a for a in qa["answers"] if context[a["answer_start"]:].startswith(a["text"])]
                if not answers:
                    continue
                questions.append(_Question(qa["question"], len(paragraphs) - 1, answers[0]["answer_start"],
                                           answers[0]["text"], tuple(a["text"] for a in answers)))
    return paragraphs, questions


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def bm25_top(queries: Sequence[str], docs: Sequence[str], k: int, k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Indices of each query's top-k documents by Okapi BM25 (ties in document order)."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    lengths = np.zeros(len(docs))
    for i, doc in enumerate(docs):
        counts: dict[int, int] = {}
        toks = _tokens(doc)
        lengths[i] = len(toks)
        for t in toks:
            j = vocab.setdefault(t, len(vocab))
            counts[j] = counts.get(j, 0) + 1
        for j, c in counts.items():
            rows.append(i), cols.append(j), vals.append(c)
    tf = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float64)
    df = np.bincount(tf.indices, minlength=len(vocab))
    idf = np.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
    norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0))
    tf = tf.tocoo()
    weights = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * idf[tf.col]
    doc_term = sparse.csr_matrix((weights, (tf.row, tf.col)), shape=tf.shape)
    q_rows, q_cols = [], []
    for i, q in enumerate(queries):
        for t in set(_tokens(q)):
            if t in vocab:
                q_rows.append(i), q_cols.append(vocab[t])
    q_mat = sparse.csr_matrix((np.ones(len(q_rows)), (q_rows, q_cols)), shape=(len(queries), len(vocab)))
    scores = (q_mat @ doc_term.T).toarray()
    k = min(k, len(docs))
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


HELD_OUT_SHARE = 0.05
"""The share of paragraphs (by hash) never trained on: held-out figures and the answer calibration use them."""


def held_out(paragraph: str, share: float) -> bool:
    """A stable split by paragraph text, so no held-out paragraph is ever trained on."""
    h = int(hashlib.sha256(paragraph.encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < share


def build_examples(files: Iterable[Path], negatives: int = 3, held_out_share: float = HELD_OUT_SHARE,
                   seed: int = 13, random_negatives: int = 0,
                   held_out_files: Collection[str] = ()) -> tuple[list[Example], list[Example]]:
    """(train, held-out) examples: each question with its paragraph, the top BM25 paragraphs lacking the
    answer (hard negatives) and ``random_negatives`` random paragraphs of the same file lacking it.

    A file named in ``held_out_files`` is held out whole (a later period of news: what the bot meets is
    news it has never seen); the others are split by paragraph (``held_out``)."""
    rng = random.Random(seed)
    train: list[Example] = []
    heldout: list[Example] = []
    for path in files:
        whole = path.name in held_out_files
        paragraphs, questions = read_squad(path)
        if len(paragraphs) <= negatives:
            raise ValueError(f"{path.name}: {len(paragraphs)} paragraphs; negatives need at least {negatives + 1}")
        top = bm25_top([q.text for q in questions], paragraphs, k=negatives * 4 + 1)
        for q, candidates in zip(questions, top):
            folded = [a.lower() for a in q.answers]
            negs = [paragraphs[j] for j in candidates
                    if j != q.paragraph and not any(a in paragraphs[j].lower() for a in folded)]
            negs = negs[:negatives - random_negatives]
            tries = 0
            while len(negs) < negatives:  # random paragraphs (and for the rare question with few neighbours)
                j = rng.randrange(len(paragraphs))
                tries += 1
                if j != q.paragraph and paragraphs[j] not in negs and (
                        tries > 50 or not any(a in paragraphs[j].lower() for a in folded)):
                    negs.append(paragraphs[j])
            example = Example(q.text, (paragraphs[q.paragraph], *negs), q.answer_start, q.answer_text,
                              path.parent.name)
            if whole or held_out(paragraphs[q.paragraph], held_out_share):
                heldout.append(example)
            elif not any(held_out(n, held_out_share) for n in negs):
                train.append(example)
    rng.shuffle(train)
    rng.shuffle(heldout)  # a capped held-out set then spans every file, not the first one alone
    return train, heldout
