"""The shipped re-ranker and answer reader (ONNX): loads offline without torch, reads verbatim spans."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from index.models.reader import SHIPPED, Reader

RUSSIA = ("Russia said it backed the Syrian army’s offensive with cruise missiles fired from the Admiral Essen "
          "frigate of the Black Sea Fleet.")
RAQQA = ("The US-backed Syrian Democratic Forces are pressing an offensive of their own on Raqqa, "
         "the group’s de facto capital, further north.")
WEATHER = "Heavy rain is expected across the region on Thursday, with temperatures falling to 5C overnight."


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader()


def test_the_shipped_model_is_small_and_says_how_it_was_made():
    meta = json.loads((SHIPPED / "meta.json").read_text())
    assert (SHIPPED / "model.onnx").stat().st_size < 50e6
    assert meta["recipe"]["steps"] > 0 and "heldout_onnx" in meta
    assert meta["weights"] in ("int8", "fp32")


def test_the_answering_passage_ranks_first(reader):
    readings = reader.read("which country backed the offensive with cruise missiles?", [WEATHER, RAQQA, RUSSIA])
    assert max(range(3), key=lambda i: readings[i].relevance) == 2
    assert readings[0].relevance < readings[2].relevance


def test_an_unrelated_passage_scores_lower_than_an_answering_one_across_questions(reader):
    yes = reader.read("what frigate fired the missiles?", [RUSSIA])[0]
    no = reader.read("what frigate fired the missiles?", [WEATHER])[0]
    assert yes.relevance > no.relevance
    assert yes.span is not None and "Essen" in RUSSIA[yes.span[0]:yes.span[1]]


def test_no_passages_no_readings(reader):
    assert reader.read("anything?", []) == []


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=80), st.lists(st.text(max_size=400), min_size=1, max_size=3))
def test_spans_are_always_inside_their_passage(reader, question, passages):
    for passage, r in zip(passages, reader.read(question, passages)):
        if r.span is not None:
            s, e = r.span
            assert 0 <= s < e <= len(passage)
            assert 0 < r.confidence <= 1
        else:
            assert r.confidence == 0.0


def test_long_passages_are_truncated_not_refused(reader):
    long = RUSSIA + " " + "More words follow here. " * 400
    (r,) = reader.read("who backed the offensive?", [long])
    assert r.span is None or r.span[1] <= len(long)


def test_loading_and_reading_never_import_torch():
    code = ("import sys; from index.models.reader import Reader; r = Reader(); r.read('who?', ['Russia did.']); "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
