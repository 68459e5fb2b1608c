"""Shared fixtures: every test gets its own index and config paths, offline model loading, a fake embedder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from index.config import ModelSettings, ReaderSettings, Settings, load_settings
from index.engine import Engine
from tests.fakes import FAKE_MODEL, register

pytest_plugins = ["tests.http_server"]  # the http_server fixture, for every test without an import

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="quotebot-cache-")  # ONNX exports: never the user's
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
register()

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADLINE = "who supported the Deir Ezzor offensive?"
FAKE_CONFIG = '[model]\nname = "fake-hash"\n'


def cli_runner(capsys: pytest.CaptureFixture[str], config: Path,
               text: str = FAKE_CONFIG) -> Callable[..., tuple[int, str, str]]:
    """``quotebot ARGS --config CONFIG`` in-process, CONFIG written from ``text``: (exit code, out, err).

    ``fake=False`` runs ARGS without the config (the packaged model).
    """
    from bot.cli import main

    config.write_text(text)

    def invoke(*args: str, fake: bool = True) -> tuple[int, str, str]:
        try:
            code = main([*args, "--config", str(config)] if fake else list(args))
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's index or config."""
    monkeypatch.setenv("QUOTEBOT_INDEX", str(tmp_path / "index"))
    monkeypatch.delenv("QUOTEBOT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    s = load_settings(index_dir=tmp_path / "index")
    # The fake embedder's rankings are what these tests check: the trained reader has tests of its own.
    return replace(s, model=ModelSettings(name=FAKE_MODEL), reader=ReaderSettings(enabled=False))


@pytest.fixture
def fake_engine(fake_settings: Settings) -> Engine:
    return Engine(fake_settings)


@pytest.fixture(scope="session")
def real_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The packaged all-MiniLM-L6-v2 over the seed article: loaded once for the whole run."""
    folder = tmp_path_factory.mktemp("real") / "index"
    engine = Engine(load_settings(index_dir=folder))
    report = engine.ingest([SEEDS])
    assert report.added == 1 and not report.failed
    yield engine


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest
