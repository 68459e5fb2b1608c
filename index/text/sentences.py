"""Sentence spans over text, as (start, end) offsets, for chunking and highlighting.

A rule-based splitter: news text needs abbreviations ("U.S.", "Gen.", initials) and closing quotes
handled, and offsets must be exact, which sentence libraries that return strings don't give.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen gov sen rep lt col capt sgt maj cmdr adm rev hon pres supt
    vs etc eg ie al inc ltd co corp dept univ approx fig no nos vol pp ed eds est
    jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave blvd rd u.s u.k u.n e.g i.e a.m p.m""".split()
)
# A terminator run (matched from its first character only, and never given back: a long run of dots
# must not be re-scanned from every dot), optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’»)\]]*+(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'“‘«(\[]*[A-Z0-9\u00C0-\u024F\u0370-\u1FFF\u3000-\uFFFF]")
_WORD_BEFORE = re.compile(r"([\w.]+)[.]+$")
_DOTTED = re.compile(r"(\w\.)+\w")
# The longest word an abbreviation check looks at: "u.s" or "sept" need a few characters, and a bounded
# look-back keeps splitting linear in the text's length.
_LOOKBACK = 16
# A paragraph: lines up to a blank line (a newline followed by spaces only is blank too).
_BLOCK = re.compile(r"[^\n]+(?:\n(?![^\S\n]*\n)[^\n]+)*")
_LINE_END = frozenset(".!?…,;:\"”’)]")


def _is_abbreviation(text: str, dot_end: int) -> bool:
    """Whether the full stop ending at ``dot_end`` closes an abbreviation or an initial, not a sentence."""
    lo = max(0, dot_end - _LOOKBACK)
    m = _WORD_BEFORE.search(text, lo, dot_end)
    if not m or (m.start() == lo and lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in "._")):
        return False  # no word, or one longer than any abbreviation
    word = m.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    # Initials such as "J." in "J. K. Rowling", or dotted acronyms like "U.S." mid-sentence.
    return len(word) == 1 and word.isalpha() or bool(_DOTTED.fullmatch(word))


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Trimmed sentence spans in order; together they hold every non-space character of
    ``text[start:end]`` (offsets into ``text``: a part of a long text is split without copying it).

    Blank lines and line ends after unpunctuated lines (headings, list items) are hard breaks. Time is
    linear in the length: every look-back and look-ahead is bounded by a line or a constant.
    """
    spans: list[tuple[int, int]] = []
    for block in _BLOCK.finditer(text, start, len(text) if end is None else end):
        cuts = [block.start()]
        seg = block.group(0)
        base = block.start()
        for m in _BOUNDARY.finditer(seg):
            if not _NEXT_START.match(seg, m.end()):
                continue
            if seg[m.start()] == "." and m.end() - m.start() == 1 and _is_abbreviation(seg, m.start() + 1):
                continue
            cuts.append(base + m.end())
        # A line that ends without punctuation before a line that starts like a sentence is a heading
        # or list item; before a lower-case start it is hard-wrapped prose.
        line_start = 0
        for nl in re.finditer(r"\n", seg):
            before = seg[line_start : nl.start()].rstrip()
            line_start = nl.end()
            if before and before[-1] not in _LINE_END and _NEXT_START.match(seg, nl.start()):
                cuts.append(base + nl.start())
        cuts = sorted(set(cuts)) + [block.end()]
        for a, b in zip(cuts, cuts[1:]):
            span = _trim(text, a, b)
            if span:
                spans.append(span)
    return spans
