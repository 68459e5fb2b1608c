"""Question files (ask --batch, eval): every good line answered, each bad one named as file:line."""

import json


def test_batch_one_line_per_question(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"id": "q1", "question": "what is the mayor called?"}\n\n'
                  '{"id": "q2", "question": "what erupted?"}\n')
    code, out, _ = run("ask", "--batch", str(qs), "--json")
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [x["id"] for x in lines] == ["q1", "q2"]


def test_malformed_batch_line_names_file_and_line(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text('{"id": "q1", "question": "ok?"}\n{oops\n')
    code, _, err = run("ask", "--batch", str(qs))
    assert code == 1 and f"{qs}:2: malformed JSON" in err


def test_batch_asked_at_per_line_and_bad_line_named(run, docs, tmp_path):
    run("index", str(docs))
    batch = tmp_path / "q.jsonl"
    batch.write_text(json.dumps({"id": "early", "question": "what is the mayor called?",
                                 "asked_at": "2024-01-01"}) + "\n"
                     + json.dumps({"id": "late", "question": "what is the mayor called?",
                                   "asked_at": "2024-06-01"}) + "\n")
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
    qs.write_text(json.dumps({"id": 1, "question": "what is the mayor called?", "answers": ["Ada Brook"],
                              "article_id": "b1"}) + "\n")
    code, out, _ = run("eval", str(qs), "--json", "--run", str(tmp_path / "run.jsonl"))
    assert code == 0 and json.loads(out)["answer_recall@1"] == 1.0
    assert json.loads((tmp_path / "run.jsonl").read_text())["id"] == 1
    qs.write_text(json.dumps({"id": {"x": 1}, "question": "q?", "answers": []}) + "\n")
    code, _, err = run("eval", str(qs))
    assert code == 1 and err == f'error: {qs}:1: id must be a string or an integer, got {{"x": 1}}\n'


def test_a_batch_asked_on_the_calendars_first_day_answers_every_line(run, docs, tmp_path):
    """Line checks accepted asked_at 0001-01-01 and asking it then killed the whole batch (year 0)."""
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"id": "a", "question": "what is the mayor called?"}) + "\n"
                  + json.dumps({"id": "b", "question": "what erupted last year?", "asked_at": "0001-01-01"}) + "\n"
                  + json.dumps({"id": "c", "question": "what erupted yesterday?", "asked_at": "0001-01-01"}) + "\n"
                  + json.dumps({"id": "d", "question": "what is the mayor called?", "asked_at": "9999-12-31"}) + "\n")
    code, out, err = run("ask", "--batch", str(qs), "--json")
    assert code == 0 and err == ""
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["a", "b", "c", "d"]


def test_an_empty_asked_at_is_a_bad_line(run, docs, tmp_path):
    """``"asked_at": ""`` turned the asking-time cut-off off for that line."""
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"id": "a", "question": "what is the mayor called?", "asked_at": ""}) + "\n"
                  + json.dumps({"id": "b", "question": "what erupted?", "asked_at": "2024-06-01"}) + "\n")
    code, out, err = run("ask", "--batch", str(qs), "--json")
    assert code == 1 and [json.loads(x)["id"] for x in out.splitlines()] == ["b"]
    assert err.splitlines() == [f"{qs}:1: asked_at: empty date (use YYYY-MM-DD or an ISO date-time)",
                                f"{qs}: 1 bad line(s) skipped (above), 1 answered"]


def test_a_question_over_the_limit_is_a_bad_line(run, docs, tmp_path):
    """A batch line over 2,000 characters was cut without notice."""
    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"id": "a", "question": "what is the mayor called? " * 80}) + "\n"
                  + json.dumps({"id": "b", "question": "what erupted?"}) + "\n")
    code, out, err = run("ask", "--batch", str(qs), "--json")
    assert code == 1 and [json.loads(x)["id"] for x in out.splitlines()] == ["b"]
    assert err.splitlines() == [f"{qs}:1: question too long: 2079 characters, at most 2000",
                                f"{qs}: 1 bad line(s) skipped (above), 1 answered"]


def test_a_batch_shows_progress_on_a_terminal_stderr_and_never_on_stdout(run, docs, tmp_path, monkeypatch):
    """10,000 questions take about an hour: a transient bar on stderr counts them, only when stderr is a terminal."""
    import io

    from rich.console import Console

    run("index", str(docs))
    qs = tmp_path / "q.jsonl"
    qs.write_text("".join(json.dumps({"id": n, "question": "what erupted?"}) + "\n" for n in range(70)))
    terminal = io.StringIO()
    monkeypatch.setattr("bot.cli.asking.stderr", Console(file=terminal, force_terminal=True, width=100))
    code, out, err = run("ask", "--batch", str(qs), "--json")
    assert code == 0 and err == ""
    assert [json.loads(x)["id"] for x in out.splitlines()] == list(range(70))  # stdout: the JSON lines only
    shown = terminal.getvalue()
    assert "answering" in shown and "70/70" in shown
    from bot.cli import common

    monkeypatch.setattr("bot.cli.asking.stderr", common.stderr)
    code, out, err = run("ask", "--batch", str(qs), "--json")  # stderr not a terminal (captured): no bar
    assert code == 0 and err == "" and len(out.splitlines()) == 70
