"""The fixtures of the CLI tests: ``run`` (``quotebot`` in-process with the fake model) and a folder of two articles."""

import json

import pytest

from tests.conftest import cli_runner


@pytest.fixture
def run(capsys, tmp_path):
    return cli_runner(capsys, tmp_path / "fake.toml")


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Volcano erupts\n\nThe volcano erupted on Tuesday. Ash covered the town of Pine.")
    (folder / "b.jsonl").write_text(json.dumps({"id": "b1", "title": "Election held",
                                                "text": "The mayor is called Ada Brook.", "source": "Gazette",
                                                "url": "https://gazette.example/b1", "date": "2024-05-01"}) + "\n")
    return folder
