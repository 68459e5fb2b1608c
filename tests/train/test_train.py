"""`quotebot train` end to end on a tiny SQuAD file: negatives mined, one step trained, ONNX exported, loadable."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from index.models.reader import Reader
from tests.conftest import FIXTURES
from train.data import bm25_top, build_examples, read_squad

TINY = FIXTURES / "train"


def test_examples_put_the_answering_paragraph_first_and_negatives_lack_the_answer():
    train, heldout = build_examples([TINY / "tiny_squad.json"], negatives=3, held_out_share=0.0)
    assert len(train) == 12 and not heldout
    for ex in train:
        assert ex.passages[0][ex.answer_start:].startswith(ex.answer_text)
        assert len(ex.passages) == 4 and len(set(ex.passages)) == 4
        assert all(ex.answer_text.lower() not in p.lower() for p in ex.passages[1:])


def test_bm25_ranks_the_paragraph_sharing_rare_words_first():
    paragraphs, _ = read_squad(TINY / "tiny_squad.json")
    top = bm25_top(["who lit the lighthouse lamp at Gull Point?", "barley harvest"], paragraphs, k=2)
    assert top[0][0] == 0 and top[1][0] == 2


def test_too_few_paragraphs_is_a_clear_error(tmp_path):
    one = {"data": [{"paragraphs": [{"context": "A b c.", "qas": [{"id": "1", "question": "b?",
                                                                   "answers": [{"text": "b", "answer_start": 2}]}]}]}]}
    (tmp_path / "one.json").write_text(json.dumps(one))
    with pytest.raises(ValueError, match="at least 4"):
        build_examples([tmp_path / "one.json"])


@pytest.mark.model
def test_train_command_exports_a_reader_that_loads(tmp_path, capsys):
    out = tmp_path / "reader"
    with pytest.raises(SystemExit) as done:
        main(["train", "--data", str(TINY), "--out", str(out), "--steps", "1", "--work", str(tmp_path / "work")])
    assert done.value.code == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["recipe"]["steps"] == 1 and meta["weights"] in ("int8", "fp32")
    assert set(meta["heldout_onnx"]) == {"fp32", "int8"}
    (r,) = Reader(out).read("Who first lit the Gull Point lamp?", ["Its lamp was first lit by keeper Anna Reyes."])
    assert r.span is None or 0 <= r.span[0] < r.span[1] <= 44
    assert "exported" in capsys.readouterr().err
    # A second sitting continues from the checkpoint and records the steps behind it.
    with pytest.raises(SystemExit) as done:
        main(["train", "--data", str(TINY), "--out", str(out), "--steps", "1", "--work", str(tmp_path / "work"),
              "--resume"])
    assert done.value.code == 0
    assert json.loads((out / "meta.json").read_text())["recipe"]["prior_steps"] == 1
    assert "continuing from" in capsys.readouterr().err


def test_resume_without_a_checkpoint_is_one_line(tmp_path, capsys):
    assert main(["train", "--data", str(TINY), "--out", str(tmp_path / "o"), "--work", str(tmp_path / "w"),
                 "--resume"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "no checkpoint to continue" in err and "\n" not in err


def test_train_command_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err.strip() == f"error: --data {tmp_path / 'nope'}: not a folder"
