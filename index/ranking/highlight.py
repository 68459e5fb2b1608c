"""How a passage matches a question, sentence by sentence: the highlight a reader sees first, and the
lexical evidence that re-ranks passages and decides whether anything relevant was found at all."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from index.text.sentences import split_sentences
from index.text.terms import content_terms, content_terms_many, pairs

IdfFn = Callable[[str], float]

# Among sentences that match equally well, one with more substance beats a fragment ("Yes.", a dateline).
LENGTH_PRIOR = 0.01


def _uniform(_: str) -> float:
    return 1.0


@dataclass(frozen=True)
class Query:
    """A question's distinct stemmed terms and adjacent term pairs, each weighted by idf."""

    terms: dict[str, float]
    pairs: dict[tuple[str, str], float]

    @classmethod
    def of(cls, question: str, idf: IdfFn = _uniform) -> Query:
        seq = content_terms(question)
        terms = {t: idf(t) for t in dict.fromkeys(seq)}
        return cls(terms, {p: terms[p[0]] + terms[p[1]] for p in pairs(seq)})

    @property
    def weight(self) -> float:
        return sum(self.terms.values())

    @property
    def pair_weight(self) -> float:
        return sum(self.pairs.values())


@dataclass(frozen=True)
class Match:
    """A passage against a Query.

    ``sentence`` is the best sentence's span relative to the passage; ``lexical`` the idf-weighted share
    of question terms that one sentence holds; ``phrase`` the idf-weighted share of question term pairs
    that occur side by side anywhere in the passage. Both shares are absolute (0 to 1), so unlike BM25
    they mean the same on any index and can gate "nothing found".
    """

    sentence: tuple[int, int]
    lexical: float
    phrase: float


@lru_cache(maxsize=8192)
def _sentence_terms(text: str) -> tuple[tuple[tuple[int, int], tuple[str, ...]], ...]:
    """Sentence spans of ``text`` with their stemmed terms; cached because the same chunks come back
    question after question and splitting plus stemming is most of a re-rank's cost."""
    spans = split_sentences(text)
    return tuple((span, tuple(terms)) for span, terms in zip(spans, content_terms_many([text[s:e] for s, e in spans])))


def sentence_scores(text: str, query: Query) -> list[tuple[tuple[int, int], float]]:
    """Each sentence span of ``text`` with the idf-weighted share of question terms it holds."""
    total = query.weight or 1.0
    return [(span, sum(w for t, w in query.terms.items() if t in set(terms)) / total)
            for span, terms in _sentence_terms(text)]


def match(text: str, query: Query) -> Match:
    """The best sentence of ``text`` for ``query`` and the passage's lexical evidence."""
    total, pair_total = query.weight or 1.0, query.pair_weight or 1.0
    best, best_key, lexical = (0, len(text)), -1.0, 0.0
    seen_pairs: set[tuple[str, str]] = set()
    previous: tuple[str, ...] = ()
    for span, terms in _sentence_terms(text):
        present = set(terms)
        share = sum(w for t, w in query.terms.items() if t in present) / total
        key = share + LENGTH_PRIOR * math.log1p(len(present))
        if key > best_key:
            best, best_key = span, key
        lexical = max(lexical, share)
        if query.pairs:
            seen_pairs |= pairs(previous[-1:] + terms)
        previous = terms or previous
    phrase = sum(w for p, w in query.pairs.items() if p in seen_pairs) / pair_total
    return Match(best, lexical, phrase)


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """Span of the sentence of ``text`` that holds character ``offset`` (the whole text if none does)."""
    for span, _ in _sentence_terms(text):
        if span[0] <= offset < span[1]:
            return span
    return 0, len(text)


def reading_window(text: str, sentence: tuple[int, int], max_chars: int) -> tuple[int, int]:
    """The span of ``text`` the reader reads: the best sentence with its neighbours, one before then one
    after in turn, while the whole stays within ``max_chars`` (the sentence alone when it is longer).

    The reader's cost grows with the tokens it reads; the answer is nearly always in or beside the
    sentence that matches the question best."""
    if max_chars <= 0 or len(text) <= max_chars:
        return 0, len(text)
    spans = [span for span, _ in _sentence_terms(text)]
    if not spans:
        return 0, len(text)
    at = next((i for i, (a, b) in enumerate(spans) if a <= sentence[0] < b), None)
    if at is None:
        return sentence
    lo = hi = at
    grown = True
    while grown:
        grown = False
        if lo > 0 and spans[hi][1] - spans[lo - 1][0] <= max_chars:
            lo, grown = lo - 1, True
        if hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= max_chars:
            hi, grown = hi + 1, True
    return spans[lo][0], spans[hi][1]


def best_sentence(text: str, question: str, idf: IdfFn = _uniform) -> tuple[int, int]:
    """Span (relative to ``text``) of the best-matching sentence; the whole text when it has none."""
    return match(text, Query.of(question, idf)).sentence


def focus(window: str, max_chars: int) -> int:
    """Length of the quote that starts at ``window``'s first sentence: whole sentences up to ``max_chars``.

    ``window`` is article text from the highlighted sentence on. The first sentence is always kept, so a
    quote never starts or ends mid-sentence unless one sentence alone is longer than the limit.
    """
    end = 0
    for s, e in split_sentences(window):
        if end and e > max_chars:
            break
        end = e
        if e >= max_chars:
            break
    return min(end, max_chars) if end else min(len(window), max_chars)
