"""Pick the sentence of a passage that best answers a question: what a reader sees first."""

from __future__ import annotations

import math
from collections.abc import Callable

from index.sentences import split_sentences
from index.terms import content_terms

IdfFn = Callable[[str], float]


def _uniform(_: str) -> float:
    return 1.0


def sentence_scores(text: str, question: str, idf: IdfFn = _uniform) -> list[tuple[tuple[int, int], float]]:
    """Each sentence span of ``text`` with the idf-weighted share of question terms it holds."""
    q_terms = set(content_terms(question))
    total = sum(idf(t) for t in q_terms) or 1.0
    out = []
    for s, e in split_sentences(text):
        s_terms = set(content_terms(text[s:e]))
        hit = sum(idf(t) for t in q_terms & s_terms)
        # A mild length prior: among equal matches, a sentence with more substance beats a fragment.
        out.append(((s, e), hit / total + 0.01 * math.log1p(len(s_terms))))
    return out


def best_sentence(text: str, question: str, idf: IdfFn = _uniform) -> tuple[int, int]:
    """Span (relative to ``text``) of the best-matching sentence; the first sentence when none match."""
    scored = sentence_scores(text, question, idf)
    if not scored:
        return (0, len(text))
    best = max(range(len(scored)), key=lambda i: (scored[i][1], -i))
    return scored[best][0]


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
