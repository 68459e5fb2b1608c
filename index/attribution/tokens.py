"""Words with their offsets, and which stretches of an article are inside quotation marks."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Initialisms and titles keep their full stop ("U.S.", "Mr."); a word keeps its hyphens and inner apostrophes
# ("self-funded", "O’Malley") but not a clitic ("Trump" "’s", "didn" "’t"); two apostrophes are one quotation
# mark (the New York Times writes them); anything else is one character.
_TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}|[A-Z]\.(?=\s+[A-Z])|(?:Mr|Mrs|Ms|Dr|Sen|Sens|Rep|Reps|Gov|Gen|Lt|Col|Sgt|Capt|Rev|St|Jr|Sr|Ft|Mt|Prof|Atty|Supt)\."
    r"|\w+(?:(?:[\-.&]|[’'](?!(?:s|re|ve|ll|d|m|t)\b))\w+)*|[’'](?:s|re|ve|ll|d|m|t)\b|''|``|[^\w\s]"
)
_MARK = re.compile(r"''|``|[\"“”«»]")
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?![^\S\n]*\n)[^\n]+)*")
OPENING = frozenset(["“", '"', "«", "''", "``"])
CLOSING = frozenset(["”", '"', "»", "''"])


@dataclass(frozen=True)
class Token:
    """One word or mark: ``text[start:end]``, lower-cased in ``low``; ``quoted`` inside quotation marks."""

    start: int
    end: int
    word: str
    low: str
    quoted: bool

    @property
    def capital(self) -> bool:
        return self.word[:1].isupper() or self.word[:1].isdigit()

    @property
    def alpha(self) -> bool:
        return self.word[:1].isalnum()


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Blocks of lines between blank lines, as offsets."""
    return [m.span() for m in _PARAGRAPH.finditer(text)]


def quote_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The quotations in one paragraph, each from its opening mark to after its closing one.

    Curly marks pair by direction, straight ones by turns; a quotation left open runs to the paragraph's
    end (news leaves a quote open when it goes on in the next paragraph).
    """
    regions: list[tuple[int, int]] = []
    opened: int | None = None
    for m in _MARK.finditer(text, start, end):
        mark, i = m.group(), m.start()
        if mark in ('"', "''"):
            if opened is None:
                opened = i
            else:
                regions.append((opened, m.end()))
                opened = None
        elif mark in ("“", "«", "``"):
            if opened is None:
                opened = i
        elif opened is not None:
            regions.append((opened, m.end()))
            opened = None
    if opened is not None:
        regions.append((opened, end))
    return regions


def tokenize(text: str, start: int, end: int, regions: list[tuple[int, int]]) -> list[Token]:
    """The tokens of ``text[start:end]``; ``regions`` are sorted quotations (a token is quoted when it starts
    inside one, its marks included)."""
    out: list[Token] = []
    r = 0
    for m in _TOKEN.finditer(text, start, end):
        s = m.start()
        while r < len(regions) and regions[r][1] <= s:
            r += 1
        quoted = r < len(regions) and regions[r][0] <= s
        word = m.group()
        out.append(Token(s, m.end(), word, word.lower(), quoted))
    return out
