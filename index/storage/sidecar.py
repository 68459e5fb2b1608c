"""Small SQLite files beside an index (followed feeds, readers' votes): opened the one way they all need."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """A connection to ``path`` (its folder made, ``schema`` applied) in autocommit mode with named rows.

    Every caller keeps one short transaction per call, so the CLI and the bot can share the file; the
    30 s timeout waits out the other's write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.executescript(schema)
    return conn
