"""ask, chat and eval through the entry point, in-process with the fake model and as a subprocess."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FAKE_CONFIG, FIXTURES, ROOT, cli_runner


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
    assert code == 0 and json.loads(out) == {"id": None, "question": "quantum chromodynamics lattice", "found": False,
                                             "answer": None, "passages": []}
    code, out, _ = run("ask", "quantum chromodynamics lattice")
    assert "No good match" in out


def test_eval_reports_metrics(run, docs, tmp_path):
    run("index", str(docs))
    qs = tmp_path / "gold.jsonl"
    qs.write_text(json.dumps({"id": "g1", "question": "what is the mayor called?", "answers": ["Ada Brook"],
                              "article_id": "b1"}) + "\n")
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


def test_asking_on_the_calendars_first_day_answers(run, docs):
    """"yesterday" as of 0001-01-01 was an OverflowError; "last year", "in December", "this week" a ValueError
    (year 0)."""
    run("index", str(docs))
    for question in ("what erupted yesterday?", "what erupted last year?", "what erupted in December?",
                     "what erupted this week?"):
        code, out, err = run("ask", question, "--json", "--as-of", "0001-01-01")
        assert code == 0 and err == "" and json.loads(out)["question"] == question


def test_an_empty_date_option_is_one_line_error(run, docs):
    """``--as-of "$UNSET"`` quoted an article dated after the asking day: the cut-off was silently off."""
    run("index", str(docs))
    for option in ("--as-of", "--since", "--until"):
        code, out, err = run("ask", "what is the mayor called?", "--json", option, "")
        assert code == 1 and out == ""
        assert err == f"error: {option}: empty date (use YYYY-MM-DD or an ISO date-time)\n"


def test_a_question_over_the_limit_is_one_line_error(run, docs, monkeypatch):
    """Over 2,000 characters the question was cut without notice; now ask refuses it and chat says so."""
    run("index", str(docs))
    long = "what is the mayor called? " * 80  # 2,080 characters
    code, out, err = run("ask", long)
    assert code == 1 and out == ""
    assert err == "error: question too long: 2079 characters, at most 2000\n"
    answers = iter([long, "what is the mayor called?", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    code, out, err = run("chat")
    assert code == 0 and "Ada Brook" in out
    assert "error: question too long: 2079 characters, at most 2000\n" in err


def test_a_quote_shows_who_its_sentence_says_is_speaking(run, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    text = ("SANA quoted the energy ministry as saying the dam on the Kura river held through the storm. "
            "Engineers will inspect it again in June.")
    (folder / "dam.txt").write_text("Dam holds\n\n" + text)
    run("index", str(folder))
    code, out, _ = run("ask", "did the dam on the Kura river hold through the storm?", "-k", "1")
    assert code == 0
    lines = [line.strip("│ ") for line in out.splitlines()]
    assert "— the energy ministry, via SANA" in lines  # one line of its own, under the quote
    assert lines.index("— the energy ministry, via SANA") < next(i for i, line in enumerate(lines) if "undated" in line)
    code, out, _ = run("ask", "did the dam on the Kura river hold through the storm?", "-k", "1", "--json")
    [passage] = json.loads(out)["passages"]
    said = passage["attribution"]
    assert said["source"]["text"] == "the energy ministry" and said["source"]["pronoun"] is None
    assert said["via"]["text"] == "SANA" and said["cue"]["text"] == "as saying"
    for span in (said["source"], said["cue"], said["via"]):  # article offsets: the passage is article[start:end]
        assert passage["text"][span["start"] - passage["start"] : span["end"] - passage["start"]] == span["text"]


def test_a_quote_whose_sentence_reports_no_one_has_no_attribution_line(run, docs):
    run("index", str(docs))
    code, out, _ = run("ask", "when did the volcano erupt?", "-k", "1")
    assert code == 0 and "The volcano erupted on Tuesday." in out and "—" not in out
    code, out, _ = run("ask", "when did the volcano erupt?", "-k", "1", "--json")
    assert json.loads(out)["passages"][0]["attribution"] is None


# tests/fixtures/corroboration.jsonl: Reuters' wire story, Yahoo News' syndicated copy of it, CNN and SANA on who
# backed the offensive; Reuters and AP against CNN on the Aleppo toll. The real reader reads them (any confidence).
BACKED = "which country backed the Syrian army's offensive on Deir Ezzor?"
TOLL = "how many people did the Aleppo market bombing kill?"


@pytest.mark.model
def test_the_answer_line_says_how_many_independent_sources_report_it(capsys, tmp_path):
    run = cli_runner(capsys, tmp_path / "eager.toml", FAKE_CONFIG + "[reader]\nanswer_confidence = 0.0\n")
    run("index", str(FIXTURES / "corroboration.jsonl"))
    code, out, _ = run("ask", BACKED, "-k", "3")
    shown = " ".join(out.split())  # the line may wrap at the console's width
    assert code == 0 and "Answer: Russia · reported by 3 sources: " in shown
    sources = shown.split("reported by 3 sources: ", 1)[1].split(" (quote")[0]
    assert sorted(sources.split(", ")) == ["CNN", "Reuters", "SANA"]  # the syndicated copy is Reuters again
    code, out, _ = run("ask", BACKED, "-k", "3", "--json")
    said = json.loads(out)["answer"]
    assert said["text"] == "Russia" and set(said) == {"text", "passage", "start", "end", "confidence", "corroboration"}
    assert said["corroboration"]["count"] == 3 and said["corroboration"]["differ"] == []
    assert sorted(said["corroboration"]["sources"]) == ["CNN", "Reuters", "SANA"]
    assert ", ".join(said["corroboration"]["sources"]) == sources  # the line is the JSON's, in rank order


@pytest.mark.model
def test_when_sources_differ_the_answer_line_shows_each_answer_with_its_sources(capsys, tmp_path):
    run = cli_runner(capsys, tmp_path / "eager.toml", FAKE_CONFIG + "[reader]\nanswer_confidence = 0.0\n")
    run("index", str(FIXTURES / "corroboration.jsonl"))
    code, out, _ = run("ask", TOLL, "-k", "3")
    shown = " ".join(out.split())
    assert code == 0 and "Answer: 15 people · sources differ: 15 people (Reuters, AP) · 12 (CNN) (quote 1," in shown
    code, out, _ = run("ask", TOLL, "-k", "3", "--json")
    assert json.loads(out)["answer"]["corroboration"] == {
        "count": 2, "sources": ["Reuters", "AP"], "differ": [{"text": "12", "source": "CNN", "article_id": "cnn-9"}]}
