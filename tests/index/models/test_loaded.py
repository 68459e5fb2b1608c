"""The models object: nothing loaded until asked, each model loaded once however many engines and threads
use it, and questions encoded by the export only while the full model is not in memory."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from index.config import ModelSettings
from index.engine import Engine
from index.errors import ModelError
from index.models import embedding, loaded
from index.models.embedding import QueryEncoder
from index.models.loaded import Models
from tests.fakes import HashEmbedder

COUNTED = "counted-fake"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[HashEmbedder]:
    """``[model] name = "counted-fake"`` builds the fake embedder; the list holds each one built."""
    built: list[HashEmbedder] = []

    def factory(settings: ModelSettings) -> HashEmbedder:
        time.sleep(0.01)  # a load takes time: threads asking at once overlap
        built.append(HashEmbedder(settings))
        return built[-1]

    monkeypatch.setitem(embedding._REGISTRY, COUNTED, factory)
    return built


class FakeExport:
    """Stands for the cached ONNX export: encodes questions, nothing else."""

    dim = HashEmbedder.dim

    def encode(self, texts):
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def test_nothing_is_loaded_until_asked(loads, fake_settings, monkeypatch):
    monkeypatch.setattr(loaded, "Reader", lambda: pytest.fail("the reader was loaded"))
    models = Models(ModelSettings(name=COUNTED), reader_enabled=True)
    engine = Engine(replace(fake_settings, model=ModelSettings(name=COUNTED)), models=models)
    assert not engine.has_index() and engine.ingest([]).added == 0
    assert loads == [] and not models.embedder_loaded
    assert models.embedder is models.embedder and len(loads) == 1 and models.embedder_loaded


def test_questions_fall_back_to_the_embedder_without_an_export(loads, monkeypatch):
    looked: list[ModelSettings] = []
    monkeypatch.setattr(loaded, "load_query_encoder", lambda settings: looked.append(settings))
    models = Models(ModelSettings(name=COUNTED), reader_enabled=False)
    assert models.query_encoder is models.embedder is loads[0]
    assert models.query_encoder is loads[0] and len(looked) == 1  # not looked for again


def test_the_export_answers_until_the_full_model_is_loaded(loads, monkeypatch):
    export = FakeExport()
    monkeypatch.setattr(loaded, "load_query_encoder", lambda settings: export)
    models = Models(ModelSettings(name=COUNTED), reader_enabled=False)
    assert models.query_encoder is export and loads == []  # no torch for a one-shot question
    encoder: QueryEncoder = models.query_encoder
    assert encoder.encode(["who?"]).shape == (1, HashEmbedder.dim)
    models.embedder  # indexing loaded the model: from now on it encodes the questions, as it did the chunks
    assert models.query_encoder is loads[0]


def test_without_a_cached_export_the_embedder_encodes_questions(loads):
    models = Models(ModelSettings(name=COUNTED), reader_enabled=False)  # a registered model has no export
    assert models.query_encoder is loads[0]


def test_two_engines_share_one_load(loads, fake_settings, tmp_path):
    settings = replace(fake_settings, model=ModelSettings(name=COUNTED))
    models = Models(settings.model, reader_enabled=False)
    a = Engine(replace(settings, index_dir=str(tmp_path / "a")), models=models)
    b = Engine(replace(settings, index_dir=str(tmp_path / "b")), models=models)
    (tmp_path / "doc.txt").write_text("Ferries\n\nThe ferry to Pine runs twice a day.")
    assert a.ingest([tmp_path / "doc.txt"]).added == b.ingest([tmp_path / "doc.txt"]).added == 1
    assert a.ask("when does the ferry run?").found and b.ask("when does the ferry run?").found
    assert len(loads) == 1 and a.models is b.models


def test_threads_asking_at_once_load_once(loads):
    models = Models(ModelSettings(name=COUNTED), reader_enabled=False)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: models.embedder, range(8)))
    assert len(loads) == 1 and all(e is loads[0] for e in got)


def test_reader_off_and_a_broken_reader(monkeypatch):
    assert Models(ModelSettings(name=COUNTED), reader_enabled=False).reader is None

    def broken() -> None:
        raise OSError("no such file: model.onnx")

    monkeypatch.setattr(loaded, "Reader", broken)
    with pytest.raises(ModelError, match=r"cannot load the re-ranker from .*weights \(no such file: model.onnx\); "
                                         r"reinstall quotebot, or set \[reader\] enabled = false"):
        Models(ModelSettings(name=COUNTED), reader_enabled=True).reader


def test_an_engine_refuses_models_for_another_model(fake_settings):
    with pytest.raises(ValueError, match="models for"):
        Engine(fake_settings, models=Models(ModelSettings(name="some/other-model"), reader_enabled=False))


def test_an_engine_makes_its_own_models(fake_settings):
    engine = Engine(fake_settings)
    assert engine.models.settings == fake_settings.model and engine.models.reader is None  # [reader] off
    assert Engine(fake_settings).models is not engine.models


def test_export_does_nothing_before_the_model_is_loaded(loads):
    models = Models(ModelSettings(name=COUNTED), reader_enabled=False)
    models.export_query_encoder()
    assert loads == []
