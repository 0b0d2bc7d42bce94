"""`workbench evaluate`: the brief's protocol (train on the history, score records never used in training)
plus ablations, calibration, review coverage, the same records without their codes (text only) and real company
text with weak labels (``realtext.py``)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from workbench.config import DEFAULT_REVISION, SYNTH_DIR
from workbench.encoders import get_encoder
from workbench.encoders.base import encode_definitions
from workbench.realtext import LOWER_BOUND_NOTE, REALTEXT, load_realtext, missing_realtext
from workbench.recommend.presenter import LOW_OVERLAP, membership
from workbench.recommend.principles import exclusion_proposal
from workbench.recommend.profiles import profile_view
from workbench.recommend.recommender import Recommender
from workbench.recommend.scoring import ScoreParts, softmax
from workbench.recommend.text import compose
from workbench.schema.ingest import read_records
from workbench.schema.record import CompanyRecord
from workbench.taxonomy.loader import load_taxonomy

N_BINS = 15
REALTEXT_BINS = 10


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


ABLATION_NAMES = {"definition": "definitions"}  # report names of the parts alone, where they differ


def ablations(parts: ScoreParts, y: np.ndarray, items, taxonomy) -> dict:
    """Each part alone. Ranking metrics only: a part alone has no calibration of its own (ECE is omitted)."""
    out = {}
    for part, z in parts.items():
        name = f"{ABLATION_NAMES.get(part, part)}_only"
        out[name] = ranking_metrics(softmax(z), y, items, taxonomy)
        out[name].pop("ece")
    return out


def zero_shot_scores(rec: Recommender, records: list[CompanyRecord]) -> np.ndarray:
    """Similarity to item definitions with the installed encoder (never fine-tuned): the baseline that uses no
    judged record at all. With a tuned encoder the 'definitions_only' ablation is not zero-shot any more."""
    encoder = get_encoder(rec.encoder)
    D = encode_definitions(encoder, [it.definition_segments for it in rec.taxonomy_.items])
    return encoder.encode([compose(r).text for r in records], kind="query") @ D.T


def hits_at(order: np.ndarray, label_idx: list[set[int]], k: int) -> np.ndarray:
    """Per company: whether any labelled item is among the first k of ``order`` (rows of item indices)."""
    return np.array([bool(set(o[:k].tolist()) & lab) for o, lab in zip(order, label_idx)])


def level_hits(P: np.ndarray, label_idx: list[set[int]], group_of: list[str]) -> dict[int, np.ndarray]:
    """Per company, hit@1 and hit@3 one level up (field or theme): each group's probability is the sum over its
    items, and a hit is any labelled item's group among the first k groups."""
    names, member = membership(group_of)
    order = np.argsort(-(P @ member), axis=1, kind="stable")
    labels = [{names.index(group_of[i]) for i in lab} for lab in label_idx]
    return {k: hits_at(order, labels, k) for k in (1, 3)}


def realtext_metrics(P: np.ndarray, review: np.ndarray, label_idx: list[set[int]]) -> dict:
    """Real-text figures from the probabilities shown (n, n_items) and the 검토 필요 flags; a hit is "one of the
    labelled items", so each figure is a lower bound."""
    order = np.argsort(-P, axis=1)[:, :10]
    conf = P[np.arange(len(P)), order[:, 0]]
    hit1 = hits_at(order, label_idx, 1)
    return {
        "realtext_n": len(P),
        "realtext_hit1": float(hit1.mean()),
        "realtext_hit3": float(hits_at(order, label_idx, 3).mean()),
        "realtext_hit10": float(hits_at(order, label_idx, 10).mean()),
        "realtext_mean_confidence": float(conf.mean()),
        "realtext_overconfidence": float(conf.mean() - hit1.mean()),
        "realtext_ece": expected_calibration_error(conf, hit1, REALTEXT_BINS),
        "realtext_review_share": float(review.mean()),
        "realtext_hit1_unflagged": float(hit1[~review].mean()) if (~review).any() else None,
        "realtext_hit1_flagged": float(hit1[review].mean()) if review.any() else None,
        "realtext_reliability": reliability_table(conf, hit1, REALTEXT_BINS),
    }


def realtext_section(rec: Recommender, path: Path = REALTEXT) -> dict:
    """Real listed companies (업종명 + 주요제품 only, weak labels): the model as shown to an examiner, its
    definition part alone and the zero-shot baseline. ``{"missing": path}`` when the file is absent (an error
    under CI)."""
    if not Path(path).exists():
        return missing_realtext(Path(path))
    data = load_realtext(Path(path), rec.taxonomy_)
    index_of = {c: i for i, c in enumerate(rec.items_)}
    label_idx = [{index_of[c] for c in lab} for lab in data.labels]
    parts = rec.score(data.records)
    P = rec.proba(parts, data.records)
    review = rec.review_flags(P, data.records)
    presenter = rec.presenter()
    out = {"path": str(path), **realtext_metrics(P, review, label_idx)}
    for name, z in (("definitions_only", parts["definition"]), ("zero_shot", zero_shot_scores(rec, data.records))):
        order = np.argsort(-z, axis=1)[:, :10]
        out.update({f"realtext_{name}_hit{k}": float(hits_at(order, label_idx, k).mean()) for k in (1, 3, 10)})
    levels = {level: level_hits(P, label_idx, [rec.taxonomy_.describe(c)[f"{level}_code"] for c in rec.items_])
              for level in ("field", "theme")}  # is a miss in the right area, or the wrong theme altogether?
    for level, hits in levels.items():
        out.update({f"realtext_{level}_hit{k}": float(v.mean()) for k, v in hits.items()})
    hinted = review & np.array([presenter.likely_field(p) is not None for p in P], bool)  # 검토 사유 names a 분야
    field_hit1 = levels["field"][1]
    out.update({"realtext_field_hint_share": float(hinted.mean()),
                "realtext_field_hint_hit1": float(field_hit1[hinted].mean()) if hinted.any() else None,
                "realtext_field_no_hint_hit1": float(field_hit1[review & ~hinted].mean())
                if (review & ~hinted).any() else None})
    low = review & presenter.unfamiliar(parts["lexical"])  # given 검토 사유 "품목 정의와 겹치는 표현이 거의 없음"
    sub = realtext_metrics(P[low], review[low], [label_idx[i] for i in np.flatnonzero(low)]) if low.any() else {}
    out.update({"realtext_low_overlap_share": float(low.mean()),
                "realtext_low_overlap_hit1": sub.get("realtext_hit1"),
                "realtext_low_overlap_mean_confidence": sub.get("realtext_mean_confidence")})
    return out


def evaluate(rec: Recommender, test: list[CompanyRecord], out_dir: Path, realtext: Path = REALTEXT) -> dict:
    """Write evaluation.json, evaluation.md and plots to ``out_dir``; return the metrics."""
    tax = rec.taxonomy_
    index_of = {c: i for i, c in enumerate(rec.items_)}
    y = np.array([index_of[r.item_code] for r in test])
    parts = rec.score(test)
    P = rec.proba(parts, test)
    metrics = ranking_metrics(P, y, rec.items_, tax)
    conf, correct = P.max(1), P.argmax(1) == y
    review = rec.review_flags(P, test)
    result = {
        **metrics, "n_test": len(test), "encoder": rec.encoder_.id, "model_id": rec.model_id_,
        "taxonomy_revision": rec.revision, "n_train": len(rec.train_meta_), "fusion": rec.fusion_.to_dict(),
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
    for name, view in (("text_only", "no_codes"), ("short", "short")):  # the same records with less evidence
        m = ranking_metrics(rec.predict_proba([profile_view(r, view) for r in test]), y, rec.items_, tax)
        result.update({f"synthetic_{name}_top1": m["top1_accuracy"], f"synthetic_{name}_top3": m["top3_hit_rate"],
                       f"synthetic_{name}_ece": m["ece"]})
    result["realtext"] = realtext_section(rec, realtext)
    result.update(exclusion_figures(test, realtext))
    result["targets"] = target_table(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "evaluation.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "evaluation.md").write_text(markdown_summary(result), encoding="utf-8")
    plot_reliability(result["reliability"], out_dir / "reliability.png")
    if "realtext_reliability" in result["realtext"]:
        plot_reliability(result["realtext"]["realtext_reliability"], out_dir / "realtext_reliability.png",
                         title="Reliability on real text (weak labels)")
    plot_theme_confusion(P.argmax(1), y, rec.items_, tax, out_dir / "theme_confusion.png")
    return result


def exclusion_figures(test: list[CompanyRecord], realtext: Path = REALTEXT,
                      excluded: Path = SYNTH_DIR / "synthetic_excluded.csv") -> dict:
    """How often 해당 없음 is proposed: on the synthetic excluded companies (recall), on the held-out innovative
    ones (false rate, target ≤ 1%) and on the real dev companies (share; no labels say which are right)."""
    out = {"exclusion_false_rate": float(np.mean([bool(exclusion_proposal(r)) for r in test]))}
    if excluded.exists():
        records = read_records(excluded, required=()).records
        out["exclusion_recall"] = float(np.mean([bool(exclusion_proposal(r)) for r in records]))
    if Path(realtext).exists():
        records = load_realtext(Path(realtext), load_taxonomy(DEFAULT_REVISION)).records
        out["realtext_exclusion_share"] = float(np.mean([bool(exclusion_proposal(r)) for r in records]))
    return out


# (figure, comparison, bar, source): the brief's bar (F1 ≥ 0.75, accuracy ≥ 80% on unseen records) and our own
BRIEF_BAR = (("top1_accuracy", ">=", 0.80, "brief: accuracy"), ("weighted_f1", ">=", 0.75, "brief: F1 (weighted)"))
OWN_TARGETS = (("top1_accuracy", ">=", 0.85, "issue 3/12"), ("top3_hit_rate", ">=", 0.95, "issue 3/12"),
               ("macro_f1", ">=", 0.80, "issue 3/12"), ("ece", "<=", 0.05, "issue 3/12"),
               ("realtext_hit1", ">=", 0.40, "issue 12"), ("realtext_hit3", ">=", 0.60, "issue 12"),
               ("realtext_overconfidence", "<=", 0.15, "issue 12"), ("exclusion_false_rate", "<=", 0.01, "issue 14"))


def target_table(r: dict) -> list[dict]:
    """Pass/fail of every bar the figures are held to (real-text bars only when the dev set was evaluated)."""
    figures = {**r, **{k: v for k, v in r.get("realtext", {}).items() if isinstance(v, float)}}
    rows = []
    for key, op, bar, source in BRIEF_BAR + OWN_TARGETS:
        if key in figures:
            value = figures[key]
            rows.append({"figure": key, "value": value, "bar": f"{op} {bar}", "source": source,
                         "pass": bool(value >= bar if op == ">=" else value <= bar)})
    rt = r.get("realtext", {})
    if rt.get("realtext_hit1_unflagged") is not None and rt.get("realtext_hit1_flagged") is not None:
        rows.append({"figure": "realtext_hit1_unflagged / flagged", "value": rt["realtext_hit1_unflagged"],
                     "bar": f">= 2 × {rt['realtext_hit1_flagged']:.3f}", "source": "issue 12",
                     "pass": rt["realtext_hit1_unflagged"] >= 2 * rt["realtext_hit1_flagged"]})
    return rows


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
    lines += ["", f"The same {r['n_test']} records with less evidence — without 업종코드/기술분류 (text only; synthetic "
              "codes come from the item→KSIC links the code profiles score, so the full figures are partly "
              f"circular): top-1 {r['synthetic_text_only_top1']:.3f}, top-3 {r['synthetic_text_only_top3']:.3f}, "
              f"ECE {r['synthetic_text_only_ece']:.3f}; as a listing shows them (주요제품 + 업종명 of the KSIC group): "
              f"top-1 {r['synthetic_short_top1']:.3f}, top-3 {r['synthetic_short_top3']:.3f}, "
              f"ECE {r['synthetic_short_ece']:.3f} (short inputs are calibrated on real companies, see below)."]
    if "exclusion_recall" in r:
        lines += ["", f"해당 없음 proposals (application principles): {r['exclusion_recall']:.1%} of the synthetic excluded "
                  f"companies, {r['exclusion_false_rate']:.1%} of the held-out innovative ones"
                  + (f", {r['realtext_exclusion_share']:.1%} of the real dev companies." if "realtext_exclusion_share" in r
                     else ".")]
    lines += realtext_markdown(r["realtext"])
    lines += ["", "## Bars", "", "| figure | value | bar | source | |", "|---|---|---|---|---|"]
    lines += [f"| {t['figure']} | {t['value']:.3f} | {t['bar']} | {t['source']} | {'pass' if t['pass'] else '**FAIL**'} |"
              for t in target_table(r)]
    lines += ["", "definitions_only: the model's definition part alone (its encoder may be fine-tuned on the history); "
              "zero-shot: the installed encoder against item definitions, no judged record used.",
              "Plots: reliability.png, theme_confusion.png."]
    return "\n".join(lines) + "\n"


def realtext_markdown(rt: dict) -> list[str]:
    if "missing" in rt:
        return ["", f"Real text: not evaluated — {rt['missing']} is missing."]
    row = ("| {} | {:.3f} | {:.3f} | {:.3f} |")
    return ["", f"## Real text ({rt['realtext_n']} listed companies: 업종명 + 주요제품 only)", "", LOWER_BOUND_NOTE, "",
            "| model | hit@1 | hit@3 | hit@10 |", "|---|---|---|---|",
            row.format("as shown (full model)", rt["realtext_hit1"], rt["realtext_hit3"], rt["realtext_hit10"]),
            row.format("definitions part alone", *(rt[f"realtext_definitions_only_hit{k}"] for k in (1, 3, 10))),
            row.format("zero-shot (installed encoder)", *(rt[f"realtext_zero_shot_hit{k}"] for k in (1, 3, 10))), "",
            f"One level up (a group's probability = the sum over its items): the labelled 분야 is 1순위 for "
            f"{rt['realtext_field_hit1']:.3f} and within 1–3순위 for {rt['realtext_field_hit3']:.3f} of the companies; the "
            f"labelled 테마 {rt['realtext_theme_hit1']:.3f} / {rt['realtext_theme_hit3']:.3f}. 검토 사유 names a likely 분야 "
            f"for {rt['realtext_field_hint_share']:.1%} of the companies (flagged, the 분야's items holding ≥ 50% and 15 "
            f"points more than the next): that 분야 is labelled for {_share(rt['realtext_field_hint_hit1'])} of them, "
            f"for {_share(rt['realtext_field_no_hint_hit1'])} of the other flagged ones.", "",
            f"Mean top-1 confidence {rt['realtext_mean_confidence']:.3f} against hit@1 {rt['realtext_hit1']:.3f}: "
            f"over-confidence {rt['realtext_overconfidence']:+.3f}; ECE (10 bins) {rt['realtext_ece']:.3f}. "
            f"검토 필요 {rt['realtext_review_share']:.1%}: hit@1 unflagged {_share(rt['realtext_hit1_unflagged'])}, "
            f"flagged {_share(rt['realtext_hit1_flagged'])}. Plot: realtext_reliability.png.", "",
            f"검토 사유 '품목 정의와 겹치는 표현이 거의 없음' (flagged, best lexical cosine with any item definition "
            f"< {LOW_OVERLAP}): {rt['realtext_low_overlap_share']:.1%} of the companies, hit@1 "
            f"{_share(rt['realtext_low_overlap_hit1'])}, mean confidence {_share(rt['realtext_low_overlap_mean_confidence'])}."]


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def plot_reliability(table: list[dict], path: Path, title: str = "Reliability diagram") -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.plot([t["confidence"] for t in table], [t["accuracy"] for t in table], "o-")
    ax.set(xlabel="confidence (top-1)", ylabel="accuracy", title=title, xlim=(0, 1), ylim=(0, 1))
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
