"""The probability that the one-line answer is right, from what the reader saw (a logistic fit).

Fitted by ``train.calibrate`` on held-out training questions (never the eval sets) and saved in the
weights' ``meta.json`` under "calibration", so a retrained reader carries its own; the answer line's
floor (``[reader] answer_confidence``) is then a probability that means what it says.
"""

from __future__ import annotations

import math
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
    """sigmoid(bias + weights . features); the default reads the pooled probability as it is."""

    weights: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0)
    bias: float = 0.0

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features))
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
        return cls(tuple(float(w) for w in weights), float(saved.get("bias", 0.0)))

    def to_meta(self) -> dict[str, object]:
        return {"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6)}
