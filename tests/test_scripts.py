"""scripts/venv.sh and scripts/demo.sh, run in a throwaway copy with pip, uname and quotebot stubbed: what set-up
would install from where (a dry run, no network), and the command the demo says to run next (issue 19, Deliver 1
and 2). Nothing here touches the project's own .venv."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
LOGGER = """#!/usr/bin/env bash
echo "$*" >> "{log}"
{body}
"""

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _stub(path: Path, log: Path, body: str = "exit 0") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LOGGER.format(log=log, body=body), encoding="utf-8")
    path.chmod(0o755)
    return path


def _tree(tmp_path: Path, *scripts: str) -> Path:
    tree = tmp_path / "repo"
    (tree / "scripts").mkdir(parents=True)
    for name in scripts:
        shutil.copy2(ROOT / "scripts" / name, tree / "scripts" / name)
    shutil.copy2(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _venv_sh(tree: Path, tmp_path: Path, pip_body: str, os_name: str = "Linux",
             **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run venv.sh in ``tree`` with a stub .venv and pip (``pip_body``: the stub's exit), on ``os_name``."""
    # Its python answers the version check (-c) with this Python and refuses anything else, such as "-m pip":
    # a script that ignored PIP must not install into this Python.
    _stub(tree / ".venv" / "bin" / "python", tmp_path / "python.log",
          f'[ "$1" = -c ] && exec {shlex.quote(sys.executable)} "$@"; exit 97')
    log = tmp_path / "pip.log"
    log.unlink(missing_ok=True)
    pip = _stub(tmp_path / "bin" / "pip", log, pip_body)
    _stub(tmp_path / "bin" / "uname", tmp_path / "uname.log", f"echo {os_name}")
    run_env = {**os.environ, "PIP": str(pip), "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}", **env}
    done = subprocess.run(["bash", "scripts/venv.sh"], cwd=tree, env=run_env, capture_output=True, text=True,
                          timeout=60)
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return done, calls


def test_venv_asks_the_cpu_wheel_index_for_torch_first_then_the_configured_index(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "venv.sh")
    # The CPU index can't be reached (the stub fails whenever it is named): the configured index is asked next.
    done, calls = _venv_sh(tree, tmp_path, f'case "$*" in *{CPU_INDEX}*) exit 1;; esac')
    assert done.returncode == 0, done.stderr
    torch = [c for c in calls if "torch==" in c]
    assert torch == [f"install --quiet --timeout 10 --retries 0 --index-url {CPU_INDEX} torch==2.13.0",
                     "install --quiet torch==2.13.0"]
    assert calls[0] == "install --quiet --upgrade pip" and calls[-1] == "install --quiet -e .[test,milvus]"
    assert "could not be installed from the PyTorch CPU wheel index" in done.stderr
    assert (tree / ".venv" / ".quotebot-installed").exists()
    again, calls = _venv_sh(tree, tmp_path, "exit 0")  # nothing changed: the stamp skips the install
    assert (again.returncode, calls) == (0, [])


def test_venv_takes_torch_from_the_cpu_index_when_it_answers_and_from_the_default_on_macos(tmp_path: Path) -> None:
    done, calls = _venv_sh(_tree(tmp_path, "venv.sh"), tmp_path, "exit 0")
    assert done.returncode == 0, done.stderr
    assert [c for c in calls if "torch==" in c] == [
        f"install --quiet --timeout 10 --retries 0 --index-url {CPU_INDEX} torch==2.13.0"]
    assert "note:" not in done.stderr
    mac = tmp_path / "mac"
    mac.mkdir()
    done, calls = _venv_sh(_tree(mac, "venv.sh"), mac, "exit 0", os_name="Darwin")
    assert done.returncode == 0, done.stderr
    assert [c for c in calls if "torch==" in c] == ["install --quiet torch==2.13.0"]


def test_venv_refuses_a_python_older_than_3_11_in_one_line(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "venv.sh")
    old = _stub(tmp_path / "bin" / "python3.10", tmp_path / "python.log",
                'case "$*" in *print*) echo 3.10;; *) exit 1;; esac')
    done = subprocess.run(["bash", "scripts/venv.sh"], cwd=tree, env={**os.environ, "PYTHON": str(old)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: Quotebot needs Python 3.11 or newer; {old} is Python 3.10: set PYTHON=python3.11 (or newer)"]
    assert not (tree / ".venv").exists()
    missing = subprocess.run(["bash", "scripts/venv.sh"], cwd=tree, env={**os.environ, "PYTHON": "no-such-python"},
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    assert "'no-such-python' was not found" in missing.stderr


def test_lxml_html_clean_is_a_direct_dependency() -> None:
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "lxml-html-clean" in {Requirement(r).name.replace("_", "-") for r in project["dependencies"]}


def test_demo_prints_the_next_command_and_it_asks_the_demos_index(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "demo.sh")
    log = tmp_path / "quotebot.log"
    _stub(tree / "scripts" / "venv.sh", tmp_path / "venv.log")
    # The stub says which index each command would use: --index, else QUOTEBOT_INDEX, else the default.
    _stub(tree / ".venv" / "bin" / "quotebot", log,
          'index="${QUOTEBOT_INDEX:-default}"; prev=""\n'
          'for a in "$@"; do [ "$prev" = --index ] && index="$a"; prev="$a"; done\n'
          f'echo "$1 $index" >> "{tmp_path / "used.log"}"; echo "answer"')
    env = {k: v for k, v in os.environ.items() if k != "QUOTEBOT_INDEX"}
    done = subprocess.run(["bash", "scripts/demo.sh"], cwd=tree, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    nxt = lines[lines.index("Next: ask the demo's index another question (it is not your default index):") + 1]
    demo_index = str(tree / "quotebot-index")
    used = (tmp_path / "used.log").read_text(encoding="utf-8").splitlines()
    assert used == [f"index {demo_index}", f"ask {demo_index}"]
    # The printed command, run from elsewhere with nothing exported, asks the index the demo built.
    subprocess.run(["bash", "-c", nxt], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=60)
    assert (tmp_path / "used.log").read_text(encoding="utf-8").splitlines()[-1] == f"ask {demo_index}"
    assert shlex.split(nxt)[1:3] == ["ask", "--index"]
