"""Whom a "he" or "she" source stands for: the nearest person's name before it in the article, when one fits."""

from __future__ import annotations

import re
from bisect import bisect_left

from index.attribution import lexicon as lx

_TITLE = (r"(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Rev|Prof)\."
          r"|President|Senator|Governor|Secretary|Judge|Mayor)")
_WORD = r"[A-Z][\w’'\-]*[a-z][\w’'\-]*"
_NAME = re.compile(rf"(?:{_TITLE}\s+)?{_WORD}(?:\s+(?:[A-Z]\.\s+)?{_WORD})*")
# Words that make a capitalised run an organisation or a place, not a person.
_NOT_PERSON = frozenset("""party department ministry news post times agency army university committee council house
senate campaign inc corp states union association court office group company press church school county city
state street center centre institute foundation network journal review bank fund club airport hospital""".split())
_FEMALE_TITLES = frozenset(("Mrs.", "Ms."))
_MALE_TITLES = frozenset(("Mr.",))


def person_names(text: str) -> list[tuple[int, int, str]]:
    """Every capitalised run of ``text`` that reads as a person's name, as (start, end, first word), in order:
    two words or more without an organisation's word ("Kevin Sullivan", "Sen. Ted Cruz"), or a surname met so."""
    out: list[tuple[int, int, str]] = []
    surnames: set[str] = set()
    for m in _NAME.finditer(text):
        words = m.group().split()
        start = m.start()
        while words and words[0].lower() in lx.NOT_NAMES:
            words = words[1:]
            start = m.end() if not words else text.index(words[0], start)
        if not words or any(w.lower().strip("’'") in _NOT_PERSON or w.lower() in lx.MONTHS_DAYS for w in words):
            continue
        if len(words) >= 2:
            surnames.add(words[-1])
        elif words[0] not in surnames:
            continue
        out.append((start, m.end(), words[0]))
    return out


def resolve(names: list[tuple[int, int, str]], at: int, pronoun: str) -> tuple[int, int] | None:
    """The span of the person's name (from ``person_names``) nearest before offset ``at`` that ``pronoun`` ("he"
    or "she") can stand for (a title of the other sex rules a name out), or None."""
    for start, end, first in reversed(names[: bisect_left(names, (at,))]):
        if pronoun == "he" and first in _FEMALE_TITLES or pronoun == "she" and first in _MALE_TITLES:
            continue
        return (start, end)
    return None
