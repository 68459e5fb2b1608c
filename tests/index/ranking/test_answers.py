"""Answers pooled across passages: one normalisation over every passage read, spans grouped by what they say."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, strategies as st

from index.models.reader import Reading, Span
from index.ranking.answers import answer_key, pooled, question_norm, shared


@pytest.mark.parametrize("a, b", [
    ("Russia", "russia"), ("the Kremlin", "Kremlin"), ("Russia's", "Russia"), ("Russia’s", "russia"),
    ("U.S.", "U S"), ("  Ada   Brook ", "Ada Brook"), ('"Ada Brook,"', "ada brook"),
])
def test_answer_key_folds_what_does_not_change_the_answer(a, b):
    assert answer_key(a) == answer_key(b)


@pytest.mark.parametrize("a, b", [("Russia", "Russian"), ("Ada Brook", "Ada"), ("1999", "1998")])
def test_answer_key_keeps_what_does(a, b):
    assert answer_key(a) != answer_key(b)


def test_question_norm_is_one_softmax_over_all_passages():
    readings = [Reading(0.0, (Span(0, 1, 0.0),), math.log(2), math.log(3)),
                Reading(0.0, (Span(0, 1, 0.0),), math.log(6), math.log(1))]
    assert question_norm(readings) == pytest.approx(math.log(8) + math.log(4))
    assert question_norm([Reading(0.0)]) == math.inf  # nothing read: no span can have any probability


def test_the_same_answer_in_several_passages_adds_up():
    texts = ["Russia backed it.", "The Kremlin said Russia's jets flew.", "France did not."]
    readings = [Reading(1.0, (Span(0, 6, 2.0),)), Reading(3.0, (Span(17, 25, 1.5),)),
                Reading(-1.0, (Span(0, 6, 2.2),))]
    norm = 4.0
    found = pooled([(t, replace(r, shared_norm=norm)) for t, r in zip(texts, readings)])
    assert [c.key for c in found] == ["russia", "france"]
    russia = found[0]
    assert russia.probability == pytest.approx(math.exp(2.0 - norm) + math.exp(1.5 - norm))
    assert russia.support == 2 and russia.passage == 0 and russia.relevance == 1.0  # its best span's passage
    assert found[1].probability == pytest.approx(math.exp(2.2 - norm)) and found[1].support == 1


def test_spans_of_punctuation_alone_are_no_answer():
    assert pooled([("-- ...", Reading(0.0, (Span(0, 2, 1.0),), shared_norm=2.0))]) == []


@given(st.lists(st.floats(-20, 20), min_size=1, max_size=6))
def test_probabilities_stay_within_one(logits):
    text = "abcdef"
    readings = [Reading(0.0, (Span(i % 5, i % 5 + 1, x),), 0.0, 0.0) for i, x in enumerate(logits)]
    for c in pooled([(text, r) for r in shared(readings)]):
        assert 0.0 <= c.probability <= 1.0
        assert len(c.features()) == 4 and all(math.isfinite(f) for f in c.features())
