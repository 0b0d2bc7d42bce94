"""`workbench calibrate-realtext`: choose the ``short`` evidence profile's temperature scale and floor on real
listed companies (``shared/realtext``), with K-fold cross-validation, and report how they hold on held-out folds.

Synthetic validation cannot calibrate short inputs (its texts share the training phrasing). The weak labels can:
the two settings maximise the likelihood that the answer is one of a company's labelled items,
log Σ_{c∈labels} p(c), which, as the labels are incomplete, errs towards lower confidence. Only these two
scalars are chosen there; no company is a training row. The chosen values become the defaults
``SHORT_TEMPERATURE_SCALE`` and ``SHORT_FLOOR`` of :class:`~workbench.recommend.recommender.Recommender`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from workbench.evaluation import realtext_metrics
from workbench.realtext import REALTEXT, load_realtext
from workbench.recommend.recommender import Recommender
from workbench.recommend.scoring import softmax, with_floor


def short_proba(z: np.ndarray, scale: float, floor: float) -> np.ndarray:
    """Probabilities from logits already divided by the ``no_codes`` temperature."""
    return with_floor(softmax(z / scale), floor)


def fit_scale_floor(z: np.ndarray, labelled: np.ndarray) -> tuple[float, float]:
    """(temperature scale, floor) maximising the mean log-probability of each row's labelled set."""
    def nll(x: np.ndarray) -> float:
        p = short_proba(z, float(np.exp(x[0])), float(0.5 / (1 + np.exp(-x[1]))))
        return float(-np.log((p * labelled).sum(axis=1) + 1e-12).mean())

    x = minimize(nll, np.array([0.0, -3.0]), method="Nelder-Mead").x
    return float(np.exp(x[0])), float(0.5 / (1 + np.exp(-x[1])))


def calibrate(rec: Recommender, path: Path = REALTEXT, folds: int = 5, seed: int = 0) -> dict:
    """Cross-validated figures of the chosen settings, and the settings fitted on every company."""
    data = load_realtext(path, rec.taxonomy_)
    index_of = {c: i for i, c in enumerate(rec.items_)}
    label_idx = [{index_of[c] for c in lab} for lab in data.labels]
    labelled = np.zeros((len(label_idx), len(rec.items_)), bool)
    for i, lab in enumerate(label_idx):
        labelled[i, list(lab)] = True
    base = rec.fusions_["no_codes"]
    z = base.logits(rec.score_parts(data.records)) / base.temperature
    fold = np.random.default_rng(seed).permutation(len(z)) % folds
    P = np.zeros_like(z)
    per_fold = []
    for k in range(folds):
        train, test = fold != k, fold == k
        scale, floor = fit_scale_floor(z[train], labelled[train])
        P[test] = short_proba(z[test], scale, floor)
        per_fold.append({"scale": round(scale, 3), "floor": round(floor, 4)})
    review = rec.review_flags(P, data.records)
    scale, floor = fit_scale_floor(z, labelled)
    cv = {k: v for k, v in realtext_metrics(P, review, label_idx).items() if k != "realtext_reliability"}
    return {"n": len(z), "folds": folds, "scale": scale, "floor": floor, "per_fold": per_fold, "cv": cv,
            "current": {"scale": rec.short_temperature_scale, "floor": rec.short_floor}}
