"""The vote log: one row per (answer, voter), the last vote wins, nothing that names a voter is stored."""

from __future__ import annotations

import sqlite3

import pytest

from index.feedback import FEEDBACK_FILE, FeedbackLog, Quote, Vote, eval_lines, gather

QUOTE = Quote("deir", 10, 40, "Syrian forces broke the siege.")


def vote(n: int, answer: str = "111", guild: int | None = 42) -> Vote:
    return Vote(answer, "who broke the siege?", (QUOTE,), n, guild)


def test_a_vote_is_stored_with_question_quotes_server_and_time(tmp_path) -> None:
    log = FeedbackLog(tmp_path)
    log.record(vote(1), user_id=555)
    [got] = FeedbackLog(tmp_path).votes()  # read back by another instance, as the CLI does
    assert (got.question, got.quotes, got.vote, got.guild_id, got.answer) == ("who broke the siege?", (QUOTE,), 1, 42,
                                                                              "111")
    assert got.time.endswith("+00:00")


def test_voting_again_on_the_same_answer_replaces_the_vote(tmp_path) -> None:
    log = FeedbackLog(tmp_path)
    log.record(vote(1), user_id=555)
    log.record(vote(-1), user_id=555)
    log.record(vote(1), user_id=777)  # another reader
    log.record(vote(1, answer="222"), user_id=555)  # another answer
    assert sorted((v.answer, v.vote) for v in log.votes()) == [("111", -1), ("111", 1), ("222", 1)]


def test_no_user_id_is_stored_and_hashes_do_not_link_answers(tmp_path) -> None:
    log = FeedbackLog(tmp_path)
    log.record(vote(1, answer="111"), user_id=123456789012345678)
    log.record(vote(1, answer="222"), user_id=123456789012345678)
    raw = (tmp_path / FEEDBACK_FILE).read_bytes()
    assert b"123456789012345678" not in raw
    with sqlite3.connect(tmp_path / FEEDBACK_FILE) as conn:
        voters = [r[0] for r in conn.execute("SELECT voter FROM votes")]
    assert len(set(voters)) == 2  # the same user on two answers: not linkable
    assert FeedbackLog(tmp_path).voter_hash("111", 123456789012345678) not in voters  # key never written down


def test_a_vote_other_than_plus_or_minus_one_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        FeedbackLog(tmp_path).record(vote(2), user_id=1)
    assert FeedbackLog(tmp_path).votes() == []


def test_eval_lines_have_the_eval_question_shape(tmp_path) -> None:
    log = FeedbackLog(tmp_path)
    log.record(Vote("1", "q one", (QUOTE,), 1, 42, "2026-11-27T10:00:00+00:00"), user_id=1)
    log.record(Vote("2", "q two", (QUOTE,), -1, None, "2026-11-28T10:00:00+00:00"), user_id=1)
    good, bad = eval_lines(log.votes())
    assert good == {"id": "feedback:1", "question": "q one", "asked_at": "2026-11-27", "answers": [],
                    "article_id": "deir", "vote": 1, "guild_id": 42,
                    "quotes": [{"article_id": "deir", "start": 10, "end": 40,
                                "text": "Syrian forces broke the siege."}]}
    assert bad["article_id"] is None and bad["vote"] == -1 and bad["guild_id"] is None


def test_counts_and_votes_gathered_from_several_folders(tmp_path) -> None:
    shared, server = tmp_path / "index", tmp_path / "index" / "guilds" / "42"
    assert FeedbackLog(server).counts() == (0, 0) and not server.exists()  # reading creates nothing
    FeedbackLog(server).record(Vote("1", "q one", (QUOTE,), 1, 42, "2026-11-27T12:00:00+00:00"), user_id=1)
    FeedbackLog(server).record(Vote("2", "q two", (QUOTE,), -1, 42, "2026-11-27T10:00:00+00:00"), user_id=1)
    FeedbackLog(shared).record(Vote("3", "q dm", (QUOTE,), -1, None, "2026-11-27T11:00:00+00:00"), user_id=1)
    assert FeedbackLog(server).counts() == (1, 1) and FeedbackLog(shared).counts() == (0, 1)
    assert [v.question for v in gather([shared, server])] == ["q two", "q dm", "q one"]  # oldest first
    assert [v.question for v in gather([server])] == ["q two", "q one"]
