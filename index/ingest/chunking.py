"""Sentence-aware windows with overlap, each a verbatim span of the article text.

Windows are bounded in characters (what a reader is shown) and in model tokens (what the model reads),
so the embedder never truncates a chunk silently. They never hold or cross a promo line
(``index.ingest.cleaning.quotable_runs``): a quote is one contiguous span of what the source printed around it.
Time and memory are linear in the text's length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from index.ingest.cleaning import quotable_runs
from index.text.sentences import split_sentences
from index.types import Chunk

TokenCounter = Callable[[Sequence[str]], list[int]]
COUNT_BATCH = 1024


def approx_tokens(texts: Sequence[str]) -> list[int]:
    """A safe over-estimate of word pieces when no tokenizer is at hand (tests, planning)."""
    return [len(re.findall(r"\w+|[^\w\s]", t)) * 2 + 2 for t in texts]


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at spaces (or hard, for a space-free run) into pieces <= max_chars."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        if cut <= start:
            cut = start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def sentence_units(
    text: str, max_chars: int, max_tokens: int, count_tokens: TokenCounter, start: int = 0, end: int | None = None
) -> list[tuple[int, int, int]]:
    """Sentences of ``text[start:end]`` as (start, end, tokens), each short enough to fit a window on its own."""
    units: list[tuple[int, int]] = []
    for s, e in split_sentences(text, start, end):
        units.extend(_split_long(text, s, e, max_chars))
    tokens: list[int] = []
    for lo in range(0, len(units), COUNT_BATCH):  # a tokenizer's output for a whole book is gigabytes
        tokens.extend(count_tokens([text[s:e] for s, e in units[lo : lo + COUNT_BATCH]]))
    out: list[tuple[int, int, int]] = []
    for (s, e), n in zip(units, tokens):
        if n <= max_tokens or e - s < 2:
            out.append((s, e, n))
            continue
        # Dense text (numbers, CJK) can overflow the token budget within max_chars: halve until it fits.
        size = max(1, (e - s) // 2)
        while True:
            parts = _split_long(text, s, e, size)
            counts = count_tokens([text[a:b] for a, b in parts])
            if max(counts) <= max_tokens or size <= 1:
                out.extend((a, b, n) for (a, b), n in zip(parts, counts))
                break
            size = max(1, size // 2)
    return out


def _windows(units: Sequence[tuple[int, int, int]], max_chars: int, budget: int,
             overlap_sentences: int) -> list[tuple[int, int]]:
    """Greedy (start, end) windows over consecutive units, sharing ``overlap_sentences`` units."""
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, tokens = i, 0
        while j < len(units):
            s, e, n = units[j]
            if j > i and (e - units[i][0] > max_chars or tokens + n > budget):
                break
            tokens += n
            j += 1
        windows.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        i = max(i + 1, j - overlap_sentences)
    return windows


def chunk_text(
    article_id: str,
    text: str,
    *,
    max_chars: int = 700,
    overlap_sentences: int = 1,
    max_tokens: int = 256,
    reserved_tokens: int = 0,
    count_tokens: TokenCounter = approx_tokens,
) -> list[Chunk]:
    """Greedy sentence windows of at most ``max_chars`` and ``max_tokens - reserved_tokens`` tokens.

    Consecutive windows share ``overlap_sentences`` sentences so an answer on a window edge keeps its
    context. ``reserved_tokens`` leaves room for a title prefix given to the embedder. Windows are made
    within each quotable run, so a promo line between paragraphs is in no chunk and no chunk spans it.
    """
    budget = max(8, max_tokens - reserved_tokens)
    chunks: list[Chunk] = []
    for a, b in quotable_runs(text):
        units = sentence_units(text, max_chars, budget, count_tokens, a, b)
        chunks.extend(Chunk(article_id, s, e, text[s:e]) for s, e in _windows(units, max_chars, budget,
                                                                                 overlap_sentences))
    return chunks
