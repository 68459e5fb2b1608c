"""train.calibrate: the fit recovers a known relation, its curve reads probabilities right, and the table says so."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from train.calibrate import Asked, at_floor, fit, held_out_questions, reliability
from train.fit import HELD_OUT_FILES


def _asked(n: int, seed: int) -> list[Asked]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x = rng.normal(size=4)
        p = 1 / (1 + np.exp(-(2.0 * x[0] - 1.0 * x[2] + 0.5)))
        out.append(Asked("d", "A", tuple(float(v) for v in x), bool(rng.random() < p)))
    return out


def test_fit_recovers_the_weights_and_is_calibrated_on_fresh_data():
    calibration = fit(_asked(4000, 1), l2=0.0)
    assert np.allclose(calibration.weights, (2.0, 0.0, -1.0, 0.0), atol=0.2)
    assert abs(calibration.bias - 0.5) < 0.2
    for row in reliability(calibration, _asked(4000, 2)):
        if row["questions"] >= 200:
            assert abs(row["predicted"] - row["right"]) < 0.06


def test_at_floor_reports_shown_and_right():
    calibration = fit(_asked(2000, 3))
    report = at_floor(calibration, _asked(2000, 4), floor=0.85)
    assert 0 < report["shown"] < 1 and report["right_when_shown"] >= 0.8


def test_the_curve_reads_the_sure_end_right_where_a_sigmoid_would_understate_it():
    """Right 95% of the time above a score, 30% below: a sigmoid through both says less than 0.95 at
    the top; the isotonic curve over the score says what is observed, on fresh data too."""
    def asked(n: int, seed: int) -> list[Asked]:
        rng = np.random.default_rng(seed)
        out = []
        for _ in range(n):
            x = rng.normal(size=4)
            out.append(Asked("d", "A", tuple(float(v) for v in x), bool(rng.random() < (0.95 if x[0] > 1 else 0.3))))
        return out

    calibration = fit(asked(4000, 5))
    fresh = [a for a in asked(4000, 6) if a.features[0] > 1.3]
    predicted = np.mean([calibration.probability(a.features) for a in fresh])
    assert abs(predicted - 0.95) < 0.04
    assert abs(np.mean([a.right for a in fresh]) - predicted) < 0.04


def _squad(path: Path, paragraphs: list[tuple[str, list[tuple[str, str]]]]) -> None:
    data = [{"title": "t", "paragraphs": [
        {"context": c, "qas": [{"id": q, "question": q, "answers": [{"text": a, "answer_start": c.index(a)}]}
                               for q, a in qas]} for c, qas in paragraphs]}]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump({"data": data}, f)


def test_a_held_out_question_reads_other_periods_stories_of_its_domain(tmp_path: Path):
    """The index a question is asked against holds last year's story on the same subject; so does the pool
    the confidence is fitted on, though that story is in another file."""
    news = tmp_path / "news"
    news.mkdir()
    _squad(news / HELD_OUT_FILES[0], [("The dictionary's word of the year for 2024 is brat, its editors said.",
                                       [("What is the dictionary's word of the year?", "brat")])])
    _squad(news / "older.json.gz", [("The dictionary's word of the year is gaslighting, its editors said.", []),
                                    ("A storm closed roads in the north.", [])])
    [(domain, question, golds, read)] = held_out_questions([news])
    assert (domain, golds) == ("news", ("brat",))
    assert any("gaslighting" in p for p in read) and not any("storm" in p for p in read[:2])
