"""The [discord] settings as documented: config.example.toml shows every key at its default, and the README's
server section has a row for each."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, fields

from index.config import DiscordSettings
from tests.conftest import ROOT


def test_the_example_config_shows_every_discord_key_at_its_default() -> None:
    table = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))["discord"]
    assert table == asdict(DiscordSettings())


def test_the_readme_has_a_row_for_every_discord_key() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Run it on your server"):]
    rows = [line for line in section.splitlines() if line.strip().startswith("| `")]
    missing = [f.name for f in fields(DiscordSettings) if not any(f"`{f.name}`" in row for row in rows)]
    assert missing == []
