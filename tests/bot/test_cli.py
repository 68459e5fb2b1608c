"""The CLI through its entry point, in-process with the fake model (fast) and as a subprocess with the real one."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import HEADLINE, ROOT, SEEDS, cli_runner


@pytest.fixture
def run(capsys, tmp_path):
    return cli_runner(capsys, tmp_path / "fake.toml")


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
    for expected in ("Ada Brook", "Election held", "Gazette · 1 May 2024", "https://gazette.example/b1", "best match"):
        assert expected in out
    assert "score" not in out  # a z-scored fusion means nothing to a reader; --json keeps it


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


def test_question_not_utf8_is_one_line_error(run, docs):
    """argv bytes that are not UTF-8 arrive as surrogate escapes; the tokenizers raised a TypeError."""
    run("index", str(docs))
    code, out, err = run("ask", "who \udcff supported?")
    assert code == 1 and "Traceback" not in err + out
    assert err == "error: the question is not valid UTF-8 (byte 0xff at character 5); type it again\n"


def test_question_bytes_on_the_real_command_line(tmp_path):
    env = {**os.environ, "QUOTEBOT_INDEX": str(tmp_path / "none")}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ask", b"caf\xe9?"], env=env, capture_output=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 1
    assert done.stderr.decode() == "error: the question is not valid UTF-8 (byte 0xe9 at character 4); type it again\n"


def test_chat_reports_a_bad_question_and_keeps_going(run, docs, monkeypatch):
    run("index", str(docs))
    answers = iter(["who \udcff?", "what is the mayor called?", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out, err = run("chat")
    assert code == 0 and "Ada Brook" in out and "Traceback" not in err
    assert "error: the question is not valid UTF-8 (byte 0xff at character 5); type it again\n" in err


def test_batch_answers_every_good_line_and_names_each_bad_one(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    lines = [
        json.dumps({"id": "q1", "question": "what is the mayor called?"}),  # 1 good
        "{oops",  # 2
        json.dumps({"id": ["a"], "question": "what erupted?"}),  # 3
        json.dumps({"id": "q1", "question": "what erupted?"}),  # 4 duplicate
        json.dumps({"id": "e", "question": "   "}),  # 5
        json.dumps({"id": "d", "question": "what erupted?", "asked_at": "tomorrow"}),  # 6
        json.dumps({"id": 7, "question": "what erupted?"}),  # 7 good: an int id stays an int
        '{"id": "s", "question": "who \\ud800 won?"}',  # 8 JSON allows a lone surrogate
        json.dumps({"id": True, "question": "what erupted?"}),  # 9
    ]
    qs.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "b", "question": "caf\xe9?"}\n'  # 10
                   + json.dumps({"question": "what is the mayor called?"}).encode() + b"\n")  # 11 good, no id
    code, out, err = run("ask", "--batch", str(qs), "--json")
    answers = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and "Traceback" not in err
    assert [a["id"] for a in answers] == ["q1", 7, "11"]
    assert all(a["found"] for a in answers)
    assert err.splitlines() == [
        f"{qs}:2: malformed JSON (Expecting property name enclosed in double quotes)",
        f'{qs}:3: id must be a string or an integer, got ["a"]',
        f'{qs}:4: duplicate id "q1" (first on line 1)',
        f"{qs}:5: empty question",
        f"{qs}:6: asked_at: not a date: 'tomorrow' (use YYYY-MM-DD or an ISO date-time)",
        f"{qs}:8: question is not valid text (lone surrogate \\ud800 at character 5)",
        f"{qs}:9: id must be a string or an integer, got true",
        f"{qs}:10: not valid UTF-8 (byte 29 of the line); re-save it as UTF-8",
        f"{qs}: 8 bad line(s) skipped (above), 3 answered",
    ]
    code, out, _ = run("ask", "--batch", str(qs))  # readable: the int id as given, not a repr
    assert code == 1 and "Q 7: what erupted?" in out and "Q q1: what is the mayor called?" in out


def test_batch_with_only_bad_lines_says_so(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"question": 3}\n')
    code, out, err = run("ask", "--batch", str(qs))
    assert code == 1 and out == ""
    assert err.splitlines() == [f'{qs}:1: expected {{"id": ..., "question": "..."}}',
                                f"error: {qs}: no good questions in the file"]


def test_eval_keeps_int_ids_and_names_a_bad_line(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "gold.jsonl"
    qs.write_text(json.dumps({"id": 1, "question": "what is the mayor called?", "answers": ["Ada Brook"], "article_id": "b1"}) + "\n")
    code, out, _ = run("eval", str(qs), "--json", "--run", str(tmp_path / "run.jsonl"))
    assert code == 0 and json.loads(out)["answer_recall@1"] == 1.0
    assert json.loads((tmp_path / "run.jsonl").read_text())["id"] == 1
    qs.write_text(json.dumps({"id": {"x": 1}, "question": "q?", "answers": []}) + "\n")
    code, _, err = run("eval", str(qs))
    assert code == 1 and err == f'error: {qs}:1: id must be a string or an integer, got {{"x": 1}}\n'


def test_user_and_article_text_printed_verbatim_never_as_markup(run, tmp_path):
    """Questions, article text and file names with rich markup or emoji codes come out as given."""
    folder = tmp_path / "docs["  # its files' paths read "docs[/i]...": a closing tag
    folder.mkdir()
    (folder / "m.jsonl").write_text(json.dumps({"id": "m1", "title": "Bridge [/i] :smile: news",
                                                "text": "The [bold]harbour[/bold] bridge opened :cat: on Monday."}) + "\n")
    (folder / "i]empty:smile:.txt").write_text("")
    code, out, err = run("index", str(folder))
    assert code == 1 and f"failed: {folder}/i]empty:smile:.txt: empty file" in err
    code, out, err = run("ask", "when did the [/i] harbour bridge open :thumbs_up:?", "-k", "1")
    assert code == 0, err
    for expected in ("Bridge [/i] :smile: news", "The [bold]harbour[/bold] bridge opened :cat: on Monday."):
        assert expected in out
    batch = folder / "b]q:cat:.jsonl"
    batch.write_text(json.dumps({"id": "[i]x:cat:", "question": "when did the [/i] bridge open :thumbs_up:?"}) + "\n{\n")
    code, out, err = run("ask", "--batch", str(batch))
    assert code == 1 and "Q [i]x:cat:: when did the [/i] bridge open :thumbs_up:?" in out
    assert f"{batch}:2: malformed JSON" in err
    code, _, err = run("ask", "--batch", str(folder / "i]gone:cat:.jsonl"))
    assert code == 1 and err == f"error: cannot read {folder}/i]gone:cat:.jsonl: No such file or directory\n"


def test_check_says_how_to_rebuild_and_that_advice_works(run, docs, tmp_path):
    import sqlite3

    run("index", str(docs))
    folder = tmp_path / "index"  # the autouse fixture's QUOTEBOT_INDEX
    with sqlite3.connect(folder / "quotebot.sqlite3") as db:
        db.execute("DELETE FROM chunks WHERE id = (SELECT min(id) FROM chunks)")
    code, _, err = run("check")
    assert code == 1 and "problem: " in err
    advice = err.splitlines()[-1]
    assert advice.endswith(f"rebuild it into a new folder: quotebot export --index {folder} -o articles.jsonl && "
                           "quotebot index articles.jsonl --index NEW_FOLDER")
    export = tmp_path / "articles.jsonl"
    assert run("export", "--index", str(folder), "-o", str(export))[0] == 0
    assert run("index", str(export), "--index", str(tmp_path / "new"))[0] == 0
    code, out, _ = run("check", "--index", str(tmp_path / "new"))
    assert code == 0 and out.startswith("ok: 2 articles")


@pytest.mark.parametrize("args", [("ask", "q?", "-k", "0"), ("ask", "q?", "--results", "-3"), ("ask", "q?", "-k", "51"),
                                  ("chat", "-k", "0"), ("eval", "gold.jsonl", "-k", "0"), ("train", "--steps", "0")])
def test_numeric_options_are_range_checked(run, args):
    code, out, err = run(*args, fake=False)
    assert code == 2 and "Invalid value for" in err and "Traceback" not in err + out
