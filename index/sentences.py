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
# A terminator, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'“‘«(\[]*[A-Z0-9\u00C0-\u024F\u0370-\u1FFF\u3000-\uFFFF]")
_WORD_BEFORE = re.compile(r"([\w.]+)[.]+$")


def _is_abbreviation(text: str, dot_end: int) -> bool:
    m = _WORD_BEFORE.search(text, 0, dot_end)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    # Initials such as "J." in "J. K. Rowling", or dotted acronyms like "U.S." mid-sentence.
    return len(word) == 1 and word.isalpha() or bool(re.fullmatch(r"(\w\.)+\w", word))


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Trimmed sentence spans in order; together they hold every non-space character of ``text``.

    Blank lines and line ends after unpunctuated lines (headings, list items) are hard breaks.
    """
    spans: list[tuple[int, int]] = []
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        cuts = [block.start()]
        seg = block.group(0)
        base = block.start()
        for m in _BOUNDARY.finditer(seg):
            end = m.end()
            if not _NEXT_START.match(seg, end):
                continue
            if seg[m.start()] == "." and m.end() - m.start() == 1 and _is_abbreviation(seg, m.start() + 1):
                continue
            cuts.append(base + end)
        # A line that ends without punctuation before a line that starts like a sentence is a heading
        # or list item; before a lower-case start it is hard-wrapped prose.
        for nl in re.finditer(r"\n", seg):
            before = seg[: nl.start()].rstrip()
            if before and not re.search(r"[.!?…,;:\"”’)\]]$", before) and _NEXT_START.match(seg, nl.start()):
                cuts.append(base + nl.start())
        cuts = sorted(set(cuts)) + [block.end()]
        for a, b in zip(cuts, cuts[1:]):
            span = _trim(text, a, b)
            if span:
                spans.append(span)
    return spans
