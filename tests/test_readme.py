"""The README's examples are what the program prints today: each `$ quotebot ask …` block is run on the
seed article with the packaged model (paths shown as /path/to/quotebot), and the quick start names
scripts that exist."""

from __future__ import annotations

import json
import os
import re
import shlex

import pytest

from tests.conftest import ROOT, SEEDS, cli_runner

README = (ROOT / "README.md").read_text(encoding="utf-8")
HERE = "/path/to/quotebot"
ELISION = re.compile(r"^│\s*\.\.\.\s*│$")


def examples() -> list[tuple[list[str], list[str]]]:
    """(the command's words after `quotebot`, the lines shown under it) of every ```-block that starts with
    `$ quotebot ask`."""
    out = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", README, re.S):
        first, *shown = block.rstrip("\n").split("\n")
        if first.startswith("$ quotebot ask "):
            out.append((shlex.split(first[2:].split(" | ")[0])[1:], shown))
    return out


def matches(shown: list[str], printed: list[str]) -> bool:
    """Every shown line is printed, in order; a `│ ... │` line stands for any number of printed lines."""
    pos, skipping = 0, False
    for line in shown:
        if ELISION.match(line.strip()):
            skipping = True
            continue
        while skipping and pos < len(printed) and printed[pos].rstrip() != line.rstrip():
            pos += 1
        if pos >= len(printed) or printed[pos].rstrip() != line.rstrip():
            return False
        pos, skipping = pos + 1, False
    return True


def test_the_readme_has_both_kinds_of_example():
    kinds = {"--json" in args for args, _ in examples()}
    assert kinds == {True, False}


@pytest.mark.model
def test_every_ask_example_prints_what_the_readme_shows(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    run = cli_runner(capsys, tmp_path / "unused.toml")
    index = str(tmp_path / "index")
    code, _, err = run("index", str(SEEDS), "--index", index, fake=False)
    assert code == 0, err
    for args, shown in examples():
        code, out, err = run(*args, "--index", index, fake=False)
        assert code == 0, err
        out = out.replace(str(ROOT), HERE)
        if "--json" in args:  # shown pretty-printed, as `python3 -m json.tool --no-ensure-ascii` prints it
            printed = json.dumps(json.loads(out), indent=4, ensure_ascii=False).split("\n")
            assert printed == shown, "\n".join(printed)
        else:
            assert matches(shown, out.split("\n")), out


def test_matches_takes_elisions_for_any_lines():
    assert matches(["a", "│ ... │", "d"], ["a", "b", "c", "d"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert not matches(["a", "│ ... │", "e"], ["a", "b", "d"])


def test_the_quick_start_scripts_exist_and_run():
    quick = README.split("## Quick start", 1)[1].split("```")[1]
    scripts = re.findall(r"^(scripts/\S+)", quick, re.M)
    assert scripts == ["scripts/demo.sh", "scripts/test.sh"]
    for script in scripts:
        assert os.access(ROOT / script, os.X_OK), script
    assert (ROOT / ".ci" / "run").read_text().count("scripts/test.sh") == 1  # CI runs the README's test command
