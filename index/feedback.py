"""Readers' votes on answers ("Helpful" / "Not helpful"), kept beside the index to become eval questions.

The votes are a small SQLite file beside the index they judge (``feedback.sqlite3``): a server's in its own
corpus folder (so they go with it when the server's data is deleted), direct messages' in the shared index
folder; apart from the index, so a rebuilt index keeps them and ``quotebot feedback`` can export them,
one server's or all. A vote stores the question, the
quotes the voter saw (article id, span, text), +1 or -1, the server and the time; never who voted. To
let a second click on the same answer replace the first, a row carries a keyed hash of (answer, user)
whose key is random per process and never written down: once the bot restarts (and the answer's
buttons are gone) no stored hash can be tied to a user id, not even by trying every id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from index.storage import sidecar

FEEDBACK_FILE = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    answer TEXT NOT NULL, voter TEXT NOT NULL, time TEXT NOT NULL, guild_id INTEGER, question TEXT NOT NULL,
    quotes TEXT NOT NULL, vote INTEGER NOT NULL CHECK (vote IN (-1, 1)), PRIMARY KEY (answer, voter));
"""


@dataclass(frozen=True)
class Quote:
    """A quote as the voter saw it: ``text`` is the article's text from ``start`` to ``end``."""

    article_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Vote:
    """One reader's verdict on one answer; ``answer`` names the answer (the message id), ``time`` is ISO UTC."""

    answer: str
    question: str
    quotes: tuple[Quote, ...]
    vote: int
    guild_id: int | None = None
    time: str = ""


class FeedbackLog:
    """The votes of one index folder; every call is its own short transaction."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FEEDBACK_FILE
        self._key = secrets.token_bytes(32)  # in memory only: see the module docstring

    def _connect(self) -> sqlite3.Connection:
        return sidecar.connect(self.path, _SCHEMA)

    def voter_hash(self, answer: str, user_id: int) -> str:
        return hmac.new(self._key, f"{answer}:{user_id}".encode(), hashlib.sha256).hexdigest()

    def record(self, vote: Vote, user_id: int) -> Vote:
        """Store ``vote``; the same user voting again on the same answer replaces their earlier vote.

        Raises:
            ValueError: the vote is not +1 or -1.
        """
        if vote.vote not in (1, -1):
            raise ValueError(f"a vote is +1 or -1, not {vote.vote!r}")
        time = vote.time or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        quotes = json.dumps([asdict(q) for q in vote.quotes], ensure_ascii=False)
        with closing(self._connect()) as conn:
            conn.execute("INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (vote.answer, self.voter_hash(vote.answer, user_id), time, vote.guild_id, vote.question,
                          quotes, vote.vote))
        return Vote(vote.answer, vote.question, vote.quotes, vote.vote, vote.guild_id, time)

    def counts(self) -> tuple[int, int]:
        """(helpful, not helpful) votes."""
        if not self.path.exists():
            return 0, 0
        with closing(self._connect()) as conn:
            up, down = conn.execute("SELECT COUNT(*) FILTER (WHERE vote > 0), COUNT(*) FILTER (WHERE vote < 0) "
                                    "FROM votes").fetchone()
        return up, down

    def votes(self) -> list[Vote]:
        """Every vote, oldest first."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT * FROM votes ORDER BY time, rowid").fetchall()
        return [Vote(r["answer"], r["question"], tuple(Quote(**q) for q in json.loads(r["quotes"])), r["vote"],
                     r["guild_id"], r["time"]) for r in rows]


def gather(folders: Iterable[Path]) -> list[Vote]:
    """The votes kept in every one of ``folders`` (e.g. the shared index's and each server's), oldest first."""
    return sorted((v for folder in folders for v in FeedbackLog(folder).votes()), key=lambda v: v.time)


def eval_lines(votes: Sequence[Vote]) -> Iterator[dict[str, Any]]:
    """Votes as lines of the eval question format (``quotebot eval``, shared/eval).

    ``article_id`` is the top quote's article for a helpful vote (None otherwise) and ``answers`` is
    left empty for a person to fill in from the quotes; ``vote`` and ``quotes`` say what was judged.
    """
    for n, v in enumerate(votes, 1):
        yield {"id": f"feedback:{n}", "question": v.question, "asked_at": v.time[:10] or None,
               "answers": [], "article_id": v.quotes[0].article_id if v.vote > 0 and v.quotes else None,
               "vote": v.vote, "guild_id": v.guild_id,
               "quotes": [asdict(q) for q in v.quotes]}
