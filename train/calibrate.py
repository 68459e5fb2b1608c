"""Fit the answer line's confidence: the probability that the pooled answer is right (token F1 >= 0.5).

The questions are the training data's held-out ones (``train.fit.examples_from``'s split: a later period
of news held out whole, and the paragraphs hashed out of SQuADShifts), never the eval sets. Each is asked
as the engine asks it: its domain's top ``READ`` paragraphs by BM25 are read (the answering paragraph only
when retrieval finds it, as in the engine), the spans pooled (``index.ranking.answers``), and the best
answer's features kept. A fit (a logistic score, read as a probability by an isotonic curve) on one half
(by a hash of the question) is checked on the other; the fit of half A ships in meta.json, and a
reliability table shows both halves.

  python -m train.calibrate WEIGHTS [--write]    # WEIGHTS: a folder with model.onnx and meta.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.metrics import token_f1
from index.models.calibration import Calibration
from index.models.reader import Reader
from index.ranking.answers import pooled, shared
from train.data import HELD_OUT_SHARE, bm25_top, held_out, read_squad
from train.fit import HELD_OUT_FILES

READ = 20  # the engine's [reader] candidates
PER_DOMAIN = 600
DATA = (Path("../shared/train/squadshifts"), Path("../shared/train/realtimeqa"))


@dataclass(frozen=True)
class Asked:
    """One held-out question as read: its best answer's features and whether that answer is right."""

    domain: str
    half: str
    features: tuple[float, ...]
    right: bool


def half(text: str) -> str:
    return "A" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 2 == 0 else "B"


def held_out_questions(folders: Sequence[Path], per_domain: int = PER_DOMAIN):  # type: ignore[no-untyped-def]
    """(domain, question, gold answers, the paragraphs to read) of the held-out questions.

    Each question reads the top ``READ`` paragraphs by BM25 among all its domain's files, not its own file's
    alone: an index holds other periods' stories on the same subject (last year's word of the year for this
    year's question), and a confidence fitted without them is too sure among them."""
    out = []
    for folder in folders:
        files = sorted(Path(folder).glob("*.json*"))
        pool: list[str] = []
        asked = []
        for path in files:  # an equal share from each file: each is its own kind of text
            paragraphs, questions = read_squad(path)
            whole = path.name in HELD_OUT_FILES
            held = [q for q in questions if whole or held_out(paragraphs[q.paragraph], HELD_OUT_SHARE)]
            asked += held[: per_domain // len(files)]
            pool += paragraphs
        if not asked:
            continue
        top = bm25_top([q.text for q in asked], pool, k=READ)
        for q, found in zip(asked, top):
            out.append((folder.name, q.text, q.answers, [pool[j] for j in found]))
    return out


def ask(reader: Reader, questions) -> list[Asked]:  # type: ignore[no-untyped-def]
    """Each question's best pooled answer, its features, and whether it is right."""
    asked = []
    for domain, text, golds, passages in questions:
        found = pooled(list(zip(passages, shared(reader.read(text, passages)))))
        if not found:
            continue
        best = found[0]
        answer = passages[best.passage][best.span.start:best.span.end]
        asked.append(Asked(domain, half(text), best.features(), token_f1(answer, golds) >= 0.5))
    return asked


FOLDS = 5  # the isotonic curve is fitted on scores of questions each fit did not see


def fit(asked: Sequence[Asked], l2: float = 1e-2) -> Calibration:
    """A logistic score of right on the features (a little L2 on the weights), read as a probability by an
    isotonic curve fitted on cross-fitted scores (each question scored by a fit made without it)."""
    from sklearn.isotonic import IsotonicRegression

    x = np.array([a.features for a in asked], dtype=np.float64)
    y = np.array([a.right for a in asked], dtype=np.float64)
    score = _logistic(x, y, l2)
    fold = np.arange(len(y)) % FOLDS
    z = np.empty(len(y))
    for k in range(FOLDS):
        inside = fold != k
        z[~inside] = _scores(_logistic(x[inside], y[inside], l2) if len(set(y[inside])) > 1 else score, x[~inside])
    curve = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(z, y)
    points = tuple((float(a), float(b)) for a, b in zip(curve.X_thresholds_, curve.y_thresholds_))
    return Calibration(score.weights, score.bias, points)


def _scores(calibration: Calibration, x: np.ndarray) -> np.ndarray:
    """``calibration.score`` of each row of ``x``."""
    return x @ np.array(calibration.weights) + calibration.bias


def _logistic(x: np.ndarray, y: np.ndarray, l2: float) -> Calibration:
    """The logistic fit alone (no curve)."""
    from scipy.optimize import minimize

    mean, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / sd

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logits = z @ w[1:] + w[0]
        p = 1 / (1 + np.exp(-logits))
        eps = 1e-12
        value = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + l2 * np.sum(w[1:] ** 2)
        grad = np.concatenate([[np.mean(p - y)], z.T @ (p - y) / len(y) + 2 * l2 * w[1:]])
        return float(value), grad

    w = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B").x
    weights = w[1:] / sd  # back to the raw features
    return Calibration(tuple(float(v) for v in weights), float(w[0] - np.sum(w[1:] * mean / sd)))


BINS = (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0001)


def reliability(calibration: Calibration, asked: Sequence[Asked]) -> list[dict[str, object]]:
    """Per bin of predicted probability: questions, mean prediction, share right."""
    p = np.array([calibration.probability(a.features) for a in asked])
    y = np.array([a.right for a in asked], dtype=float)
    rows = []
    for lo, hi in zip(BINS, BINS[1:]):
        inside = (p >= lo) & (p < hi)
        if inside.any():
            rows.append({"bin": f"{lo:.2f}-{min(hi, 1.0):.2f}", "questions": int(inside.sum()),
                         "predicted": round(float(p[inside].mean()), 3), "right": round(float(y[inside].mean()), 3)})
    return rows


def at_floor(calibration: Calibration, asked: Sequence[Asked], floor: float = 0.85) -> dict[str, float]:
    """Shown (probability >= floor) and right among the shown, as the answer line would be."""
    p = np.array([calibration.probability(a.features) for a in asked])
    y = np.array([a.right for a in asked], dtype=bool)
    shown = p >= floor
    return {"questions": len(asked), "shown": round(float(shown.mean()), 3),
            "right_when_shown": round(float(y[shown].mean()), 3) if shown.any() else 0.0,
            "right_if_always_shown": round(float(y.mean()), 3)}


MIN_QUESTIONS = 50  # per half, with both right and wrong answers among them: fewer fit noise


def calibrate(weights: Path, folders: Sequence[Path] = DATA, per_domain: int = PER_DOMAIN,
              write: bool = True) -> dict[str, object]:
    """Fit on each half, check on the other, and (``write``) save the half-A fit in weights/meta.json.

    With too few held-out questions to fit (a toy data set) nothing is saved: the reader then reads its
    pooled probability as it is (``Calibration``'s default)."""
    asked = ask(Reader(weights), held_out_questions(folders, per_domain))
    report: dict[str, object] = {"questions": len(asked)}
    fits = {}
    for chosen, checked in (("A", "B"), ("B", "A")):
        mine = [a for a in asked if a.half == chosen]
        if len(mine) < MIN_QUESTIONS or len({a.right for a in mine}) < 2:
            report["skipped"] = f"{len(mine)} held-out questions in half {chosen}: too few to fit"
            return report
        calibration = fit(mine)
        fits[chosen] = calibration
        other = [a for a in asked if a.half == checked]
        report[f"fit on {chosen}, checked on {checked}"] = {
            "calibration": calibration.to_meta(),
            "reliability": reliability(calibration, other),
            "at 0.85": {d: at_floor(calibration, [a for a in other if a.domain == d])
                        for d in sorted({a.domain for a in other})},
        }
    if write:
        meta_path = weights / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta["calibration"] = fits["A"].to_meta() | {
            "fitted_on": "held-out training questions, half A (train/calibrate.py)",
            "questions": sum(a.half == "A" for a in asked)}
        meta_path.write_text(json.dumps(meta, indent=2))
    return report


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("weights", type=Path)
    ap.add_argument("--write", action="store_true", help="save the half-A fit in WEIGHTS/meta.json")
    args = ap.parse_args(argv)
    print(json.dumps(calibrate(args.weights, write=args.write), indent=1))


if __name__ == "__main__":
    main()
