"""Score parts and their fusion: head logits, neighbour votes, definition similarity → calibrated probabilities."""
from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class Fusion:
    """fused = head_w·head + knn_w·knn + def_w·definition; probabilities = softmax(fused / temperature)."""

    head_w: float = 1.0
    knn_w: float = 0.5
    def_w: float = 20.0
    temperature: float = 1.0

    def logits(self, parts: ScoreParts) -> np.ndarray:
        return self.head_w * parts.head + self.knn_w * parts.knn + self.def_w * parts.definition

    def proba(self, parts: ScoreParts) -> np.ndarray:
        return softmax(self.logits(parts) / self.temperature)


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


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising negative log-likelihood on a validation split."""
    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())
    return float(np.exp(minimize_scalar(nll, bounds=(-4, 4), method="bounded").x))


def fit_fusion(parts: ScoreParts, y: np.ndarray, knn_grid=(0.0, 0.25, 0.5, 1.0, 2.0),
               def_grid=(0.0, 5.0, 10.0, 20.0, 40.0)) -> tuple[Fusion, tuple[float, float]]:
    """Pick part weights by validation accuracy (ties → higher likelihood), each with its fitted temperature.
    Returns the fusion and its (accuracy, mean log-likelihood) key."""
    best, best_key = Fusion(), None
    for kw in knn_grid:
        for dw in def_grid:
            f = Fusion(1.0, kw, dw, 1.0)
            z = f.logits(parts)
            f.temperature = fit_temperature(z, y)
            p = softmax(z / f.temperature)
            log_lik = np.log(p[np.arange(len(y)), y] + 1e-12).mean()
            key = ((p.argmax(1) == y).mean(), log_lik)
            if best_key is None or key > best_key:
                best, best_key = f, key
    return best, best_key
