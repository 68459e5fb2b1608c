"""Keyword terms: the words of a question that carry meaning, tokenised and stemmed by SQLite FTS5 itself.

The keyword index is an FTS5 table tokenised by ``TOKENIZE``. Everything else that counts words (BM25 of
candidates, the penalty for words the index never saw, sentence matching) asks the very same tokenizer,
through a private in-memory FTS5 table per thread: a hand-written copy differed on ``snake_case``, ``ﬁ``,
``x²`` and Porter's corner cases, and then a word the index holds could count as unseen.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

TOKENIZE = "porter unicode61 remove_diacritics 2"
"""The keyword index's tokenizer (index.storage.store); the only definition of a word in Quotebot."""
_UNSTEMMED = "unicode61 remove_diacritics 2"  # the same tokens before Porter: what stopwords are

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

_local = threading.local()


def _tokenizer() -> sqlite3.Connection:
    """This thread's in-memory FTS5 tables (a connection is not shared across threads)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        for table, tokenize in (("stemmed", TOKENIZE), ("unstemmed", _UNSTEMMED)):
            # Contentless, without column sizes: only the token list is read back (twice as fast).
            conn.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(t, tokenize = '{tokenize}', content = '', "
                         "columnsize = 0)")
            conn.execute(f"CREATE VIRTUAL TABLE {table}_tokens USING fts5vocab({table}, 'instance')")
        _local.conn = conn
    return conn


def _storable(text: str) -> str:
    """``text`` as SQLite can hold it: a lone surrogate (from undecodable input) becomes '?', a separator."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _tokens(table: str, texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens in order, as the FTS5 table ``table`` indexes them (inserted, read, rolled back)."""
    out: list[list[str]] = [[] for _ in texts]
    if not texts:
        return out
    conn = _tokenizer()
    conn.execute("BEGIN")
    try:
        conn.executemany(f"INSERT INTO {table}(rowid, t) VALUES (?, ?)", enumerate(map(_storable, texts)))
        for doc, term in conn.execute(f"SELECT doc, term FROM {table}_tokens ORDER BY doc, offset"):
            out[doc].append(term)
    finally:
        conn.execute("ROLLBACK")
    return out


def stems_many(texts: Sequence[str]) -> list[list[str]]:
    """Every token of each text, stemmed: exactly the tokens the keyword index counts for it."""
    return _tokens("stemmed", texts)


def stems(text: str) -> list[str]:
    """Every word of ``text`` stemmed, function words included: the tokens the keyword index counts."""
    return stems_many([text])[0]


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
    """The keyword index's tokens of ``text`` before stemming: folded, without diacritics."""
    return _tokens("unstemmed", [text])[0]


def _content(word: str) -> bool:
    return word not in STOPWORDS and not (len(word) == 1 and not word.isdigit())


def content_terms_many(texts: Sequence[str]) -> list[list[str]]:
    """Each text's stemmed non-stopword terms, in order, duplicates kept (one tokenizer call for all)."""
    # Porter turns one token into one token, so the two tokenisations line up position by position.
    return [[s for w, s in zip(ws, ss) if _content(w)]
            for ws, ss in zip(_tokens("unstemmed", texts), _tokens("stemmed", texts))]


def content_terms(text: str) -> list[str]:
    """Stemmed non-stopword terms, in order, duplicates kept."""
    return content_terms_many([text])[0]


def pairs(terms: Sequence[str]) -> set[tuple[str, str]]:
    """Adjacent term pairs ("supreme court", "cardiac arrest"): a phrase match without a phrase query."""
    return set(zip(terms, terms[1:]))


def query_words(text: str) -> list[str]:
    """The question's distinct content words, folded but not stemmed: what the keyword index is asked."""
    seen: dict[str, None] = {}
    for w in words(text):
        if _content(w):
            seen.setdefault(w, None)
    return list(seen)


def or_query(query_words: Sequence[str]) -> str:
    """An FTS5 MATCH expression OR-ing ``query_words``, each quoted (so no FTS syntax gets through)."""
    return " OR ".join(f'"{w}"' for w in query_words)
