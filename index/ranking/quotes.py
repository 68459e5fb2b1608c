"""Quotes that do not repeat each other: no sentence is shown twice in one answer.

Neighbouring chunks share a sentence (the chunk overlap) and syndicated stories share paragraphs, so two
good candidates often hold the same sentences. A later quote keeps only its run of sentences that no
earlier quote showed, around its highlight; when its highlighted sentence was already shown it adds
nothing and is left out. What is kept stays one contiguous span of the article, so quotes stay verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.text.sentences import split_sentences
from index.text.terms import fold


def sentence_key(sentence: str) -> str:
    """A sentence as a reader sees it: case, accents and spacing do not make it a different sentence."""
    return " ".join(fold(sentence).split())


def sentence_keys(text: str) -> set[str]:
    """The keys of every sentence of ``text``."""
    return {sentence_key(text[s:e]) for s, e in split_sentences(text)}


def fresh_span(text: str, highlight: tuple[int, int], shown: set[str]) -> tuple[int, int] | None:
    """The longest run of ``text``'s sentences around ``highlight`` that holds no sentence in ``shown``.

    Returns ``(start, end)`` relative to ``text`` (the whole text when nothing was shown), or None when a
    sentence overlapping the highlight was already shown.
    """
    spans = split_sentences(text)
    if not shown or not spans:
        return 0, len(text)
    seen = [sentence_key(text[s:e]) in shown for s, e in spans]
    hs, he = highlight
    inside = [i for i, (s, e) in enumerate(spans) if s < he and hs < e] or _nearest(spans, hs)
    if any(seen[i] for i in inside):
        return None
    lo, hi = inside[0], inside[-1]
    while lo > 0 and not seen[lo - 1]:
        lo -= 1
    while hi < len(spans) - 1 and not seen[hi + 1]:
        hi += 1
    # Text before the first sentence or after the last (a heading, a dangling fragment) goes with its
    # neighbour when that neighbour is kept.
    start = 0 if lo == 0 else spans[lo][0]
    end = len(text) if hi == len(spans) - 1 else spans[hi][1]
    return start, end


def _nearest(spans: Sequence[tuple[int, int]], offset: int) -> list[int]:
    """The sentence closest to ``offset`` when the highlight lies between sentences."""
    best = min(range(len(spans)), key=lambda i: min(abs(spans[i][0] - offset), abs(spans[i][1] - offset)))
    return [best]
