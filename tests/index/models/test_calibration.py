"""The answer line's calibration: a logistic score and its isotonic curve, read back exactly."""

from __future__ import annotations

import math

import pytest

from index.models.calibration import FEATURES, Calibration
from index.models.reader import Reader


def test_the_default_reads_the_pooled_probability_as_it_is():
    for p in (0.1, 0.5, 0.9):
        assert Calibration().probability((math.log(p / (1 - p)), 3.0, -2.0, 1.0)) == pytest.approx(p)


def test_a_fit_round_trips_through_meta():
    fit = Calibration((0.5, 0.1, 0.2, 0.3), -1.5)
    assert Calibration.from_meta({"calibration": fit.to_meta() | {"questions": 400}}) == fit
    assert Calibration.from_meta({}) == Calibration()  # an older reader: none saved


def test_a_fit_on_other_features_is_refused():
    with pytest.raises(ValueError, match="features"):
        Calibration.from_meta({"calibration": {"features": ["x"], "weights": [1.0], "bias": 0.0}})


def test_extreme_inputs_stay_probabilities():
    c = Calibration((1.0, 1.0, 1.0, 1.0), 0.0)
    assert c.probability((-1e6,) * 4) == 0.0 and c.probability((1e6,) * 4) == 1.0


def test_the_shipped_reader_carries_a_fit_on_the_same_features():
    meta = Reader().meta
    assert meta["calibration"]["features"] == list(FEATURES)
    assert "held-out training questions" in meta["calibration"]["fitted_on"]


def test_a_curve_maps_the_score_to_a_probability_between_its_points_and_flat_beyond():
    c = Calibration((1.0, 0.0, 0.0, 0.0), 0.0, ((-1.0, 0.1), (0.0, 0.3), (2.0, 0.9)))
    assert c.probability((-5.0, 0, 0, 0)) == pytest.approx(0.1)
    assert c.probability((1.0, 0, 0, 0)) == pytest.approx(0.6)
    assert c.probability((9.0, 0, 0, 0)) == pytest.approx(0.9)
    assert Calibration.from_meta({"calibration": c.to_meta()}) == c


def test_a_curve_that_falls_is_refused():
    saved = Calibration((1.0, 0.0, 0.0, 0.0), 0.0, ((0.0, 0.5), (1.0, 0.4))).to_meta()
    with pytest.raises(ValueError, match="does not rise"):
        Calibration.from_meta({"calibration": saved})


def test_the_shipped_fit_rises_from_unsure_to_sure():
    c = Reader().calibration
    assert c.curve and c.curve[0][1] < 0.2 and c.curve[-1][1] > 0.9
