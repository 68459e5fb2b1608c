"""quotebot feedback: the readers' votes exported as eval questions that `quotebot eval` reads."""

from __future__ import annotations

import json

from index.feedback import FeedbackLog, Quote, Vote


def test_feedback_exports_votes_as_eval_questions(run, tmp_path) -> None:
    log = FeedbackLog(tmp_path / "index")  # the autouse fixture's QUOTEBOT_INDEX
    quote = Quote("kites", 0, 51, "Three hundred kites flew over the beach on Sunday.")
    log.record(Vote("1", "how many kites flew?", (quote,), 1, 42, "2026-11-27T10:00:00+00:00"), user_id=7)
    log.record(Vote("2", "who won the race?", (quote,), -1, 43, "2026-11-27T11:00:00+00:00"), user_id=7)

    code, out, err = run("feedback")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(q["id"], q["question"], q["vote"], q["asked_at"]) for q in lines] == [
        ("feedback:1", "how many kites flew?", 1, "2026-11-27"), ("feedback:2", "who won the race?", -1, "2026-11-27")]
    assert lines[0]["quotes"] == [{"article_id": "kites", "start": 0, "end": 51, "text": quote.text}]
    assert lines[0]["article_id"] == "kites" and lines[1]["article_id"] is None

    target = tmp_path / "votes.jsonl"
    code, out, err = run("feedback", "-o", str(target))
    assert code == 0 and out == "" and "exported 2 votes (1 helpful, 1 not)" in err
    assert [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()] == lines


def test_feedback_to_an_unwritable_place_is_one_line(run, tmp_path) -> None:
    FeedbackLog(tmp_path / "index").record(Vote("1", "q", (), 1), user_id=7)
    code, out, err = run("feedback", "-o", str(tmp_path / "no" / "such" / "dir" / "votes.jsonl"))
    assert code != 0 and err.startswith("error: cannot write") and len(err.strip().splitlines()) == 1


def test_no_votes_is_an_empty_export(run) -> None:
    code, out, err = run("feedback")
    assert code == 0 and out == ""
