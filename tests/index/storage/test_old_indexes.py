"""Indexes made before ``origin`` was dropped from the stores (a SQLite column, a Milvus field, never read)
still open, answer, take writes and migrate; new ones are made without it."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from index.config import Settings, StoreSettings
from index.engine import Engine
from index.storage import milvus_schema
from index.storage.factory import open_backend
from index.storage.local_files import DB_NAME
from tests.helpers import make_corpus


def columns(folder: Path) -> list[str]:
    with sqlite3.connect(folder / DB_NAME) as conn:
        return [row[1] for row in conn.execute("PRAGMA table_info(articles)")]


def with_backend(settings: Settings, backend: str, folder: Path) -> Settings:
    uri = str(folder / "milvus.db") if backend == "milvus" else ""
    return replace(settings, index_dir=str(folder), store=StoreSettings(backend=backend, uri=uri))


def change_and_add(engine: Engine, docs: Path) -> None:
    """Write to an index that has 5 articles of ``docs``: one changed, two new; then it must be whole."""
    make_corpus(docs, n=7)  # the same five, and two more
    (docs / "doc001.txt").write_text("Changed story\n\nThe lighthouse keeper painted the tower red.", encoding="utf-8")
    report = engine.ingest([docs])
    assert (report.added, report.updated, report.unchanged, report.failed) == (2, 1, 4, [])
    assert engine.store.counts()[0] == 7 and engine.check() == []
    assert "red" in engine.ask("what colour did the keeper paint the tower?").passages[0].text


def test_a_local_index_with_the_origin_column_takes_writes_and_migrates(fake_settings: Settings,
                                                                         tmp_path: Path) -> None:
    docs = make_corpus(tmp_path / "docs", n=5)
    engine = Engine(with_backend(fake_settings, "local", tmp_path / "old"))
    engine.ingest([docs])
    assert "origin" not in columns(engine.folder)
    engine.store.close()
    with sqlite3.connect(engine.folder / DB_NAME) as conn:  # the table as quotebot made it before, and its rows
        conn.execute("ALTER TABLE articles ADD COLUMN origin TEXT")
        conn.execute("UPDATE articles SET origin = ''")
    engine = Engine(engine.settings)
    change_and_add(engine, docs)
    assert columns(engine.folder)[-1] == "origin"
    copy = Engine(with_backend(fake_settings, "local", tmp_path / "new"))
    assert engine.migrate(copy.backend).added == 7
    assert copy.store.counts() == engine.store.counts() and "origin" not in columns(copy.folder)


def test_a_milvus_collection_with_the_origin_field_takes_writes_and_migrates(fake_settings: Settings, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    made_now = milvus_schema._article_fields

    def made_before() -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        fields = made_now()
        origin = (("origin", milvus_schema.pm.DataType.VARCHAR), {"max_length": milvus_schema.KEY_BYTES})
        return [*fields[:-2], origin, *fields[-2:]]  # after digest, as it was

    def article_fields(engine: Engine) -> set[str]:
        client = engine.store.client
        return {f["name"] for f in client.describe_collection(f"{engine.settings.store.collection}_articles")["fields"]}

    docs = make_corpus(tmp_path / "docs", n=5)
    monkeypatch.setattr(milvus_schema, "_article_fields", made_before)
    old = Engine(with_backend(fake_settings, "milvus", tmp_path / "old"))
    old.ingest([docs])
    monkeypatch.undo()
    assert "origin" in article_fields(old)
    change_and_add(old, docs)
    copy = open_backend(with_backend(fake_settings, "local", tmp_path / "copy"))
    assert old.migrate(copy).added == 7
    fresh = Engine(with_backend(fake_settings, "milvus", tmp_path / "new"))
    fresh.ingest([docs])
    assert "origin" not in article_fields(fresh) and fresh.store.counts() == old.store.counts()
