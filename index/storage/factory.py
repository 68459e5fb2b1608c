"""Which storage implementation holds an index: the one place that names them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from index.config import Settings
from index.storage.store import Backend


def open_backend(settings: Settings, folder: Path | None = None) -> Backend:
    """The backend ``[store]`` names, for the index at ``folder`` (default: the settings' index folder)."""
    folder = folder or settings.index_path
    if settings.store.backend == "milvus":
        from index.storage.milvus import MilvusBackend  # pymilvus is imported only by those who use it

        return MilvusBackend(settings.store, folder)
    from index.storage.local import LocalBackend

    return LocalBackend(folder, settings.search.exact_below)


def is_milvus_uri(target: str) -> bool:
    """Whether a ``migrate --to`` target names Milvus (a server URL, or a Milvus Lite file ending in .db)
    rather than a local index folder."""
    return target.startswith(("http://", "https://")) or target.endswith(".db")


def backend_at(settings: Settings, target: str, collection: str | None = None) -> Backend:
    """The backend a ``migrate --to`` target names: Milvus by URI, else a local folder."""
    milvus = is_milvus_uri(target)
    store = replace(settings.store, backend="milvus" if milvus else "local", uri=target if milvus else "",
                    collection=collection or settings.store.collection)
    return open_backend(replace(settings, store=store), settings.index_path if milvus else Path(target))
