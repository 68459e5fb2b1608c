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
        for span in r.spans:
            assert 0 <= span.start < span.end <= len(passage)
            assert span.logit <= r.start_norm + r.end_norm  # a span is one of the passage's (start, end) pairs
        assert [sp.logit for sp in r.spans] == sorted((sp.logit for sp in r.spans), reverse=True)


def test_long_passages_are_truncated_not_refused(reader):
    long = RUSSIA + " " + "More words follow here. " * 400
    (r,) = reader.read("who backed the offensive?", [long])
    assert r.span is None or r.span[1] <= len(long)


def test_loading_and_reading_never_import_torch():
    code = ("import sys; from index.models.reader import Reader; r = Reader(); r.read('who?', ['Russia did.']); "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _read_as_before(reader, question, passages):
    """What the reader gave before long questions were cut: only the passage truncated, each passage alone."""
    import tokenizers

    from index.models.reader import _decode, feed

    tok = tokenizers.Tokenizer.from_file(str(SHIPPED / "tokenizer.json"))
    tok.enable_truncation(reader.max_tokens, strategy="only_second")
    tok.no_padding()
    out = []
    for p in passages:
        e = tok.encode(question, p)
        relevance, start, end = reader._session.run(None, feed(e))
        out.append(_decode(float(relevance[0]), start[0], end[0], e))
    return out


def test_a_passage_reads_the_same_whatever_is_read_beside_it(reader):
    """The int8 model scales activations per run: read in one batch, a passage's reading shifted with its
    neighbours (and their padding). Each is now read alone."""
    question = "which country backed the offensive with cruise missiles?"
    alone = reader.read(question, [RUSSIA])
    beside = reader.read(question, [WEATHER, RAQQA, RUSSIA + " " + "More words follow here. " * 400, RUSSIA])
    assert beside[-1] == alone[0]


@pytest.mark.parametrize("question", [
    "which country backed the offensive with cruise missiles?", "what frigate fired the missiles?", "x",
    "who backed the offensive? " * 22,  # about 115 tokens: near the longest an ordinary question gets
])
def test_ordinary_questions_read_exactly_as_before(reader, question):
    passages = [WEATHER, RAQQA, RUSSIA, RUSSIA + " " + "More words follow here. " * 400]
    assert reader.read(question, passages) == _read_as_before(reader, question, passages)


@pytest.mark.parametrize("chars", [1400, 2000, 20000])
def test_a_long_question_is_read_not_refused(reader, chars):
    """A question longer than the reader's window crashed the tokenizer ("Sequence to truncate too short")."""
    question = ("Essen, Syria: who fired 3 cruise missiles? " * 500)[:chars]  # 1,400 characters: 328 tokens
    readings = reader.read(question, [WEATHER, RUSSIA, "Russia did. " * 200])
    assert len(readings) == 3
    assert readings[1].relevance > readings[0].relevance  # the passage is still read: the question is what is cut
    for r, passage in zip(readings, [WEATHER, RUSSIA, "Russia did. " * 200]):
        assert r.span is None or 0 <= r.span[0] < r.span[1] <= len(passage)


def test_a_2000_character_question_through_the_engine(fake_settings, tmp_path):
    """End to end with the real reader (the fake embedder finds the passages)."""
    from dataclasses import replace

    from index.config import ReaderSettings
    from index.engine import MAX_QUESTION_CHARS, Engine

    corpus = tmp_path / "news.jsonl"
    corpus.write_text(json.dumps({"id": "r", "title": "Syria", "text": RUSSIA}) + "\n"
                      + json.dumps({"id": "w", "title": "Weather", "text": WEATHER}) + "\n")
    engine = Engine(replace(fake_settings, reader=ReaderSettings(enabled=True)))
    engine.ingest([corpus])
    question = ("Essen, Syria: who fired 3 cruise missiles? " * 50)[:MAX_QUESTION_CHARS]  # 468 tokens
    assert len(question) == 2000
    answer = engine.ask(question, 2)
    assert answer.passages and answer.passages[0].article_id == "r"


class _Encoding:
    """A stand-in tokenizers.Encoding: [CLS] 3 question tokens [SEP] ``n`` one-character passage tokens [SEP]."""

    def __init__(self, n: int) -> None:
        self.sequence_ids = [None, 0, 0, 0, None] + [1] * n + [None]
        self.offsets = [(0, 0)] * 5 + [(i, i + 1) for i in range(n)] + [(0, 0)]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32 - 1), ties=st.booleans())
def test_the_best_spans_are_the_best_pairs_within_the_answer_length(n, seed, ties):
    """The fast decoding (each start's next MAX_ANSWER_TOKENS ends) gives the brute force's best spans."""
    import numpy as np

    from index.models.reader import MAX_ANSWER_TOKENS, SPANS_PER_PASSAGE, _decode

    rng = np.random.default_rng(seed)
    start, end = (rng.standard_normal(n + 6).astype(np.float32) for _ in range(2))
    if ties:
        start, end = np.round(start), np.round(end)
    reading = _decode(0.0, start, end, _Encoding(n))
    pos = list(range(5, 5 + n))
    pairs = sorted((float(start[pos[s]]) + float(end[pos[e]]) for s in range(n)
                    for e in range(s, min(n, s + MAX_ANSWER_TOKENS))), reverse=True)
    assert len(reading.spans) == min(SPANS_PER_PASSAGE, len(pairs))
    assert [s.logit for s in reading.spans] == pytest.approx(pairs[: len(reading.spans)])
    for s in reading.spans:
        assert 0 <= s.start < s.end <= n and s.end - s.start <= MAX_ANSWER_TOKENS
        assert s.logit == pytest.approx(float(start[pos[s.start]]) + float(end[pos[s.end - 1]]))
