"""The CLI through its entry point, in-process with the fake model (fast) and as a subprocess with the real one."""

import json
import os
import subprocess
import sys

import pytest

from bot.cli import main
from tests.conftest import HEADLINE, ROOT, SEEDS


@pytest.fixture
def run(capsys, tmp_path):
    config = tmp_path / "fake.toml"
    config.write_text('[model]\nname = "fake-hash"\n')

    def invoke(*args: str, fake: bool = True):
        argv = [*args, "--config", str(config)] if fake else list(args)
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Volcano erupts\n\nThe volcano erupted on Tuesday. Ash covered the town of Pine.")
    (folder / "b.jsonl").write_text(json.dumps({"id": "b1", "title": "Election held", "text": "The mayor is called Ada Brook.",
                                                "source": "Gazette", "url": "https://gazette.example/b1", "date": "2024-05-01"}) + "\n")
    return folder


def test_index_ask_json_info(run, docs):
    code, out, err = run("index", str(docs))
    assert code == 0 and "2 added, 0 updated, 0 unchanged, 0 failed" in out
    code, out, _ = run("ask", "what is the mayor called?", "--json")
    assert code == 0
    answer = json.loads(out)
    assert set(answer) == {"id", "question", "found", "answer", "passages"} and answer["found"]
    if answer["answer"] is not None:  # the one-line answer is verbatim words of the first quote
        a = answer["answer"]
        assert answer["passages"][a["passage"]]["text"][a["start"]:a["end"]] == a["text"]
    p = answer["passages"][0]
    assert set(p) == {"article_id", "title", "source", "url", "date", "text", "start", "end", "highlight", "score"}
    assert (p["article_id"], p["source"], p["date"]) == ("b1", "Gazette", "2024-05-01")
    assert p["text"][p["highlight"][0] : p["highlight"][1]] == "The mayor is called Ada Brook."
    code, out, _ = run("info", "--json")
    info = json.loads(out)
    assert (info["articles"], info["model"], info["dimension"]) == (2, "fake-hash", 64) and info["chunks"] >= 2


def test_readable_answer_shows_quote_and_sources(run, docs):
    run("index", str(docs))
    code, out, _ = run("ask", "what is the mayor called?", "-k", "1")
    assert code == 0
    for expected in ("Ada Brook", "Election held", "Gazette", "2024-05-01", "https://gazette.example/b1"):
        assert expected in out


def test_nothing_found(run, docs):
    run("index", str(docs))
    code, out, _ = run("ask", "quantum chromodynamics lattice", "--json")
    assert code == 0 and json.loads(out) == {"id": None, "question": "quantum chromodynamics lattice", "found": False, "answer": None, "passages": []}
    code, out, _ = run("ask", "quantum chromodynamics lattice")
    assert "No good match" in out


def test_batch_one_line_per_question(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"id": "q1", "question": "what is the mayor called?"}\n\n{"id": "q2", "question": "what erupted?"}\n')
    code, out, _ = run("ask", "--batch", str(qs), "--json")
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [x["id"] for x in lines] == ["q1", "q2"]


def test_eval_reports_metrics(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "gold.jsonl"
    qs.write_text(json.dumps({"id": "g1", "question": "what is the mayor called?", "answers": ["Ada Brook"], "article_id": "b1"}) + "\n")
    code, out, _ = run("eval", str(qs), "--json", "--run", str(tmp_path / "run.jsonl"))
    metrics = json.loads(out)
    assert code == 0 and metrics["answer_recall@1"] == 1.0 and metrics["mrr@10"] == 1.0
    assert json.loads((tmp_path / "run.jsonl").read_text())["id"] == "g1"


def test_chat_loop(run, docs, monkeypatch):
    run("index", str(docs))
    answers = iter(["what is the mayor called?", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out, _ = run("chat")
    assert code == 0 and "Ada Brook" in out


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


def test_malformed_batch_line_names_file_and_line(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"id": "q1", "question": "ok?"}\n{oops\n')
    code, _, err = run("ask", "--batch", str(qs))
    assert code == 1 and f"{qs}:2: malformed JSON" in err


def test_bad_files_fail_clearly_and_lose_nothing(run, docs, tmp_path):
    run("index", str(docs))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "latin.txt").write_bytes("caf\u00e9 au lait".encode("latin-1"))
    (bad / "bin.md").write_bytes(b"\x00\x01\x02")
    code, out, err = run("index", str(bad), str(tmp_path / "missing"))
    assert code == 1 and "0 added" in out and "4 failed" in out
    for expected in ("empty.txt: empty file", "latin.txt: not valid UTF-8", "bin.md: binary file", "missing: no such file"):
        assert expected in err
    code, out, _ = run("info", "--json")
    assert json.loads(out)["articles"] == 2


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
    assert first["text"][first["highlight"][0]:].startswith("Russia said it backed the Syrian army’s offensive")


def test_asking_time_options(run, docs):
    run("index", str(docs))
    code, out, _ = run("ask", "what is the mayor called?", "--json", "--as-of", "2024-04-01")
    assert code == 0 and "b1" not in out  # published after the asking day: never quoted
    code, out, _ = run("ask", "what is the mayor called?", "--json", "--as-of", "2024-06-01")
    assert code == 0 and json.loads(out)["passages"][0]["article_id"] == "b1"
    code, out, _ = run("ask", "what is the mayor called?", "--json", "--since", "2024-05-02")
    assert code == 0 and "b1" not in out
    code, _, err = run("ask", "mayor?", "--as-of", "someday")
    assert code == 1 and err.strip() == "error: --as-of: not a date: 'someday' (use YYYY-MM-DD or an ISO date-time)"
    code, _, err = run("ask", "mayor?", "--since", "2024-05-02", "--until", "2024-05-01")
    assert code == 1 and err.count("\n") == 1 and "is after --until" in err


def test_batch_asked_at_per_line_and_bad_line_named(run, docs, tmp_path):
    run("index", str(docs))
    batch = tmp_path / "q.jsonl"
    batch.write_text(json.dumps({"id": "early", "question": "what is the mayor called?", "asked_at": "2024-01-01"}) + "\n"
                     + json.dumps({"id": "late", "question": "what is the mayor called?", "asked_at": "2024-06-01"}) + "\n")
    code, out, _ = run("ask", "--batch", str(batch), "--json")
    early, late = (json.loads(line) for line in out.splitlines())
    assert code == 0 and "b1" not in json.dumps(early) and late["passages"][0]["article_id"] == "b1"
    batch.write_text(json.dumps({"id": "x", "question": "mayor?", "asked_at": "tomorrow"}) + "\n")
    code, _, err = run("ask", "--batch", str(batch))
    assert code == 1 and f"{batch}:1: asked_at" in err


def test_batch_question_with_markup_is_printed_verbatim(run, docs, tmp_path):
    run("index", str(docs))
    batch = tmp_path / "q.jsonl"
    batch.write_text(json.dumps({"id": "m", "question": "what is [/i] the mayor [bold]called?"}) + "\n")
    code, out, _ = run("ask", "--batch", str(batch))
    assert code == 0 and "[/i] the mayor [bold]called?" in out
