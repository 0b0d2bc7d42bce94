"""The evaluation run: a recommender with its held-out records scored once (:func:`load_evaluation_run`,
:func:`score`); every table and plot of the analysis is computed from the returned :class:`EvaluationRun`
without re-encoding."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.analysis.cache import train_or_load
from workbench.analysis.config import MODEL_ENV, RunConfig, read_labelled
from workbench.evaluation import expected_calibration_error
from workbench.recommend.recommender import Recommender
from workbench.recommend.text import compose, has_text
from workbench.schema.record import CompanyRecord
from workbench.schema.training import stratified_subset


@dataclass
class EvaluationRun:
    """A recommender with its held-out records scored once: probabilities, sentence vectors, one table."""

    rec: Recommender
    train: list[CompanyRecord]
    test: list[CompanyRecord]
    P: np.ndarray  # (n_test, n_items) calibrated probabilities
    S: np.ndarray  # (n_test, dim) sentence vectors of the composed texts
    y: np.ndarray  # (n_test,) index of the true item in rec.items_
    table: pd.DataFrame  # one row per held-out record (see _record_table)
    config: RunConfig | None = None
    skipped: int = 0  # held-out records whose label is not an item of the model
    meta: dict = field(default_factory=dict)

    @property
    def taxonomy(self):
        return self.rec.taxonomy_

    def summary(self) -> dict:
        t = self.table
        return {"model_id": self.rec.model_id_, "encoder": self.rec.encoder_.id, "revision": self.rec.revision,
                "n_train": len(self.rec.train_meta_), "n_test": len(t), "top1_accuracy": float(t.correct.mean()),
                "top3_hit_rate": float(t.top3_hit.mean()), "field_accuracy": float(t.field_correct.mean()),
                "theme_accuracy": float(t.theme_correct.mean()),
                "ece": expected_calibration_error(t.confidence.to_numpy(), t.correct.to_numpy()),
                "share_review": float(t.review.mean())}


def score(rec: Recommender, test: list[CompanyRecord], train: list[CompanyRecord] | None = None,
          config: RunConfig | None = None) -> EvaluationRun:
    """Score ``test`` once with ``rec`` (records whose label is not a model item are skipped)."""
    items = set(rec.items_)
    kept = [r for r in test if r.item_code in items and has_text(r)]
    index_of = {c: i for i, c in enumerate(rec.items_)}
    S = rec.encoder_.encode([compose(r).text for r in kept], kind="query")
    P = rec.proba(rec.score(kept, S), kept)
    y = np.array([index_of[r.item_code] for r in kept], dtype=int)
    return EvaluationRun(rec=rec, train=list(train or []), test=kept, P=P, S=S, y=y,
                         table=_record_table(rec, kept, P, y), config=config, skipped=len(test) - len(kept))


def _record_table(rec: Recommender, test: list[CompanyRecord], P: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    tax = rec.taxonomy_
    codes = np.asarray(rec.items_)
    info = pd.DataFrame([tax.describe(c) for c in rec.items_])
    order = np.argsort(-P, axis=1)
    pred = order[:, 0]
    rows = np.arange(len(P))
    conf = P[rows, pred]
    second = P[rows, order[:, 1]] if P.shape[1] > 1 else np.zeros(len(P))
    true_rank = (order == y[:, None]).argmax(axis=1) + 1
    t = pd.DataFrame({
        "row": rows, "company_name": [r.company_name for r in test],
        "main_product": [r.main_product for r in test], "product_use": [r.product_use for r in test],
        "industry_name": [r.industry_name for r in test], "ksic_code": [r.ksic_code for r in test],
        "true_code": codes[y], "true_name": info.item_name.to_numpy()[y],
        "true_field": info.field_code.to_numpy()[y], "true_field_name": info.field_name.to_numpy()[y],
        "true_theme": info.theme_code.to_numpy()[y], "true_theme_name": info.theme_name.to_numpy()[y],
        "pred_code": codes[pred], "pred_name": info.item_name.to_numpy()[pred],
        "pred_field": info.field_code.to_numpy()[pred], "pred_field_name": info.field_name.to_numpy()[pred],
        "pred_theme": info.theme_code.to_numpy()[pred], "pred_theme_name": info.theme_name.to_numpy()[pred],
        "confidence": conf, "margin": conf - second, "true_prob": P[rows, y], "true_rank": true_rank,
        "top3": [" | ".join(codes[o[:3]]) for o in order],
    })
    t["correct"] = t.pred_code == t.true_code
    t["top3_hit"] = t.true_rank <= 3
    t["field_correct"] = t.pred_field == t.true_field
    t["theme_correct"] = t.pred_theme == t.true_theme
    t["review"] = (t.confidence < rec.review_threshold) | (t.margin < rec.review_margin)
    return t


def load_evaluation_run(model: str | Path | Recommender | None = None, config: RunConfig | None = None,
                        small: bool | None = None, prefer_installed: bool = True) -> EvaluationRun:
    """Train (or load) a recommender and score the held-out set.

    ``model``: a fitted Recommender, a model folder, or None → ``WORKBENCH_NB_MODEL`` if set; else, for a full
    run (``config.per_item`` None) with ``prefer_installed``, the newest model of ``embeddings/models`` (the one
    the examiner app serves); else a model trained on ``config``'s training file (cached; see
    :func:`~workbench.analysis.cache.train_or_load`). ``config`` defaults to :meth:`RunConfig.from_env` (small
    mode when ``WORKBENCH_NB_SMALL=1`` or ``small=True``).
    """
    config = config or RunConfig.from_env(small)
    model = model or os.environ.get(MODEL_ENV) or None
    if model is None and prefer_installed and config.per_item is None:
        from workbench.recommend.service import latest_model_dir

        model = latest_model_dir()
    train: list[CompanyRecord] = []
    if isinstance(model, Recommender):
        rec = model
    elif model is not None:
        rec = Recommender.load(model)
    else:
        train = stratified_subset(read_labelled(config.train_path), config.per_item)
        rec = train_or_load(train, encoder=config.encoder, head_backend=config.head_backend)
    test = read_labelled(config.test_path)
    if config.n_test is not None:
        test = test[: config.n_test]
    return score(rec, test, train, config)


__all__ = ["EvaluationRun", "load_evaluation_run", "score"]
