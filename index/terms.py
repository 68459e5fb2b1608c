"""Keyword terms: the words of a question that carry meaning, stemmed as the keyword index stems them."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import Stemmer

# Function words add nothing to a keyword match but cost a scan of every chunk that holds them.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom whose why will with would you your
    yours yourself yourselves s t don didn doesn isn wasn weren""".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("porter")


@lru_cache(maxsize=1)
def _combining() -> dict[int, None]:
    """A str.translate table deleting every combining mark (built once: about 50 ms)."""
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """Lower case without accents, so 'Assad' matches 'Assád' as the keyword index does."""
    if text.isascii():
        return text.lower()  # the common case
    return unicodedata.normalize("NFKD", text.lower()).translate(_combining())


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def content_terms(text: str) -> list[str]:
    """Stemmed non-stopword terms, in order, duplicates kept."""
    kept = [w for w in words(text) if w not in STOPWORDS and not (len(w) == 1 and not w.isdigit())]
    return _stemmer().stemWords(kept)


def pairs(terms: Sequence[str]) -> set[tuple[str, str]]:
    """Adjacent term pairs ("supreme court", "cardiac arrest"): a phrase match without a phrase query."""
    return set(zip(terms, terms[1:]))


def stems(text: str) -> list[str]:
    """Every word of ``text`` stemmed, function words included: the tokens the keyword index counts."""
    return _stemmer().stemWords(words(text))


def query_words(text: str) -> list[str]:
    """The question's distinct content words, folded but not stemmed: what the keyword index is asked."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w not in STOPWORDS and not (len(w) == 1 and not w.isdigit()):
            seen.setdefault(w, None)
    return list(seen)


def or_query(query_words: Sequence[str]) -> str:
    """An FTS5 MATCH expression OR-ing ``query_words``, each quoted (so no FTS syntax gets through)."""
    return " OR ".join(f'"{w}"' for w in query_words)


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression OR-ing the question's distinct content words."""
    return or_query(query_words(text))
