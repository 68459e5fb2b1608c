"""BM25 of a few candidate chunks, computed as SQLite FTS5 computes it.

FTS5 scores every row that holds any query word: on a 100,000-chunk index a question with common words
("said", "year") costs it tens of milliseconds. So the keyword index is asked only with the question's
rarer words, to find candidates (``candidate_words``), and every candidate is then scored here with all
of the question's words by FTS5's own formula (``fts5_aux.c``: k1 1.2, b 0.75, column weights, an idf
floor of 1e-6), whether it came from the keyword index or from the vectors.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.text.terms import stems

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 0.5  # a title word counts half a body word: the title is repeated on every chunk
BODY_WEIGHT = 1.0


@dataclass(frozen=True)
class Stats:
    """Index-wide figures the formula needs: rows, mean tokens per row, and rows per (stemmed) word."""

    rows: int
    mean_tokens: float
    doc_freq: Mapping[str, int]

    def idf(self, term: str) -> float:
        # A sampled store (Milvus) can report a count above its row count while writers change it.
        hits = min(self.doc_freq.get(term, 0), self.rows)
        value = math.log((self.rows - hits + 0.5) / (hits + 0.5))
        return value if value > 0 else 1e-6


def candidate_words(words: Sequence[str], doc_freq: Sequence[int], budget: int) -> list[str]:
    """The rarest of ``words`` whose chunk counts add up to at most ``budget``, and always the rarest one.

    The cost of a keyword query grows with the rows it has to score; rare words are also the ones that
    single out the answering chunks, so dropping the commonest words loses few candidates.
    """
    order = sorted(range(len(words)), key=lambda i: doc_freq[i])
    kept: list[int] = []
    total = 0
    for i in order:
        if kept and total + doc_freq[i] > budget:
            break
        kept.append(i)
        total += doc_freq[i]
    return [words[i] for i in sorted(kept)]


@lru_cache(maxsize=16384)
def _counted(text: str) -> tuple[Counter[str], int]:
    """Stemmed word counts and token count of one column's text; cached because the same chunks and
    titles come back question after question."""
    terms = stems(text)
    return Counter(terms), len(terms)


def scores(phrases: Sequence[str], docs: Sequence[tuple[str, str]], stats: Stats) -> list[float]:
    """BM25 (higher is better) of each (title, body) for the stemmed query ``phrases``.

    ``phrases`` holds one stem per distinct query word, as FTS5 sees an OR of quoted words: two words
    with one stem count twice, as they do there.
    """
    idf = [stats.idf(p) for p in phrases]
    mean = stats.mean_tokens or 1.0
    out = []
    for title, body in docs:
        title_tf, title_len = _counted(title)
        body_tf, body_len = _counted(body)
        norm = K1 * (1 - B + B * (title_len + body_len) / mean)
        total = 0.0
        for p, w in zip(phrases, idf):
            freq = TITLE_WEIGHT * title_tf.get(p, 0) + BODY_WEIGHT * body_tf.get(p, 0)
            if freq:
                total += w * freq * (K1 + 1) / (freq + norm)
        out.append(total)
    return out
