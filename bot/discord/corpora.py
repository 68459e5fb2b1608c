"""Each server its own corpus: an Engine per guild over ``<index folder>/guilds/<guild id>/``, sharing the
bot's loaded models; the index folder itself is the shared corpus, which only the bot's owner changes (CLI).

Beside a guild's index, ``guild.json`` records what the index can't say itself: when the bot last changed
the corpus (``updated``, for /stats) and when the bot left the server (``left``, bot/discord/departures.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from index.engine import AskedAt, Engine
from index.errors import InputError
from index.indexing import IngestReport
from index.types import Answer

GUILDS = "guilds"  # under the shared index folder
RECORD = "guild.json"
_record_lock = threading.Lock()  # the record is read-modified-written from worker threads and the event loop


class NoSharedCorpus(InputError):
    """A direct message while the shared corpus is empty (a guild's corpus is never used outside it)."""

    def __init__(self) -> None:
        super().__init__("in direct messages I only quote the bot's shared articles, and it has none yet; "
                         "ask me in a server instead")


def upload_id(name: str, data: bytes) -> str:
    """An upload's article id, ``<name>#<12 hex of sha256>``: a changed news.txt is a new article rather than a
    silent replacement of an older one, and the same bytes uploaded twice are one article."""
    return f"{name}#{hashlib.sha256(data).hexdigest()[:12]}"


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def guild_folders(root: Path) -> dict[int, Path]:
    """Every guild's folder under the index folder ``root``, by guild id."""
    base = root / GUILDS
    if not base.is_dir():
        return {}
    return {int(p.name): p for p in sorted(base.iterdir()) if p.is_dir() and p.name.isdigit()}


def read_record(folder: Path) -> dict[str, str]:
    """A guild's record; empty when missing or unreadable (it only ever holds times, rewritten whole)."""
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def update_record(folder: Path, **changes: str | None) -> None:
    """Set (or with None remove) keys of a guild's record, atomically; the folder must exist."""
    with _record_lock:
        record: dict[str, Any] = {**read_record(folder), **changes}
        record = {k: v for k, v in record.items() if v is not None}
        tmp = folder / f".{RECORD}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, folder / RECORD)


def has_index(engine: Engine) -> bool:
    """Whether anything was ever indexed in the engine's folder (a guild's folder appears on its first /index)."""
    return engine.has_index()


def guild_engine(shared: Engine, folder: Path, guild_id: int) -> Engine:
    """An Engine over one guild's folder with the shared engine's models (one copy in memory, however many
    servers the bot is in); every ingest that changes the guild's corpus is noted in its record."""
    settings = shared.settings
    # A Milvus server holds every guild's collections side by side: each guild gets its own names.
    store = replace(settings.store, collection=f"{settings.store.collection}_g{guild_id}")

    def noted(report: IngestReport) -> None:
        update_record(folder, updated=now_iso())

    return Engine(replace(settings, index_dir=str(folder), store=store), models=shared.models, on_change=noted)


class Corpora:
    """The shared engine and the guilds' engines, opened lazily and cached; safe from any thread."""

    def __init__(self, shared: Engine) -> None:
        self.shared = shared
        self._guilds: dict[int, Engine] = {}
        self._lock = threading.Lock()

    def folder_of(self, guild_id: int | None) -> Path:
        """A guild's folder; the shared index's outside a guild."""
        return self.shared.folder if guild_id is None else self.shared.folder / GUILDS / str(int(guild_id))

    def for_guild(self, guild_id: int | None) -> Engine:
        """The guild's engine (its folder is created by its first ingestion); the shared one outside a guild."""
        if guild_id is None:
            return self.shared
        with self._lock:
            engine = self._guilds.get(guild_id)
            if engine is None:
                engine = self._guilds[guild_id] = guild_engine(self.shared, self.folder_of(guild_id), guild_id)
            return engine

    def forget(self, guild_id: int) -> None:
        """Drop a guild's cached engine (its folder is being deleted): a later question starts afresh."""
        with self._lock:
            self._guilds.pop(guild_id, None)

    def guild_ids(self, *, left: bool = False) -> list[int]:
        """Guilds with a folder on disk, opened or not: those the bot is in (for the feed poller), or with
        ``left`` those it has left (their folders wait out [discord] forget_after_days)."""
        return [g for g, folder in guild_folders(self.shared.folder).items()
                if ("left" in read_record(folder)) == left]

    def ask(self, guild_id: int | None, question: str, k: int | None, asked_at: AskedAt,
            shared_fallback: bool) -> Answer:
        """The guild's answer; when it finds nothing and ``shared_fallback`` is on, the shared corpus's.
        Outside a guild (a DM), the shared corpus's answer, or NoSharedCorpus when it is empty."""
        if guild_id is None:
            if not has_index(self.shared):
                raise NoSharedCorpus()
            return self.shared.ask(question, k, asked_at)
        engine = self.for_guild(guild_id)
        if not shared_fallback or not has_index(self.shared):
            return engine.ask(question, k, asked_at)  # an empty guild: "no index", told politely by the caller
        if has_index(engine):
            answer = engine.ask(question, k, asked_at)
            if answer.found:
                return answer
        return self.shared.ask(question, k, asked_at)
