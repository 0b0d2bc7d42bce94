"""`workbench calibrate-realtext`: choose the ``short`` evidence profile's lexical weight scale, temperature scale
and floor on real listed companies (``shared/realtext``), with K-fold cross-validation, and report how they hold
on held-out folds.

Synthetic validation cannot calibrate short inputs (its texts share the training phrasing). The weak labels can:
the settings maximise the likelihood that the answer is one of a company's labelled items,
log Σ_{c∈labels} p(c), which, as the labels are incomplete, errs towards lower confidence — the lexical scale over
a grid, the other two by optimisation for each of its values. Only these three scalars are chosen there; no
company is a training row. The chosen values become the defaults ``SHORT_LEXICAL_SCALE``,
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
from workbench.recommend.training import short_fusion

LEXICAL_SCALES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)


def short_proba(z: np.ndarray, scale: float, floor: float) -> np.ndarray:
    """Probabilities from logits already divided by the ``no_codes`` temperature."""
    return with_floor(softmax(z / scale), floor)


def nll(P: np.ndarray, labelled: np.ndarray) -> float:
    """Mean negative log of the probability each row gives its labelled items."""
    return float(-np.log((P * labelled).sum(axis=1) + 1e-12).mean())


def fit_scale_floor(z: np.ndarray, labelled: np.ndarray) -> tuple[float, float]:
    """(temperature scale, floor) maximising the mean log-probability of each row's labelled set."""
    def loss(x: np.ndarray) -> float:
        return nll(short_proba(z, float(np.exp(x[0])), float(0.5 / (1 + np.exp(-x[1])))), labelled)

    x = minimize(loss, np.array([0.0, -3.0]), method="Nelder-Mead").x
    return float(np.exp(x[0])), float(0.5 / (1 + np.exp(-x[1])))


def fit_short(logits: dict[float, np.ndarray], labelled: np.ndarray) -> tuple[float, float, float]:
    """(lexical scale, temperature scale, floor): for each lexical scale (its logits, already divided by the
    ``no_codes`` temperature) the best temperature scale and floor, then the lexical scale of the best of those."""
    fits = []
    for lexical, z in logits.items():
        scale, floor = fit_scale_floor(z, labelled)
        fits.append((nll(short_proba(z, scale, floor), labelled), lexical, scale, floor))
    _, lexical, scale, floor = min(fits)
    return lexical, scale, floor


def calibrate(rec: Recommender, path: Path = REALTEXT, folds: int = 5, seed: int = 0) -> dict:
    """Cross-validated figures of the chosen settings, and the settings fitted on every company."""
    data = load_realtext(path, rec.taxonomy_)
    index_of = {c: i for i, c in enumerate(rec.items_)}
    label_idx = [{index_of[c] for c in lab} for lab in data.labels]
    labelled = np.zeros((len(label_idx), len(rec.items_)), bool)
    for i, lab in enumerate(label_idx):
        labelled[i, list(lab)] = True
    base = rec.fusions_["no_codes"]
    parts = rec.score_parts(data.records)
    logits = {a: short_fusion(base, 1.0, 0.0, a).logits(parts) / base.temperature for a in LEXICAL_SCALES}
    fold = np.random.default_rng(seed).permutation(len(labelled)) % folds
    P = np.zeros(labelled.shape)
    per_fold = []
    for k in range(folds):
        train, test = fold != k, fold == k
        lexical, scale, floor = fit_short({a: z[train] for a, z in logits.items()}, labelled[train])
        P[test] = short_proba(logits[lexical][test], scale, floor)
        per_fold.append({"lexical_scale": lexical, "scale": round(scale, 3), "floor": round(floor, 4)})
    review = rec.review_flags(P, data.records)
    lexical, scale, floor = fit_short(logits, labelled)
    cv = {k: v for k, v in realtext_metrics(P, review, label_idx).items() if k != "realtext_reliability"}
    return {"n": len(labelled), "folds": folds, "lexical_scale": lexical, "scale": scale, "floor": floor,
            "per_fold": per_fold, "cv": cv, "current": {"lexical_scale": rec.short_lexical_scale,
                                                        "scale": rec.short_temperature_scale, "floor": rec.short_floor}}
