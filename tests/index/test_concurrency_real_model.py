"""The real model, shared as the bot shares it: questions from several threads while another thread indexes."""

from __future__ import annotations

import threading
import time

import pytest

import index.indexing as indexing
from index.config import load_settings
from index.engine import Engine
from tests.conftest import HEADLINE, SEEDS
from tests.helpers import make_corpus

pytestmark = pytest.mark.model

QUESTIONS = [HEADLINE, "which missiles were launched at the militants?", "where is Deir Ezzor?",
             "which report mentions the harbour budget?"]


def test_threads_asking_while_one_indexes_get_the_sequential_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(indexing, "COMMIT_EVERY_SECONDS", 1e9)  # one commit: two states an answer may see
    engine = Engine(load_settings(index_dir=tmp_path / "index"))
    engine.ingest([SEEDS])
    before = [engine.ask(q) for q in QUESTIONS]
    more = make_corpus(tmp_path / "more", n=150)

    after_ingest = threading.Event()
    seen: list[tuple[int, object, bool]] = []
    errors: list[BaseException] = []

    def ask(worker: int) -> None:
        i = worker
        while not after_ingest.is_set() or i < worker + len(QUESTIONS):
            q = i % len(QUESTIONS)
            try:
                seen.append((q, engine.ask(QUESTIONS[q]), not after_ingest.is_set()))
            except BaseException as exc:  # noqa: BLE001 - reported below with the rest
                errors.append(exc)
                return
            i += 1

    def index() -> None:
        try:
            report = engine.ingest([more])
            assert report.added == 150 and not report.failed
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            after_ingest.set()

    askers = [threading.Thread(target=ask, args=(w,)) for w in range(3)]
    writer = threading.Thread(target=index)
    for t in askers:
        t.start()
    time.sleep(0.2)
    writer.start()
    for t in [writer, *askers]:
        t.join(300)
    assert not errors, errors
    after = [engine.ask(q) for q in QUESTIONS]
    assert after[0].passages[0].article_id == before[0].passages[0].article_id
    during = [s for s in seen if s[2]]
    assert len(during) >= 3, "too few questions were answered while the index was being written"
    for q, answer, _ in seen:
        assert answer in (before[q], after[q]), (QUESTIONS[q], answer)
    assert engine.check() == []
