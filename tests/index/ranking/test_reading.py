"""Search with a reader (a scripted stand-in here; the real one has its own tests): re-ranking by fused
z-scores, "nothing found" on the reader's relevance, the one-line answer as verbatim words of quote 1."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from index.config import ReaderSettings
from index.engine import Engine
from index.models.calibration import Calibration
from index.models.reader import Reading, Span
from index.ranking.parameters import Floors, Parameters, Reading as ReadingWeights
from index.ranking.pipeline import Searcher

ARTICLES = [
    {"id": "a1", "title": "Harbour news",
     "text": "The harbour bridge reopened on Monday. The mayor, Ada Brook, cut the ribbon."},
    {"id": "a2", "title": "Harbour news",
     "text": "The harbour bridge was closed for repairs for a year after the storm."},
    {"id": "a3", "title": "Council",
     "text": "The council met on Monday to discuss the harbour budget and parking fees."},
]


class ScriptedReader:
    """Relevance 5 for passages that hold ``needle`` (with its span), -5 for the others (whose best span is
    their first word); the calibration says ``confidence`` whatever it is shown."""

    def __init__(self, needle: str, confidence: float = 0.9) -> None:
        self.needle, self.calls = needle, 0
        self.calibration = Calibration((0.0, 0.0, 0.0, 0.0), math.log(confidence / (1 - confidence)))

    def read(self, question: str, passages: list[str]) -> list[Reading]:
        self.calls += 1
        out = []
        for p in passages:
            i = p.find(self.needle)
            if i >= 0:
                out.append(Reading(5.0, (Span(i, i + len(self.needle), 8.0),), 0.0, 0.0))
            else:
                out.append(Reading(-5.0, (Span(0, p.find(" "), -4.0),), 0.0, 0.0))
        return out


@pytest.fixture
def engine(tmp_path, fake_engine) -> Engine:
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    fake_engine.ingest([path])
    return fake_engine


def searcher(engine: Engine, reader, candidates: int = 20, **floors) -> Searcher:
    parameters = Parameters(reading=ReadingWeights(candidates=candidates), floors=Floors(**floors))
    return Searcher(store=engine.store, encoder=engine.models.query_encoder, parameters=parameters, reader=reader)


def test_the_reader_reorders_its_candidates_and_answers_from_quote_one(engine):
    reader = ScriptedReader("Ada Brook")
    answer = searcher(engine, reader).search("who cut the ribbon at the harbour bridge?", 3)
    assert answer.found and answer.passages[0].article_id == "a1"
    a = answer.answer
    assert a is not None and a.text == "Ada Brook" and a.passage == 0
    assert answer.passages[0].text[a.start:a.end] == "Ada Brook"
    assert "Ada Brook" in answer.passages[0].highlighted  # the highlight is the answer's sentence


def test_a_reader_that_finds_nothing_relevant_means_nothing_found(engine):
    answer = searcher(engine, ScriptedReader("zebra"), min_relevance=0.0).search("harbour bridge?", 3)
    assert not answer.found and answer.passages == () and answer.answer is None


def test_the_answer_line_needs_confidence(engine):
    answer = searcher(engine, ScriptedReader("Ada Brook", confidence=0.3), answer_confidence=0.5).search(
        "who cut the ribbon at the harbour bridge?", 3)
    assert answer.found and answer.answer is None


def test_only_the_configured_number_of_candidates_is_read(engine):
    seen = []

    class Counting(ScriptedReader):
        def read(self, question, passages):
            seen.append(len(passages))
            return super().read(question, passages)

    searcher(engine, Counting("Ada"), candidates=2).search("harbour bridge Monday", 3)
    assert seen == [2]


def test_reader_disabled_in_config_means_the_engine_never_loads_it(engine):
    assert engine.models.reader is None  # the fake settings turn it off
    on = Engine(replace(engine.settings, reader=ReaderSettings(enabled=True)))
    assert on.models.reader is not None


def test_a_clear_winner_gets_fewer_quotes(engine):
    question = "who cut the ribbon at the harbour bridge?"
    every = searcher(engine, ScriptedReader("Ada Brook"), evidence_margin=float("inf"))
    strict = searcher(engine, ScriptedReader("Ada Brook"), evidence_margin=0.5)
    assert len(every.search(question, 3).passages) == 3
    answer = strict.search(question, 3)
    assert [p.article_id for p in answer.passages] == ["a1"]  # the reader alone backs it: the rest are far behind


def test_without_the_reader_every_quote_is_kept(engine):
    plain = searcher(engine, None, evidence_margin=0.0)
    assert len(plain.search("harbour bridge Monday", 3).passages) == 3
