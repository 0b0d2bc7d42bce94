"""Plot data of an evaluation run: the 2-D map of the sentence vectors (PCA; UMAP is not installed), the
reliability table, and accuracy vs coverage for the 검토 필요 threshold."""
from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analysis.run import EvaluationRun
from workbench.evaluation import reliability_table


def embedding_map(run: EvaluationRun, max_points: int | None = 3000, seed: int = 0) -> pd.DataFrame:
    """2-D PCA of the held-out sentence vectors with true / predicted theme and hover text."""
    from sklearn.decomposition import PCA

    xy = PCA(n_components=2, random_state=seed).fit_transform(run.S)
    t = run.table
    df = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "row": t.row, "true_theme": t.true_theme_name,
                       "pred_theme": t.pred_theme_name, "correct": np.where(t.correct, "정답", "오답"),
                       "company": t.company_name, "main_product": t.main_product.str.slice(0, 60),
                       "true_item": t.true_code + " " + t.true_name, "pred_item": t.pred_code + " " + t.pred_name,
                       "confidence": t.confidence.round(3)})
    if max_points is not None and len(df) > max_points:
        df = df.sample(max_points, random_state=seed)
    return df


def reliability_data(run: EvaluationRun, n_bins: int = 10) -> pd.DataFrame:
    """Per confidence bin: mean confidence, accuracy and count (top-1)."""
    t = run.table
    return pd.DataFrame(reliability_table(t.confidence.to_numpy(), t.correct.to_numpy(), n_bins))


def coverage_data(run: EvaluationRun, thresholds=None) -> pd.DataFrame:
    """For each confidence threshold: share auto-accepted (coverage), their accuracy, share sent to 검토 필요
    and the accuracy of those."""
    thresholds = np.round(np.arange(0.0, 1.0, 0.05), 2) if thresholds is None else np.asarray(thresholds)
    t = run.table
    conf, ok = t.confidence.to_numpy(), t.correct.to_numpy()
    rows = []
    for th in thresholds:
        keep = conf >= th
        rows.append({"threshold": float(th), "coverage": float(keep.mean()),
                     "accuracy": float(ok[keep].mean()) if keep.any() else np.nan,
                     "share_review": float((~keep).mean()),
                     "accuracy_review": float(ok[~keep].mean()) if (~keep).any() else np.nan,
                     "n_accepted": int(keep.sum())})
    return pd.DataFrame(rows)


def suggest_threshold(run: EvaluationRun, target_accuracy: float = 0.95) -> float | None:
    """The lowest confidence threshold whose auto-accepted records reach ``target_accuracy`` (None: none does)."""
    c = coverage_data(run, np.round(np.arange(0.0, 1.0, 0.01), 2))
    ok = c[(c.accuracy >= target_accuracy) & (c.n_accepted > 0)]
    return float(ok.threshold.min()) if len(ok) else None


__all__ = ["coverage_data", "embedding_map", "reliability_data", "suggest_threshold"]
