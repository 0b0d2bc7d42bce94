"""The fusion of the score parts (``recommend/parts/``), keyed by part name → calibrated probabilities."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar

LEGACY_WEIGHTS = {"head_w": "head", "knn_w": "knn", "def_w": "definition", "code_w": "codes", "lex_w": "lexical"}


class ScoreParts(dict):
    """Part name → scores (n, n_items) in the recommender's item order, in fusion order."""

    def rows(self, index) -> "ScoreParts":
        """The parts of the records selected by ``index`` (a boolean mask or indices)."""
        return ScoreParts({name: z[index] for name, z in self.items()})


@dataclass
class Fusion:
    """fused = Σ_part weights[part]·scores[part]; probabilities = (1 − floor)·softmax(fused / temperature)
    + floor / n_items. A part without a weight weighs 0 (models saved before it existed)."""

    weights: dict[str, float] = field(default_factory=dict)
    temperature: float = 1.0
    floor: float = 0.0  # share of judgments no evidence explains (examiners disagree), spread over all items

    def weight(self, name: str) -> float:
        return self.weights.get(name, 0.0)

    def logits(self, parts: ScoreParts) -> np.ndarray:
        z = None
        for name, scores in parts.items():
            term = self.weight(name) * scores
            z = term if z is None else z + term
        return z

    def proba(self, parts: ScoreParts) -> np.ndarray:
        return with_floor(softmax(self.logits(parts) / self.temperature), self.floor)

    def to_dict(self) -> dict:
        return {"weights": dict(self.weights), "temperature": self.temperature, "floor": self.floor}

    @classmethod
    def from_dict(cls, d: dict) -> "Fusion":
        """Also the flat form saved before format 6 (head_w, knn_w, def_w, code_w, lex_w)."""
        if "weights" in d:
            return cls(dict(d["weights"]), d["temperature"], d.get("floor", 0.0))
        return cls({name: float(d.get(key, 0.0)) for key, name in LEGACY_WEIGHTS.items()}, d["temperature"],
                   d.get("floor", 0.0))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def with_floor(p: np.ndarray, floor: float) -> np.ndarray:
    return (1.0 - floor) * p + floor / p.shape[1] if floor else p


def fit_floor(p: np.ndarray, y: np.ndarray) -> float:
    """Mixture weight of the uniform distribution maximising the likelihood of the labels y under p."""
    def nll(floor: float) -> float:
        return float(-np.log(with_floor(p, floor)[np.arange(len(y)), y] + 1e-12).mean())
    return float(minimize_scalar(nll, bounds=(0.0, 0.2), method="bounded").x)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising negative log-likelihood on a validation split."""
    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())
    return float(np.exp(minimize_scalar(nll, bounds=(-4, 4), method="bounded").x))


def fit_fusion(parts: ScoreParts, y: np.ndarray, grids: dict[str, tuple[float, ...]],
               prefer_low: tuple[str, ...] = ()) -> tuple[Fusion, tuple[float, float]]:
    """Fit the fusion on a validation split in three stages; returns it with the text stage's (accuracy, mean
    log-likelihood) key. ``grids``: the weights tried per text part; every other part is a Bayes part.

    1. Text parts, each weighting with its fitted temperature T_text. Validation text shares phrasing with the
       fitting records, so it is far easier than a new company's (top-1 ≈ 0.95 there) and many weightings tie.
       One-standard-error rule: among weightings within one SE of the best validation accuracy, the lowest
       weights of the ``prefer_low`` parts (kNN: neighbour votes gain most from near-duplicate phrasing, so
       validation over-rates them), then accuracy, then likelihood. The definition grid has no 0: it keeps new
       and rare items reachable.
    2. Bayes parts (code profiles, lexical definition similarity): each calibrated alone on the same split
       (temperature T) and added to the calibrated text logits by Bayes' rule, p(c | text, codes) ∝ p(c | text) ·
       p(codes | c) / p(codes): weight T_text / T. Not searched on validation: beside its easy text any other
       evidence looks like noise there. Neither part learns from the judged phrasing, so its own calibration
       transfers better than a searched weight (the lexical part's is still shifted: validation phrasing is nearer
       the definitions'). A part that is 0 on every validation record (no codes) gets weight 0.
    3. Floor: a uniform share for labels no evidence explains (examiners disagree on a few percent of
       judgments), by likelihood on the same split; without it confident answers are over-confident.
    """
    candidates = []
    for combo in itertools.product(*grids.values()):
        chosen = dict(zip(grids, combo))
        f = Fusion({name: chosen.get(name, 0.0) for name in parts}, 1.0)
        z = f.logits(parts)
        f.temperature = fit_temperature(z, y)
        p = softmax(z / f.temperature)
        log_lik = float(np.log(p[np.arange(len(y)), y] + 1e-12).mean())
        candidates.append((f, (float((p.argmax(1) == y).mean()), log_lik)))
    top = max(key[0] for _, key in candidates)
    tied = [(f, key) for f, key in candidates if key[0] >= top - np.sqrt(top * (1 - top) / len(y))]
    best, best_key = max(tied, key=lambda c: (tuple(-c[0].weight(n) for n in prefer_low), c[1]))
    for name, scores in parts.items():
        if name not in grids and scores.any():
            best.weights[name] = best.temperature / fit_temperature(scores, y)
    best.floor = fit_floor(softmax(best.logits(parts) / best.temperature), y)
    return best, best_key
