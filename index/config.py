"""One typed settings object, loaded from TOML with environment overrides.

Unknown keys and wrong types are errors that name the key and its line, because a silently ignored
typo (``relevence_floor``) is worse than a refusal to start.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_type_hints

from index.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def default_index_dir() -> Path:
    """Where the index lives when neither ``--index`` nor ``QUOTEBOT_INDEX`` says otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "quotebot" / "index"


def _ranged(default: int | float, lo: int | float, hi: int | float) -> Any:
    """A numeric setting and its allowed range, both ends included, checked when a config is loaded.

    Out of range is never harmless here: ``max_chars = 0`` hung indexing, ``results = 0`` returned every
    chunk, and a negative count quietly found nothing. The finite bounds also refuse TOML's ``nan``/``inf``.
    """
    return field(default=default, metadata={"range": (lo, hi)})


def _choice(default: str, *allowed: str) -> Any:
    """A string setting that must be one of ``allowed``, checked when a config is loaded."""
    return field(default=default, metadata={"choices": allowed})


@dataclass(frozen=True)
class StoreSettings:
    """Where the index lives (index/storage/store.py): the local folder, or a Milvus collection."""

    backend: str = _choice("local", "local", "milvus")
    # Milvus: a path (Milvus Lite, embedded; empty = milvus.db in the index folder) or http(s)://host:19530.
    uri: str = ""
    token_env: str = "MILVUS_TOKEN"  # the environment variable holding the token ("user:password" or an API key)
    collection: str = "quotebot"  # chunks; <collection>_articles and <collection>_pages beside it


@dataclass(frozen=True)
class ModelSettings:
    name: str = DEFAULT_MODEL
    device: str = "cpu"
    batch_size: int = _ranged(32, 1, 4096)
    quantize: bool = False


@dataclass(frozen=True)
class ChunkSettings:
    max_chars: int = _ranged(700, 100, 20_000)  # below a sentence or so, every chunk is a fragment
    overlap_sentences: int = _ranged(1, 0, 10)
    title_context: bool = True


@dataclass(frozen=True)
class SearchSettings:
    results: int = _ranged(5, 1, 50)
    candidates: int = _ranged(40, 1, 1000)
    keyword_weight: float = _ranged(0.5, 0.0, 1.0)  # a convex mix
    relevance_floor: float = _ranged(0.25, -1.0, 1.0)  # cosine and idf share both lie in -1..1
    exact_below: int = _ranged(50_000, 0, 10**9)


@dataclass(frozen=True)
class ReaderSettings:
    """The trained reader (index/models/reader.py): re-ranking, "nothing found", and the one-line answer;
    its other constants are in ``index.ranking.parameters``."""

    enabled: bool = True
    candidates: int = _ranged(20, 1, 200)
    min_relevance: float = _ranged(-2.64, -20.0, 20.0)  # a logit; mean of the two folds' choices (bench/README.md)
    answer_confidence: float = _ranged(0.85, 0.0, 1.0)  # the calibrated probability the answer is right


@dataclass(frozen=True)
class IngestSettings:
    max_file_mb: float = _ranged(50.0, 0.001, 1000.0)
    max_article_mb: float = _ranged(20.0, 0.001, 1000.0)  # one article's text: embedding time (index.ingest.articles)


@dataclass(frozen=True)
class FetchSettings:
    """Fetching web pages (index/ingest/fetch.py): limits, politeness, and the private-network guard."""

    connect_timeout_s: float = _ranged(10.0, 0.1, 600.0)
    timeout_s: float = _ranged(30.0, 0.1, 3600.0)  # the whole request, body included
    max_mb: float = _ranged(10.0, 0.001, 1000.0)  # one response body, after gzip
    per_host_delay_s: float = _ranged(1.0, 0.0, 3600.0)  # between two requests to one host
    allow_private_networks: bool = False  # true lets a URL reach loopback, LAN or link-local addresses


@dataclass(frozen=True)
class DiscordSettings:
    token_file: str = ""
    allowed_channels: list[int] = field(default_factory=list, metadata={"range": (1, 2**64 - 1)})  # snowflakes
    admin_role_id: int = _ranged(0, 0, 2**64 - 1)  # 0 = none, else a role's snowflake (a name can be copied)
    cooldown_seconds: float = _ranged(10.0, 0.0, 86_400.0)  # per user: one question per this many seconds
    channel_questions: int = _ranged(20, 0, 100_000)  # per channel window; 0 = no channel limit
    channel_window_seconds: float = _ranged(60.0, 1.0, 86_400.0)
    server_questions: int = _ranged(60, 0, 100_000)  # per server window; 0 = no server limit
    server_window_seconds: float = _ranged(60.0, 1.0, 86_400.0)
    workers: int = _ranged(2, 1, 64)  # engine threads: about one per CPU core
    max_queued: int = _ranged(20, 0, 10_000)  # questions waiting for a worker; more are told to retry
    max_upload_kb: int = _ranged(2048, 1, 500 * 1024)
    sync_guild: int = _ranged(0, 0, 2**64 - 1)  # 0 = global sync, else a guild's snowflake
    page_timeout_seconds: float = _ranged(300.0, 0.1, 86_400.0)
    shared_corpus: bool = False  # true: a server's question its own articles miss is asked of the shared index
    answer_in_thread: bool = False  # true: an answer with quotes goes in a new thread off the question
    shards: int = _ranged(0, 0, 10_000)  # gateway connections; 0 = as many as Discord recommends
    forget_after_days: int = _ranged(30, 0, 3650)  # a left server's folder is deleted this long after; 0 = never


# Keys that were replaced: reading one is an error that says what to write instead.
RETIRED_KEYS = {
    "rerank": "the reader's settings are now the [reader] table, with the same keys (enabled, candidates, "
              "min_relevance, answer_confidence): rename [rerank] to [reader]",
    "discord.admin_role": "the admin role is set by its id, which no other role can copy: "
                          "'admin_role_id = <id>' (Developer Mode on: Server Settings > Roles > ... > Copy Role ID)",
}


@dataclass(frozen=True)
class FeedSettings:
    """Followed feeds (index/feeds/polling.py): how often they are polled, and when an entry's own text is enough."""

    interval_minutes: int = _ranged(30, 1, 10_080)  # a week at most
    full_content_chars: int = _ranged(1000, 0, 10_000_000)  # an entry with this much text is not fetched


@dataclass(frozen=True)
class Settings:
    index_dir: str = ""
    store: StoreSettings = field(default_factory=StoreSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    reader: ReaderSettings = field(default_factory=ReaderSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir).expanduser() if self.index_dir else default_index_dir()


def _line_of(text: str, dotted: str) -> int | None:
    """The line of ``dotted``'s key, looked for after its table's header (``reader.candidates`` is not
    ``search.candidates``)."""
    table, _, key = dotted.rpartition(".")
    header = re.compile(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", re.M).search(text) if table else None
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=|^[ \t]*\[+[ \t]*{re.escape(key)}[ \t]*\]+", re.M)
    m = pattern.search(text, header.end() if header else 0) or pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _where(path: Path, text: str, dotted: str) -> str:
    line = _line_of(text, dotted)
    return f"{path}:{line}" if line else str(path)


def _out_of_range(value: Any, bounds: tuple[float, float]) -> bool:
    """Whether a number (or any number in a list) lies outside ``bounds``; NaN always does."""
    values = value if isinstance(value, list) else [value]
    return not all(bounds[0] <= v <= bounds[1] for v in values)


def _check_type(value: Any, hint: Any) -> bool:
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if getattr(hint, "__origin__", None) is list:
        (item,) = hint.__args__
        return isinstance(value, list) and all(_check_type(v, item) for v in value)
    return isinstance(value, hint)


def _build(cls: type, data: dict[str, Any], prefix: str, path: Path, text: str) -> Any:
    hints = get_type_hints(cls)
    ranges = {f.name: f.metadata.get("range") for f in fields(cls)}
    choices = {f.name: f.metadata.get("choices") for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if dotted in RETIRED_KEYS:
            raise ConfigError(f"{_where(path, text, dotted)}: '{dotted}' is no longer read: {RETIRED_KEYS[dotted]}")
        if key not in ranges:
            known = ", ".join(sorted(ranges))
            raise ConfigError(f"{_where(path, text, dotted)}: unknown key '{dotted}' (known here: {known})")
        hint = hints[key]
        allowed = choices[key]
        if isinstance(hint, type) and is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"{_where(path, text, dotted)}: '{dotted}' must be a [{dotted}] table")
            values[key] = _build(hint, value, f"{dotted}.", path, text)
        elif not _check_type(value, hint):
            name = getattr(hint, "__name__", str(hint))
            raise ConfigError(f"{_where(path, text, dotted)}: '{dotted}' must be {name}, got {value!r}")
        elif allowed and value not in allowed:
            raise ConfigError(f"{_where(path, text, dotted)}: '{dotted}' must be one of "
                              f"{', '.join(repr(c) for c in allowed)}, got {value!r}")
        elif (bounds := ranges[key]) is not None and _out_of_range(value, bounds):
            lo, hi = bounds
            items = " items" if isinstance(value, list) else ""
            raise ConfigError(f"{_where(path, text, dotted)}: '{dotted}'{items} must be from {lo:,} to {hi:,}, "
                              f"got {value!r}")
        else:
            values[key] = float(value) if hint is float else value
    return cls(**values)


def load_settings(config_path: str | Path | None = None, index_dir: str | Path | None = None) -> Settings:
    """Settings from ``config_path`` (or ``QUOTEBOT_CONFIG``), then ``index_dir`` (or ``QUOTEBOT_INDEX``)."""
    path_str = str(config_path) if config_path else os.environ.get("QUOTEBOT_CONFIG", "")
    settings = Settings()
    if path_str:
        path = Path(path_str).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        settings = _build(Settings, data, "", path, text)
    override = str(index_dir) if index_dir else os.environ.get("QUOTEBOT_INDEX", "")
    if override:
        settings = replace(settings, index_dir=override)
    return settings
