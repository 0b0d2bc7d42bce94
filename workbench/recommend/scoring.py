"""Score parts and their fusion: head logits, neighbour votes, definition similarity, code profiles and lexical
definition similarity → calibrated probabilities."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, fields

import numpy as np
from scipy.optimize import minimize_scalar

KNN_TEMPERATURE = 0.05
KNN_FLOOR = 1e-3


@dataclass
class ScoreParts:
    """Per-part scores, each (n, n_items) in the recommender's item order."""

    head: np.ndarray  # logits of the logistic head
    knn: np.ndarray  # log of similarity-weighted neighbour votes
    definition: np.ndarray  # cosine similarity to item definitions
    codes: np.ndarray  # log-ratios of the record's KSIC subclass and NST section (see codes.py)
    lexical: np.ndarray  # character n-gram TF-IDF cosine to item definitions (see lexical.py)

    def rows(self, index) -> "ScoreParts":
        """The parts of the records selected by ``index`` (a boolean mask or indices)."""
        return ScoreParts(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


@dataclass
class Fusion:
    """fused = head_w·head + knn_w·knn + def_w·definition + code_w·codes + lex_w·lexical; probabilities =
    (1 − floor)·softmax(fused / temperature) + floor / n_items. ``code_w``, ``floor`` and ``lex_w`` default to 0
    for models saved before they existed."""

    head_w: float = 1.0
    knn_w: float = 0.5
    def_w: float = 20.0
    temperature: float = 1.0
    code_w: float = 0.0
    floor: float = 0.0  # share of judgments no evidence explains (examiners disagree), spread over all items
    lex_w: float = 0.0

    def logits(self, parts: ScoreParts) -> np.ndarray:
        return (self.head_w * parts.head + self.knn_w * parts.knn + self.def_w * parts.definition
                + self.code_w * parts.codes + self.lex_w * parts.lexical)

    def proba(self, parts: ScoreParts) -> np.ndarray:
        return with_floor(softmax(self.logits(parts) / self.temperature), self.floor)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def knn_votes(neighbour_labels: np.ndarray, sims: np.ndarray, n_items: int) -> np.ndarray:
    """log(share of exp(sim/τ)-weighted votes per item + floor); labels are item indices."""
    w = np.exp((sims - sims.max(axis=1, keepdims=True)) / KNN_TEMPERATURE)
    votes = np.zeros((len(sims), n_items), np.float32)
    rows = np.repeat(np.arange(len(sims)), sims.shape[1])
    np.add.at(votes, (rows, neighbour_labels.ravel()), w.ravel())
    votes /= votes.sum(axis=1, keepdims=True)
    return np.log(votes + KNN_FLOOR)


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


def fit_fusion(parts: ScoreParts, y: np.ndarray, knn_grid=(0.0, 0.25, 0.5, 1.0, 2.0),
               def_grid=(5.0, 10.0, 20.0, 40.0)) -> tuple[Fusion, tuple[float, float]]:
    """Fit the fusion on a validation split in three stages; returns it with the text stage's (accuracy, mean
    log-likelihood) key.

    1. Text parts, each weighting with its fitted temperature T_text. Validation text shares phrasing with the
       fitting records, so it is far easier than a new company's (top-1 ≈ 0.95 there) and many weightings tie.
       One-standard-error rule: among weightings within one SE of the best validation accuracy, the lowest kNN
       weight — neighbour votes gain most from near-duplicate phrasing, so validation over-rates them — then
       accuracy, then likelihood. The definition weight is never 0: it keeps new and rare items reachable.
    2. Code profiles and lexical definition similarity: each calibrated alone on the same split (temperature T)
       and added to the calibrated text logits by Bayes' rule, p(c | text, codes) ∝ p(c | text) · p(codes | c) /
       p(codes): weight T_text / T. Not searched on validation: beside its easy text any other evidence looks like
       noise there. Neither part learns from the judged phrasing, so its own calibration transfers better than a
       searched weight (the lexical part's is still shifted: validation phrasing is nearer the definitions').
    3. Floor: a uniform share for labels no evidence explains (examiners disagree on a few percent of
       judgments), by likelihood on the same split; without it confident answers are over-confident.
    """
    candidates = []
    for kw, dw in itertools.product(knn_grid, def_grid):
        f = Fusion(1.0, kw, dw, 1.0)
        z = f.logits(parts)
        f.temperature = fit_temperature(z, y)
        p = softmax(z / f.temperature)
        log_lik = float(np.log(p[np.arange(len(y)), y] + 1e-12).mean())
        candidates.append((f, (float((p.argmax(1) == y).mean()), log_lik)))
    top = max(key[0] for _, key in candidates)
    tied = [(f, key) for f, key in candidates if key[0] >= top - np.sqrt(top * (1 - top) / len(y))]
    best, best_key = max(tied, key=lambda c: (-c[0].knn_w, c[1]))
    if parts.codes.any():
        best.code_w = best.temperature / fit_temperature(parts.codes, y)
    if parts.lexical.any():
        best.lex_w = best.temperature / fit_temperature(parts.lexical, y)
    best.floor = fit_floor(softmax(best.logits(parts) / best.temperature), y)
    return best, best_key
