"""The one-line answer (index.ranking.answering.answer_line) carries who reports it: the independent sources among
the ranked passages (syndicated copies once), or the differing answers with theirs; in the JSON as
``answer.corroboration``."""

from __future__ import annotations

from index.models.calibration import Calibration
from index.ranking.answering import answer_line, quote
from index.types import Answer, Claim, Corroboration
from tests.index.ranking.test_corroboration import (CNN, SANA, TOLL_AP, TOLL_CNN, TOLL_REUTERS, WIRE, ranking,
                                                    scored)

SURE = Calibration((0.0, 0.0, 0.0, 0.0), 5.0)  # whatever the reader saw: p = 0.993


def shown(ranked, min_confidence=0.5, calibration=SURE):
    passages = quote(ranked, 4, 700)
    return passages, answer_line(ranked, passages, min_confidence, calibration)


def test_the_answer_line_carries_its_independent_sources_a_syndicated_copy_once():
    copy = "By Reuters staff. " + WIRE  # Yahoo News' copy of the wire story, under a byline
    ranked = ranking(scored(WIRE, "reuters-1", "Reuters", ("Russia", 0.9)),
                     scored(copy, "yahoo-7", "Yahoo News", ("Russia", 0.9)),
                     scored(CNN, "cnn-1", "CNN", ("Russia", 0.7)),
                     scored(SANA, "sana-3", "SANA", ("the Russians", 0.8)))
    passages, answer = shown(ranked)
    assert answer is not None and answer.text == "Russia" and passages[answer.passage].article_id == "reuters-1"
    assert answer.corroboration == Corroboration(("Reuters", "CNN", "SANA"), Claim("Russia", "Reuters", "reuters-1"))
    assert answer.corroboration.line() == "reported by 3 sources: Reuters, CNN, SANA"


def test_the_json_answer_holds_count_sources_and_differ():
    ranked = ranking(scored(TOLL_REUTERS, "reuters-1", "Reuters", ("15 people", 0.6), ("15", 0.4)),
                     scored(TOLL_CNN, "cnn-1", "CNN", ("12", 0.4), ("12 people", 0.3), ("least 12", 0.15)),
                     scored(TOLL_AP, "ap-1", "AP", ("Fifteen people", 0.5), ("Fifteen", 0.48)))
    passages, answer = shown(ranked)
    assert answer is not None and answer.text == "15 people"
    said = Answer("how many died?", tuple(passages), found=True, answer=answer).to_dict()["answer"]
    assert said["corroboration"] == {"count": 2, "sources": ["Reuters", "AP"],
                                     "differ": [{"text": "12", "source": "CNN", "article_id": "cnn-1"}]}
    assert list(said) == ["text", "passage", "start", "end", "confidence", "corroboration"]
    assert answer.corroboration is not None
    assert answer.corroboration.line() == "sources differ: 15 people (Reuters, AP) · 12 (CNN)"


def test_no_answer_line_no_corroboration():
    ranked = ranking(scored(WIRE, "reuters-1", "Reuters", ("Russia", 0.9)))
    assert shown(ranked, min_confidence=0.999)[1] is None  # not confident enough: nothing is counted
    unread = ranking(scored(WIRE, "reuters-1", "Reuters"))
    assert shown(unread)[1] is None


def test_an_answer_made_without_corroboration_says_null():
    from index.types import AnswerSpan

    assert AnswerSpan("Russia", 0, 0, 6, 0.9).to_dict()["corroboration"] is None
