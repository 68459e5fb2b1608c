"""The entry point across commands: one-line errors, help, range checks, verbatim printing, the console script."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import HEADLINE, ROOT, SEEDS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "error: empty question"),
        (("ask", "anything"), "error: no index at"),
        (("info",), "error: no index at"),
        (("ask",), "error: give a question or --batch FILE"),
        (("ask", "--batch", "/nonexistent.jsonl"), "error: cannot read /nonexistent.jsonl"),
    ],
)
def test_bad_input_is_one_clear_line(run, args, message):
    code, out, err = run(*args)
    assert code == 1 and err.startswith(message) and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_bad_config_names_key(run, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[search]\nresultz = 3\n")
    code, _, err = run("info", "--config", str(cfg), fake=False)
    assert code == 1 and f"{cfg}:2: unknown key 'search.resultz'" in err


def test_help_everywhere(run):
    for cmd in ("index", "ask", "chat", "eval", "info", "bot"):
        code, out, _ = run(cmd, "--help", fake=False)
        assert code == 0 and "--index" in out and "--config" in out


@pytest.mark.model
def test_console_script_real_model_on_seeds(tmp_path):
    """The installed `quotebot` script, a fresh process, the packaged model, offline."""
    env = {**os.environ, "QUOTEBOT_INDEX": str(tmp_path / "idx"), "HF_HUB_OFFLINE": "1"}
    exe = os.path.join(os.path.dirname(sys.executable), "quotebot")
    done = subprocess.run([exe, "index", str(SEEDS)], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout
    done = subprocess.run([exe, "ask", HEADLINE, "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["found"]
    first = answer["passages"][0]
    assert "Russia said it backed the Syrian army’s offensive" in first["text"]  # the answering passage first


def test_user_and_article_text_printed_verbatim_never_as_markup(run, tmp_path):
    """Questions, article text and file names with rich markup or emoji codes come out as given."""
    folder = tmp_path / "docs["  # its files' paths read "docs[/i]...": a closing tag
    folder.mkdir()
    (folder / "m.jsonl").write_text(json.dumps({"id": "m1", "title": "Bridge [/i] :smile: news",
                                                "text": "The [bold]harbour[/bold] bridge opened :cat: on Monday."})
                                     + "\n")
    (folder / "i]empty:smile:.txt").write_text("")
    code, out, err = run("index", str(folder))
    assert code == 1 and f"failed: {folder}/i]empty:smile:.txt: empty file" in err
    code, out, err = run("ask", "when did the [/i] harbour bridge open :thumbs_up:?", "-k", "1")
    assert code == 0, err
    for expected in ("Bridge [/i] :smile: news", "The [bold]harbour[/bold] bridge opened :cat: on Monday."):
        assert expected in out
    batch = folder / "b]q:cat:.jsonl"
    batch.write_text(json.dumps({"id": "[i]x:cat:", "question": "when did the [/i] bridge open :thumbs_up:?"})
                     + "\n{\n")
    code, out, err = run("ask", "--batch", str(batch))
    assert code == 1 and "Q [i]x:cat:: when did the [/i] bridge open :thumbs_up:?" in out
    assert f"{batch}:2: malformed JSON" in err
    code, _, err = run("ask", "--batch", str(folder / "i]gone:cat:.jsonl"))
    assert code == 1 and err == f"error: cannot read {folder}/i]gone:cat:.jsonl: No such file or directory\n"


@pytest.mark.parametrize("args", [("ask", "q?", "-k", "0"), ("ask", "q?", "--results", "-3"), ("ask", "q?", "-k", "51"),
                                  ("chat", "-k", "0"), ("eval", "gold.jsonl", "-k", "0"), ("train", "--steps", "0")])
def test_numeric_options_are_range_checked(run, args):
    code, out, err = run(*args, fake=False)
    assert code == 2 and "Invalid value for" in err and "Traceback" not in err + out


def test_help_imports_no_heavy_library():
    """`quotebot --help` and each command's help stay quick: numpy, FAISS and torch load only when a command runs."""
    code = ("import sys\nfrom bot.cli import main\n"
            "for argv in (['--help'], ['ask', '--help'], ['feedback', '--help'], ['train', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'faiss', 'torch', 'discord'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
