import pytest

from index.config import default_index_dir, load_settings
from index.errors import ConfigError


def write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_example_config_loads_with_defaults():
    from tests.conftest import ROOT

    s = load_settings(ROOT / "config.example.toml")
    assert s.model.name == "all-MiniLM-L6-v2"
    assert s.search.results == 5


def test_unknown_key_names_key_and_line(tmp_path):
    p = write(tmp_path, "[search]\nresults = 3\nrelevence_floor = 0.2\n")
    with pytest.raises(ConfigError, match=r"c.toml:3: unknown key 'search.relevence_floor'"):
        load_settings(p)


def test_wrong_type_names_key_and_line(tmp_path):
    p = write(tmp_path, "[model]\n\nbatch_size = \"big\"\n")
    with pytest.raises(ConfigError, match=r"c.toml:3: 'model.batch_size' must be int"):
        load_settings(p)


def test_malformed_toml(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[search\n"))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_env_and_argument_overrides(tmp_path, monkeypatch):
    p = write(tmp_path, 'index_dir = "/from/config"\n[search]\nkeyword_weight = 1\n')
    monkeypatch.setenv("QUOTEBOT_CONFIG", str(p))
    monkeypatch.delenv("QUOTEBOT_INDEX")
    s = load_settings()
    assert str(s.index_path) == "/from/config" and s.search.keyword_weight == 1.0
    assert str(load_settings(index_dir=tmp_path / "x").index_path) == str(tmp_path / "x")


def test_default_index_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_index_dir() == tmp_path / "quotebot" / "index"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[chunking]\nmax_chars = 0\n", r"c.toml:2: 'chunking.max_chars' must be from 100 to 20,000, got 0$"),
        ("[search]\nresults = 0\n", r"c.toml:2: 'search.results' must be from 1 to 50, got 0$"),
        ("[search]\nresults = -3\n", r"'search.results' must be from 1 to 50, got -3$"),
        ("[search]\nkeyword_weight = -0.5\n", r"'search.keyword_weight' must be from 0.0 to 1.0, got -0.5$"),
        ("[search]\nrelevance_floor = 2\n", r"'search.relevance_floor' must be from -1.0 to 1.0, got 2$"),
        ("[search]\ncandidates = 40\n[reader]\ncandidates = 0\n",
         r"c.toml:4: 'reader.candidates' must be from 1 to 200"),
        ("[reader]\nmin_relevance = nan\n", r"'reader.min_relevance' must be from -20.0 to 20.0, got nan$"),
        ("[reader]\nanswer_confidence = 1.5\n", r"'reader.answer_confidence' must be from 0.0 to 1.0, got 1.5$"),
        ("[ingest]\nmax_file_mb = inf\n", r"'ingest.max_file_mb' must be from 0.001 to 1,000.0, got inf$"),
        ("[chunking]\noverlap_sentences = -1\n", r"'chunking.overlap_sentences' must be from 0 to 10, got -1$"),
        ("[discord]\nallowed_channels = [5, -1]\n", r"'discord.allowed_channels' items must be from 1 to"),
    ],
)
def test_out_of_range_names_key_value_and_range(tmp_path, toml, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, toml))


def test_every_number_has_a_range_holding_its_default():
    """A new numeric key without a range (or with a default outside it) fails here."""
    from dataclasses import MISSING, fields, is_dataclass
    from typing import get_type_hints

    from index.config import Settings

    def numeric(cls, prefix=""):
        hints = get_type_hints(cls)
        for f in fields(cls):
            if is_dataclass(hints[f.name]):
                yield from numeric(hints[f.name], f"{prefix}{f.name}.")
            elif hints[f.name] in (int, float, list[int]):
                yield f"{prefix}{f.name}", f

    found = dict(numeric(Settings))
    assert {"search.results", "chunking.max_chars", "reader.candidates", "discord.allowed_channels"} <= set(found)
    for name, f in found.items():
        assert "range" in f.metadata, f"{name} has no range"
        lo, hi = f.metadata["range"]
        assert f.default is MISSING or lo <= f.default <= hi, name


def test_bounds_themselves_are_allowed(tmp_path):
    s = load_settings(write(tmp_path, "[search]\nresults = 50\nkeyword_weight = 0\n[chunking]\nmax_chars = 100\n"))
    assert (s.search.results, s.search.keyword_weight, s.chunking.max_chars) == (50, 0.0, 100)


def test_index_with_max_chars_zero_refuses_at_once_and_writes_nothing(tmp_path):
    """It used to hang for ever in chunking and leave an empty index behind."""
    import subprocess
    import sys

    from tests.conftest import ROOT, SEEDS

    config = write(tmp_path, "[chunking]\nmax_chars = 0\n")
    folder = tmp_path / "idx"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "index", str(SEEDS), "--config", str(config),
                           "--index", str(folder)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"error: {config}:2: 'chunking.max_chars' must be from 100 to 20,000, got 0\n"
    assert not folder.exists()


@pytest.mark.parametrize("toml", ["[rerank]\nenabled = false\n", "rerank.candidates = 5\n"])
def test_the_old_rerank_table_says_what_replaced_it(tmp_path, toml):
    replaced = r"c.toml(:1)?: 'rerank' is no longer read: .*rename \[rerank\] to \[reader\]$"
    with pytest.raises(ConfigError, match=replaced):
        load_settings(write(tmp_path, toml))
