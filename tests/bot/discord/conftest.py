"""Fixtures for the Discord tests."""

from __future__ import annotations

import pytest

from index.engine import Engine
from tests.bot.discord.corpus import corpus_jsonl


@pytest.fixture
def corpus_engine(fake_engine: Engine) -> Engine:
    """The fake-hash engine over the test corpus (plain, hostile and long articles)."""
    report = fake_engine.ingest_bytes("corpus.jsonl", corpus_jsonl())
    assert report.added == 3 and not report.failed
    return fake_engine
