"""Asking time through the engine: later articles never quoted, recent ones preferred, undated kept."""

from __future__ import annotations

import json
from datetime import date

import pytest

from index.errors import InputError
from index.ranking.highlight import Query
from index.ranking.parameters import Parameters, Time
from index.ranking.retrieval import Retrieved, Scored
from index.ranking.stages import Context, recency
from index.ranking.timeframe import TimeFrame, frame
from index.storage.store import ChunkRow, Where

STORY = "The harbour bridge reopened after repairs, the city council said, and traffic returned to normal."


def _corpus(tmp_path, records):
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def dated(tmp_path, fake_engine):
    # Four reports of one story, each in its own words: a sentence shown once is not quoted again.
    records = [
        {"id": "old", "title": "Bridge news", "text": STORY.replace("city", "north"), "date": "2021/03/01"},
        {"id": "recent", "title": "Bridge news", "text": STORY.replace("city", "south") + " Officials were pleased.",
         "date": "2023-12-20"},
        {"id": "future", "title": "Bridge news", "text": STORY.replace("city", "east") + " A parade followed.",
         "date": "2024-01-15"},
        {"id": "undated", "title": "Bridge news", "text": STORY.replace("city", "west") + " Nobody knows when."},
    ]
    fake_engine.ingest([_corpus(tmp_path, records)])
    return fake_engine


def ids(answer):
    return [p.article_id for p in answer.passages]


def test_articles_after_the_asking_day_are_never_quoted(dated):
    answer = dated.ask("when did the harbour bridge reopen?", 10, asked_at="2023-12-22")
    assert "future" not in ids(answer)
    assert {"old", "recent", "undated"} <= set(ids(answer))
    later = dated.ask("when did the harbour bridge reopen?", 10, asked_at="2024-02-01")
    assert "future" in ids(later)


def test_recent_articles_come_before_old_ones(dated):
    order = ids(dated.ask("when did the harbour bridge reopen?", 10, asked_at="2023-12-22"))
    assert order.index("recent") < order.index("old")


def test_a_question_about_an_older_year_prefers_that_year(dated):
    order = ids(dated.ask("when did the harbour bridge reopen in 2021?", 10, asked_at="2023-12-22"))
    assert order.index("old") < order.index("recent")


def test_since_and_until_bound_the_quotes(dated):
    answer = dated.ask("harbour bridge", 10, asked_at="2024-06-01", since=date(2022, 1, 1), until=date(2023, 12, 31))
    assert set(ids(answer)) == {"recent", "undated"}


def test_batch_asking_times_apply_per_question(dated):
    q = "when did the harbour bridge reopen?"
    early, late = dated.ask_many([q, q], 10, asked_at=["2021-06-01", "2024-06-01"])
    assert "recent" not in ids(early) and "future" not in ids(early)
    assert "future" in ids(late)


def test_a_bad_asking_time_is_one_clear_error(dated):
    with pytest.raises(InputError, match=r"not a date.*question q7"):
        dated.ask_many(["harbour bridge"], 5, ids=["q7"], asked_at=["soon"])


def _scored(aid, day, score):
    row = ChunkRow(id=hash(aid) % 1000, article_id=aid, title="", source=None, url=None, date=day, start=0, end=1,
                   text="x")
    return Scored(row, 0.0, 0.0, score)


def weigh_time(ranked, timeframe, weight):
    """The recency stage alone, for one question's time frame."""
    retrieved = Retrieved("q", timeframe, Where(), Query.of("q"), 0.0, ())
    return recency(ranked, Context(retrieved, Parameters(time=Time(recency=weight)), None, 5))


def test_undated_articles_get_the_mean_penalty():
    ranked = [_scored("a", "2023-12-21", 1.0), _scored("b", "2023-01-01", 1.0), _scored("c", None, 1.0)]
    out = {s.row.article_id: s.score for s in weigh_time(ranked, frame("q", date(2023, 12, 22)), 0.5)}
    assert out["a"] > out["c"] > out["b"]
    assert out["c"] == pytest.approx((out["a"] + out["b"]) / 2)


def test_no_time_frame_keeps_the_order():
    ranked = [_scored("a", "2020-01-01", 3.0), _scored("b", "2023-01-01", 2.0), _scored("c", None, 1.0)]
    assert [s.row.article_id for s in weigh_time(ranked, TimeFrame(), 0.5)] == ["a", "b", "c"]


def test_an_empty_asking_time_is_refused_not_ignored(dated):
    with pytest.raises(InputError, match=r"^empty date.*\(question q7\)$"):
        dated.ask_many(["harbour bridge"], 5, ids=["q7"], asked_at=[""])
