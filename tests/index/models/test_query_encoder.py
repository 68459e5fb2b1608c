"""The torch-free question path must give the model's own vectors."""

import json
import logging
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from index.config import ModelSettings
from index.models.embedding import load_query_encoder
from index.engine import Engine
from tests.conftest import HEADLINE, ROOT

pytestmark = pytest.mark.model

TEXTS = ["who supported the Deir Ezzor offensive?", "Qui a soutenu l'offensive ?", "😀 emoji and 数字 123,456.7",
         "a", "word " * 400, "Russia said it backed the Syrian army’s offensive with cruise missiles."]


def test_export_agrees_with_the_model(real_engine):
    fast = load_query_encoder(ModelSettings())
    assert fast is not None, "indexing with the real model should have cached a verified export"
    reference = real_engine.models.embedder.encode(TEXTS)
    cosines = np.sum(fast.encode(TEXTS) * reference, axis=1)
    assert cosines.min() >= 0.999, cosines


def test_fresh_process_answers_without_torch(real_engine):
    code = ("import sys, json\nfrom bot.cli import main\ntry:\n    rc = main(sys.argv[1:])\n"
            "except SystemExit as exc:\n    rc = exc.code\n"
            "print(json.dumps({'torch': 'torch' in sys.modules}), file=sys.stderr)\nsys.exit(rc)")
    env = {**os.environ, "QUOTEBOT_INDEX": str(real_engine.folder)}
    done = subprocess.run([sys.executable, "-c", code, "ask", HEADLINE, "--json"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"torch": False}
    first = json.loads(done.stdout)["passages"][0]
    assert "Russia said it backed" in first["text"]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty ONNX cache, and a process that has not tried to export yet."""
    from index.models import query_encoder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(query_encoder, "_tried", {})
    return query_encoder


@pytest.fixture
def onnx_exports(monkeypatch):
    """Counts the real exporter's runs."""
    import torch

    calls = []
    real = torch.onnx.export

    def counted(*args, **kwargs):
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", counted)
    return calls


@pytest.mark.parametrize("damage", ["model.onnx", "meta.json"])
def test_damaged_cache_falls_back_to_the_model(real_engine, fresh_cache, onnx_exports, damage):
    expected = real_engine.ask(HEADLINE)  # the full model answers (real_engine has it loaded) and fills the cache
    (folder,) = fresh_cache.cache_dir().iterdir()
    assert load_query_encoder(ModelSettings()) is not None
    (folder / damage).write_bytes(b"\x00 damaged " * 100)
    assert load_query_encoder(ModelSettings()) is None
    fresh = Engine(real_engine.settings)
    assert fresh.ask(HEADLINE) == expected  # answered by the model it loaded instead
    assert fresh.models.embedder_loaded
    fresh_cache._tried.clear()  # a later process: it repairs the cache
    fresh.ask(HEADLINE)
    assert load_query_encoder(ModelSettings()) is not None and len(onnx_exports) == 2


def test_a_refused_export_is_tried_once_per_process_and_remembered(real_engine, fresh_cache, onnx_exports,
                                                                     monkeypatch, caplog):
    monkeypatch.setattr(fresh_cache, "AGREEMENT", 1.01)  # no export can pass
    with caplog.at_level(logging.WARNING, logger="index.models.query_encoder"):
        answers = [real_engine.ask(HEADLINE) for _ in range(3)]
    assert len(onnx_exports) == 1
    assert answers[0] == answers[1] == answers[2] and answers[0].found
    assert [r.getMessage() for r in caplog.records if "not exporting" in r.getMessage() and "cosine" in r.getMessage()]
    assert load_query_encoder(ModelSettings()) is None
    fresh_cache._tried.clear()  # a later process does not pay for it again
    real_engine.ask(HEADLINE)
    assert len(onnx_exports) == 1


def test_concurrent_first_questions_export_once(real_engine, fresh_cache, onnx_exports):
    expected = real_engine.ask(HEADLINE)
    fresh_cache._tried.clear()
    for p in fresh_cache.cache_dir().rglob("*"):
        if p.is_file():
            p.unlink()
    onnx_exports.clear()
    barrier = threading.Barrier(4)

    def ask():
        barrier.wait()
        return real_engine.ask(HEADLINE)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: ask(), range(4)))
    assert len(onnx_exports) == 1
    assert all(a == expected for a in answers)
    (folder,) = fresh_cache.cache_dir().iterdir()
    assert not list(folder.glob("*.tmp")) and load_query_encoder(ModelSettings()) is not None
