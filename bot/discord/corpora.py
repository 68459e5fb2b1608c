"""Each server its own corpus: an Engine per guild over ``<index folder>/guilds/<guild id>/``, sharing the
bot's loaded models; the index folder itself is the shared corpus, which only the bot's owner changes (CLI)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from pathlib import Path

from index.embedding import Embedder
from index.engine import AskedAt, Engine
from index.errors import InputError
from index.reader import Reader
from index.types import Answer

GUILDS = "guilds"  # under the shared index folder


class NoSharedCorpus(InputError):
    """A direct message while the shared corpus is empty (a guild's corpus is never used outside it)."""

    def __init__(self) -> None:
        super().__init__("in direct messages I only quote the bot's shared articles, and it has none yet; "
                         "ask me in a server instead")


def upload_id(name: str, data: bytes) -> str:
    """An upload's article id, ``<name>#<12 hex of sha256>``: a changed news.txt is a new article rather than a
    silent replacement of an older one, and the same bytes uploaded twice are one article."""
    return f"{name}#{hashlib.sha256(data).hexdigest()[:12]}"


def has_index(engine: Engine) -> bool:
    """Whether anything was ever indexed in the engine's folder (a guild's folder appears on its first /index)."""
    return engine.has_index()


class GuildEngine(Engine):
    """An Engine over one guild's folder that borrows the shared engine's models: one copy in memory,
    however many servers the bot is in."""

    def __init__(self, shared: Engine, folder: Path) -> None:
        super().__init__(replace(shared.settings, index_dir=str(folder)))
        self.shared = shared

    @property
    def embedder(self) -> Embedder:
        return self.shared.embedder

    @property
    def query_encoder(self) -> Embedder:
        return self.shared.query_encoder

    @property
    def reader(self) -> Reader | None:
        return self.shared.reader


class Corpora:
    """The shared engine and the guilds' engines, opened lazily and cached; safe from any thread."""

    def __init__(self, shared: Engine) -> None:
        self.shared = shared
        self._guilds: dict[int, Engine] = {}
        self._lock = threading.Lock()

    def folder_of(self, guild_id: int) -> Path:
        return self.shared.folder / GUILDS / str(int(guild_id))

    def for_guild(self, guild_id: int | None) -> Engine:
        """The guild's engine (its folder is created by its first ingestion); the shared one outside a guild."""
        if guild_id is None:
            return self.shared
        with self._lock:
            engine = self._guilds.get(guild_id)
            if engine is None:
                engine = self._guilds[guild_id] = GuildEngine(self.shared, self.folder_of(guild_id))
            return engine

    def guild_ids(self) -> list[int]:
        """Guilds with a corpus on disk, opened or not (for the feed poller)."""
        root = self.shared.folder / GUILDS
        if not root.is_dir():
            return []
        return sorted(int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit())

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
