"""Tables of an evaluation run: accuracy by theme / field / item, confused pairs, the misclassified records, and
one record's explanation and nearest training records."""
from __future__ import annotations

import pandas as pd

from workbench.analysis.run import EvaluationRun
from workbench.recommend.text import compose
from workbench.schema.record import CompanyRecord

LEVELS = {"theme": ("true_theme", "true_theme_name", "pred_theme"),
          "field": ("true_field", "true_field_name", "pred_field"),
          "item": ("true_code", "true_name", "pred_code")}


def accuracy_by(run: EvaluationRun, level: str = "theme") -> pd.DataFrame:
    """Per true theme / field / item: n, item top-1 and top-3, accuracy at this level, mean confidence.

    Sorted by item top-1 ascending (weakest first)."""
    code, name, pred = LEVELS[level]
    t = run.table.assign(level_correct=run.table[pred] == run.table[code])
    out = (t.groupby([code, name], sort=False)
           .agg(n=("correct", "size"), top1=("correct", "mean"), top3=("top3_hit", "mean"),
                level_accuracy=("level_correct", "mean"), mean_confidence=("confidence", "mean"),
                share_review=("review", "mean"))
           .reset_index().rename(columns={code: "code", name: "name"}))
    if level == "item":
        out = out.drop(columns="level_accuracy")
    return out.sort_values(["top1", "n"], ascending=[True, False], ignore_index=True)


def confused_pairs(run: EvaluationRun, level: str = "item", top: int = 20) -> pd.DataFrame:
    """Most frequent (true → predicted) confusions at ``level``, with the share of the true code's records."""
    code, name, pred = LEVELS[level]
    pred_name = {"theme": "pred_theme_name", "field": "pred_field_name", "item": "pred_name"}[level]
    t = run.table
    wrong = t[t[pred] != t[code]]
    n_true = t.groupby(code).size()
    out = (wrong.groupby([code, name, pred, pred_name]).size().rename("count").reset_index()
           .rename(columns={code: "true", name: "true_name", pred: "pred", pred_name: "pred_name"}))
    out["share_of_true"] = out["count"] / out["true"].map(n_true)
    same_field = None
    if level == "item":
        tax = run.taxonomy
        same_field = [tax.item(a).field_code == tax.item(b).field_code for a, b in zip(out["true"], out["pred"])]
        out["same_field"] = same_field
    return out.sort_values(["count", "share_of_true"], ascending=False, ignore_index=True).head(top)


MISCLASSIFIED_COLUMNS = ["row", "company_name", "main_product", "true_theme", "true_code", "true_name",
                         "pred_code", "pred_name", "confidence", "true_prob", "true_rank", "review"]


def misclassified(run: EvaluationRun, columns: list[str] | None = None) -> pd.DataFrame:
    """Held-out records whose top-1 is wrong, most confident errors first."""
    t = run.table
    out = t[~t.correct].sort_values("confidence", ascending=False)
    return out[columns or MISCLASSIFIED_COLUMNS].reset_index(drop=True)


def record_explanation(run: EvaluationRun, row: int) -> dict:
    """Top-3 (with rationale and per-part scores) and the fast keyword attributions of held-out record ``row``."""
    r = run.rec.recommend(run.test[row])
    top3 = pd.DataFrame([{"rank": it.rank, "item_code": it.item_code, "item_name": it.item_name,
                          "field": it.field_name, "confidence": it.confidence, **it.scores} for it in r.items])
    keywords = pd.DataFrame([{"rank": it.rank, "item_code": it.item_code, "keyword": k.text, "field": k.field,
                              "weight": k.weight} for it in r.items for k in it.keywords])
    return {"recommendation": r, "top3": top3, "rationale": [f"{it.rank}. {it.item_name}: {it.rationale}"
                                                             for it in r.items],
            "keywords": keywords, "review_required": r.review_required, "review_reasons": r.review_reasons,
            "true": run.table.loc[row, ["true_code", "true_name"]].to_dict()}


def nearest_training_records(run: EvaluationRun, row: int | None = None, k: int = 5,
                             record: CompanyRecord | None = None) -> pd.DataFrame:
    """The ``k`` most similar training records (from the model's neighbour index) of held-out record ``row``
    (or of any ``record``), with their judged items."""
    rec = run.rec
    if record is not None:
        s = rec.encoder_.encode([compose(record).text], kind="query")
        true_code = record.item_code
        pred_code = rec.items_[int(rec.proba(rec.score([record], s), [record]).argmax())]
    else:
        s = run.S[row:row + 1]
        true_code, pred_code = run.table.loc[row, "true_code"], run.table.loc[row, "pred_code"]
    ids, sims = rec.nearest(s, k)
    tax = rec.taxonomy_
    rows = []
    for j, sim in zip(ids[0], sims[0]):
        meta = rec.train_meta_[j]
        code = meta["item_code"]
        rows.append({"similarity": round(float(sim), 4), "company_name": meta.get("company_name", ""),
                     "main_product": meta.get("main_product", ""), "item_code": code,
                     "item_name": tax.item(code).name, "is_true_item": code == true_code,
                     "is_predicted_item": code == pred_code})
    return pd.DataFrame(rows)


__all__ = ["LEVELS", "MISCLASSIFIED_COLUMNS", "accuracy_by", "confused_pairs", "misclassified",
           "nearest_training_records", "record_explanation"]
