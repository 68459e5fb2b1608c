"""The probability that the one-line answer is right, from what the reader saw (a logistic score, mapped to a
probability by an isotonic curve).

Fitted by ``train.calibrate`` on held-out training questions (never the eval sets) and saved in the
weights' ``meta.json`` under "calibration", so a retrained reader carries its own; the answer line's
floor (``[reader] answer_confidence``) is then a probability that means what it says.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FEATURES = ("answer_logodds", "span_logit", "relevance", "support")
"""What the fit sees of an answer (``index.ranking.answers.Candidate.features``):
- answer_logodds: log-odds of the answer's pooled probability among every span of every passage read;
- span_logit: its best span's raw start + end logit (how strongly, not only how exclusively);
- relevance: the reader's relevance logit of the best passage holding it;
- support: log of the number of passages holding it."""


@dataclass(frozen=True)
class Calibration:
    """A score ``bias + weights . features``, read as a probability through ``curve`` when fitted with one,
    else through the sigmoid; the default reads the pooled probability as it is.

    ``curve`` is a non-decreasing sequence of (score, probability) points, interpolated linearly and flat
    beyond its ends: an isotonic fit of "right" on the score. The sigmoid alone, fitted on all questions,
    under-states how often its surest answers are right (those held out read 0.82 where 0.94 were right),
    and the answer line's floor is a probability only if that top end is right.
    """

    weights: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0)
    bias: float = 0.0
    curve: tuple[tuple[float, float], ...] = ()

    def score(self, features: Sequence[float]) -> float:
        return self.bias + sum(w * x for w, x in zip(self.weights, features))

    def probability(self, features: Sequence[float]) -> float:
        z = self.score(features)
        if self.curve:
            return _interpolate(self.curve, z)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    @classmethod
    def from_meta(cls, meta: Mapping[str, object]) -> Calibration:
        """The fit saved in a reader's meta.json, or the default when it has none (an older reader)."""
        saved = meta.get("calibration")
        if not isinstance(saved, Mapping):
            return cls()
        names = saved.get("features")
        if names != list(FEATURES):
            raise ValueError(f"meta.json calibration: features {names} are not {list(FEATURES)}")
        weights = saved.get("weights")
        if not isinstance(weights, list):
            raise ValueError("meta.json calibration: no weights")
        curve = saved.get("curve", [])
        if not isinstance(curve, list) or any(not isinstance(p, list) or len(p) != 2 for p in curve):
            raise ValueError("meta.json calibration: curve is not a list of [score, probability] pairs")
        points = tuple((float(a), float(b)) for a, b in curve)
        if any(b0 > b1 or a0 > a1 for (a0, b0), (a1, b1) in zip(points, points[1:])):
            raise ValueError("meta.json calibration: curve does not rise")
        return cls(tuple(float(w) for w in weights), float(saved.get("bias", 0.0)), points)

    def to_meta(self) -> dict[str, object]:
        out: dict[str, object] = {"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights],
                                  "bias": round(self.bias, 6)}
        if self.curve:
            out["curve"] = [[round(a, 6), round(b, 6)] for a, b in self.curve]
        return out


def _interpolate(curve: Sequence[tuple[float, float]], z: float) -> float:
    """The curve's probability at score ``z``: linear between points, flat beyond the ends."""
    xs = [a for a, _ in curve]
    i = bisect_right(xs, z)
    if i == 0:
        return curve[0][1]
    if i == len(curve):
        return curve[-1][1]
    (a0, b0), (a1, b1) = curve[i - 1], curve[i]
    return b0 if a1 == a0 else b0 + (b1 - b0) * (z - a0) / (a1 - a0)
