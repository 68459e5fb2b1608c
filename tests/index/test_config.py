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
