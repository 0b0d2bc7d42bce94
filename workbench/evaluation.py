"""`workbench evaluate`: the brief's protocol (train on the history, score records never used in training)
plus ablations, calibration, review coverage and a real-text sanity check."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from workbench.encoders import get_encoder
from workbench.encoders.base import encode_definitions
from workbench.recommend.recommender import Recommender
from workbench.recommend.scoring import ScoreParts, softmax
from workbench.recommend.text import compose
from workbench.schema.record import CompanyRecord

N_BINS = 15
REALTEXT = Path(__file__).resolve().parent.parent.parent / "shared" / "realtext" / "listed_companies_dev.csv"


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, n_bins: int = N_BINS) -> float:
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    return float(sum(abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
                     for b in range(n_bins) if (bins == b).any()))


def reliability_table(confidence: np.ndarray, correct: np.ndarray, n_bins: int = N_BINS) -> list[dict]:
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    return [{"bin": b, "confidence": float(confidence[bins == b].mean()), "accuracy": float(correct[bins == b].mean()),
             "n": int((bins == b).sum())} for b in range(n_bins) if (bins == b).any()]


def ranking_metrics(P: np.ndarray, y: np.ndarray, items: list[str], taxonomy) -> dict:
    """Top-1/top-3, macro/weighted F1 of top-1, field/theme accuracy, ECE."""
    order = np.argsort(-P, axis=1)
    pred = order[:, 0]
    conf = P[np.arange(len(P)), pred]
    correct = pred == y
    field = np.array([taxonomy.item(c).field_code for c in items])
    theme = np.array([taxonomy.item(c).theme_code for c in items])
    return {
        "top1_accuracy": float(correct.mean()),
        "top3_hit_rate": float((order[:, :3] == y[:, None]).any(1).mean()),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=np.unique(y))),
        "weighted_f1": float(f1_score(y, pred, average="weighted", labels=np.unique(y))),
        "field_accuracy": float((field[pred] == field[y]).mean()),
        "theme_accuracy": float((theme[pred] == theme[y]).mean()),
        "ece": expected_calibration_error(conf, correct),
    }


def coverage_curve(P: np.ndarray, y: np.ndarray, thresholds=(0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)) -> list[dict]:
    """Accuracy of the records kept when those with top-1 confidence below each threshold go to review."""
    conf, correct = P.max(1), P.argmax(1) == y
    return [{"threshold": t, "coverage": float((conf >= t).mean()),
             "accuracy": float(correct[conf >= t].mean()) if (conf >= t).any() else None} for t in thresholds]


def ablations(parts: ScoreParts, y: np.ndarray, items, taxonomy) -> dict:
    """Each part alone. Ranking metrics only: a part alone has no calibration of its own (ECE is omitted)."""
    out = {}
    for name, z in (("head_only", parts.head), ("knn_only", parts.knn), ("definitions_only", parts.definition),
                    ("codes_only", parts.codes), ("lexical_only", parts.lexical)):
        out[name] = ranking_metrics(softmax(z), y, items, taxonomy)
        out[name].pop("ece")
    return out


def zero_shot_scores(rec: Recommender, records: list[CompanyRecord]) -> np.ndarray:
    """Similarity to item definitions with the installed encoder (never fine-tuned): the baseline that uses no
    judged record at all. With a tuned encoder the 'definitions_only' ablation is not zero-shot any more."""
    encoder = get_encoder(rec.encoder)
    D = encode_definitions(encoder, [it.definition_segments for it in rec.taxonomy_.items])
    return encoder.encode([compose(r).text for r in records], kind="query") @ D.T


def realtext_hits(rec: Recommender, path: Path = REALTEXT, ks=(1, 3, 10)) -> dict | None:
    """hit@k on real listed companies (업종 + 주요제품 only, weak labels): full model and zero-shot."""
    if not path.exists():
        return None
    df = pd.read_csv(path, dtype=str).fillna("")
    tax = rec.taxonomy_
    code_by_name = {i.name: i.code for i in tax.items}
    index_of = {c: i for i, c in enumerate(rec.items_)}
    records = [CompanyRecord(industry_name=r.industry_name, main_product=r.main_products) for r in df.itertuples()]
    labels = [{index_of[code_by_name[n]] for n in r.split("|") if n in code_by_name} for r in df.weak_items]
    parts = rec.score_parts(records)
    out = {"n": len(records), "path": str(path)}
    for name, z in (("full", rec.fusion_.logits(parts)), ("definitions_only", parts.definition),
                    ("zero_shot", zero_shot_scores(rec, records))):
        order = np.argsort(-z, axis=1)
        out[name] = {f"hit@{k}": float(np.mean([bool(set(o[:k]) & lab) for o, lab in zip(order, labels)]))
                     for k in ks}
    return out


def evaluate(rec: Recommender, test: list[CompanyRecord], out_dir: Path, realtext: Path = REALTEXT) -> dict:
    """Write evaluation.json, evaluation.md and plots to ``out_dir``; return the metrics."""
    tax = rec.taxonomy_
    index_of = {c: i for i, c in enumerate(rec.items_)}
    y = np.array([index_of[r.item_code] for r in test])
    parts = rec.score_parts(test)
    P = rec.fusion_.proba(parts)
    metrics = ranking_metrics(P, y, rec.items_, tax)
    conf, correct = P.max(1), P.argmax(1) == y
    second = np.sort(P, axis=1)[:, -2]
    review = (conf < rec.review_threshold) | (conf - second < rec.review_margin)
    result = {
        **metrics, "n_test": len(test), "encoder": rec.encoder_.id, "model_id": rec.model_id_,
        "taxonomy_revision": rec.revision, "n_train": len(rec.train_meta_), "fusion": asdict(rec.fusion_),
        "C": rec.C_, "tuning": getattr(rec, "tuning_", None),
        "review": {"share_flagged": float(review.mean()),
                   "accuracy_not_flagged": float(correct[~review].mean()) if (~review).any() else None,
                   "accuracy_flagged": float(correct[review].mean()) if review.any() else None},
        "coverage_curve": coverage_curve(P, y),
        "reliability": reliability_table(conf, correct),
        "ablations": ablations(parts, y, rec.items_, tax),
    }
    result["zero_shot"] = ranking_metrics(softmax(zero_shot_scores(rec, test)), y, rec.items_, tax)
    result["zero_shot"].pop("ece")
    result["realtext"] = realtext_hits(rec, realtext)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "evaluation.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "evaluation.md").write_text(markdown_summary(result), encoding="utf-8")
    plot_reliability(result["reliability"], out_dir / "reliability.png")
    plot_theme_confusion(P.argmax(1), y, rec.items_, tax, out_dir / "theme_confusion.png")
    return result


def markdown_summary(r: dict) -> str:
    rows = [("full", r)] + [(k, v) for k, v in r["ablations"].items()] + [("zero-shot (installed encoder)", r["zero_shot"])]
    lines = [f"# Evaluation — {r['model_id']} ({r['encoder']}, revision {r['taxonomy_revision']})", "",
             f"Trained on {r['n_train']} records, evaluated on {r['n_test']} held-out records. "
             + (f"Encoder fine-tuned: {r['tuning']['n_steps']} steps on {r['tuning']['n_records']} records in "
                f"{r['tuning']['seconds']:.0f} s." if r.get("tuning") else "Encoder frozen (not fine-tuned)."), "",
             "| model | top-1 | top-3 | macro-F1 | weighted-F1 | field acc | theme acc | ECE |", "|---|---|---|---|---|---|---|---|"]
    for name, m in rows:
        ece = f"{m['ece']:.3f}" if "ece" in m else "–"
        lines.append(f"| {name} | {m['top1_accuracy']:.3f} | {m['top3_hit_rate']:.3f} | {m['macro_f1']:.3f} | "
                     f"{m['weighted_f1']:.3f} | {m['field_accuracy']:.3f} | {m['theme_accuracy']:.3f} | {ece} |")
    rv = r["review"]
    lines += ["", f"검토 필요 flagged: {rv['share_flagged']:.1%}; accuracy of the rest {_share(rv['accuracy_not_flagged'])}, "
              f"of the flagged {_share(rv['accuracy_flagged'])}.", "", "| confidence ≥ | coverage | accuracy |",
              "|---|---|---|"]
    lines += [f"| {c['threshold']:.1f} | {c['coverage']:.3f} | {_share(c['accuracy'])} |" for c in r["coverage_curve"]]
    if r.get("realtext"):
        rt = r["realtext"]
        lines += ["", f"Real text ({rt['n']} listed companies, weak labels): "
                  + "; ".join(f"{n}: " + ", ".join(f"{k} {v:.3f}" for k, v in rt[n].items())
                              for n in ("full", "definitions_only", "zero_shot"))]
    lines += ["", "definitions_only: the model's definition part alone (its encoder may be fine-tuned on the history); "
              "zero-shot: the installed encoder against item definitions, no judged record used.",
              "Plots: reliability.png, theme_confusion.png."]
    return "\n".join(lines) + "\n"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def plot_reliability(table: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.plot([t["confidence"] for t in table], [t["accuracy"] for t in table], "o-")
    ax.set(xlabel="confidence (top-1)", ylabel="accuracy", title="Reliability diagram", xlim=(0, 1), ylim=(0, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_theme_confusion(pred: np.ndarray, y: np.ndarray, items: list[str], taxonomy, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    themes = [t.code for t in taxonomy.themes]
    theme_of = np.array([themes.index(taxonomy.item(c).theme_code) for c in items])
    m = np.zeros((len(themes), len(themes)))
    np.add.at(m, (theme_of[y], theme_of[pred]), 1)
    m = m / np.maximum(m.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(m, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(themes)), themes)
    ax.set_yticks(range(len(themes)), themes)
    for i in range(len(themes)):
        for j in range(len(themes)):
            if m[i, j] >= 0.01:
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] > 0.5 else "black")
    ax.set(xlabel="predicted theme", ylabel="true theme", title="Per-theme confusion (row-normalised)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
