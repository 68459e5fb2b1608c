"""SQuAD's answer normalisation, the one definition: the scorer (``index.metrics``) compares answers with it
and the answer pooling (``index.ranking.answers``) groups the reader's spans with it."""

from __future__ import annotations

import re
import string

_PUNCT = frozenset(string.punctuation) | frozenset("‘’“”–—…")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str, sep: str = "") -> str:
    """Lower case, punctuation deleted (``sep=" "``: turned into a space), articles dropped, spaces collapsed."""
    text = "".join(sep if ch in _PUNCT else ch for ch in text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())
