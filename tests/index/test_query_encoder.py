"""The torch-free question path must give the model's own vectors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from index.config import ModelSettings
from index.embedding import load_query_encoder
from tests.conftest import HEADLINE, ROOT

pytestmark = pytest.mark.model

TEXTS = ["who supported the Deir Ezzor offensive?", "Qui a soutenu l'offensive ?", "😀 emoji and 数字 123,456.7",
         "a", "word " * 400, "Russia said it backed the Syrian army’s offensive with cruise missiles."]


def test_export_agrees_with_the_model(real_engine):
    fast = load_query_encoder(ModelSettings())
    assert fast is not None, "indexing with the real model should have cached a verified export"
    reference = real_engine.embedder.encode(TEXTS)
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
    assert first["text"][first["highlight"][0]:].startswith("Russia said it backed")


def test_damaged_cache_falls_back_to_the_model(real_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from index import query_encoder

    folder = query_encoder.cache_dir() / "x"
    folder.mkdir(parents=True)
    assert load_query_encoder(ModelSettings()) is None  # nothing cached here: the full model answers
