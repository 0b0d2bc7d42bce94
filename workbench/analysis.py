"""Analysis helpers behind the analyst and maintainer notebooks (the notebooks stay thin walk-throughs).

- :func:`load_evaluation_run` — train a recommender (or load one) and score the held-out set once; every
  table and plot below is computed from the returned :class:`EvaluationRun` without re-encoding.
- tables: :func:`accuracy_by` (theme / field / item), :func:`confused_pairs`, :func:`misclassified`,
  :func:`record_explanation`, :func:`nearest_training_records`
- plot data: :func:`embedding_map` (2-D PCA of the sentence vectors; UMAP is not installed),
  :func:`reliability_data`, :func:`coverage_data` (accuracy vs coverage for the 검토 필요 threshold)
- plots (HoloViews/hvPlot, bokeh backend, Korean font family set on every text):
  :func:`plot_embedding_map`, :func:`plot_reliability`, :func:`plot_coverage`
- :func:`explorer_view` — the Panel explorer of misclassified records (Tabulator + detail pane + SHAP button).

Small mode (``WORKBENCH_NB_SMALL=1``, used by CI): ``use`` encoder, 6 training records per item, 300 held-out
records. Trained models are cached under ``embeddings/analysis/`` (``WORKBENCH_ANALYSIS_DIR``), keyed by the
training data, the encoder and the recommender's source code — never under ``embeddings/models``, so an
analysis model never becomes the examiner app's model.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.config import DEFAULT_ENCODER, EMBEDDINGS_DIR, SYNTH_DIR
from workbench.evaluation import expected_calibration_error, reliability_table
from workbench.recommend.recommender import Recommender
from workbench.recommend.text import compose, has_text
from workbench.schema.record import CompanyRecord
from workbench.schema.training import stratified_subset

SMALL_ENV = "WORKBENCH_NB_SMALL"
MODEL_ENV = "WORKBENCH_NB_MODEL"
ANALYSIS_DIR = Path(os.environ.get("WORKBENCH_ANALYSIS_DIR", EMBEDDINGS_DIR / "analysis"))
KOREAN_FONT = "'Noto Sans CJK KR', 'Noto Sans KR', 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif"
_SOURCE_DIRS = ("recommend", "heads", "index")  # the code that fitting depends on


def small_mode() -> bool:
    """True when ``WORKBENCH_NB_SMALL`` is set to a true value (1, true, yes)."""
    return os.environ.get(SMALL_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class RunConfig:
    """How an evaluation run is built. ``per_item``/``n_test`` None: every record."""

    encoder: str = DEFAULT_ENCODER
    per_item: int | None = None
    n_test: int | None = None
    head_backend: str = "auto"
    train_path: Path = SYNTH_DIR / "synthetic_train.csv"
    test_path: Path = SYNTH_DIR / "synthetic_test.csv"

    @classmethod
    def small(cls, **kw) -> "RunConfig":
        return cls(**{"encoder": "use", "per_item": 6, "n_test": 300, "head_backend": "sklearn", **kw})

    @classmethod
    def from_env(cls, small: bool | None = None) -> "RunConfig":
        return cls.small() if (small_mode() if small is None else small) else cls()


def read_labelled(path: str | Path) -> list[CompanyRecord]:
    from workbench.schema.ingest import read_records

    result = read_records(path, require_label=True)
    result.raise_for_errors()
    return result.records


def _source_hash() -> str:
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for sub in _SOURCE_DIRS:
        for p in sorted((root / sub).rglob("*.py")):  # recommend/parts/ included
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def _records_hash(records: list[CompanyRecord]) -> str:
    return hashlib.sha256("\n".join(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True)
                                    for r in records).encode()).hexdigest()


def train_or_load(records: list[CompanyRecord], encoder: str = DEFAULT_ENCODER, head_backend: str = "auto",
                  revision: str = "6", cache_root: Path | None = None) -> Recommender:
    """A recommender fitted on ``records``: loaded from the analysis cache when the same data, encoder and
    recommender code were trained before, otherwise fitted and cached (written atomically)."""
    cache_root = Path(cache_root or ANALYSIS_DIR)
    key = hashlib.sha256(f"{encoder}|{head_backend}|{revision}|{_records_hash(records)}|{_source_hash()}".encode())
    folder = cache_root / f"{encoder}-{revision}-n{len(records)}-{key.hexdigest()[:12]}"
    if (folder / "manifest.json").exists():
        try:
            return Recommender.load(folder)
        except (ValueError, KeyError, OSError):
            shutil.rmtree(folder, ignore_errors=True)
    rec = Recommender(encoder=encoder, head_backend=head_backend, revision=revision).fit(records)
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=cache_root))
    try:
        rec.save(tmp)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process cached the same model first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for stale in cache_root.glob(f"{encoder}-{revision}-n{len(records)}-*"):  # superseded by data/code changes
        if stale != folder and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    return rec


# ---- the evaluation run --------------------------------------------------------------------------------------
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
    :func:`train_or_load`). ``config`` defaults to :meth:`RunConfig.from_env` (small mode when
    ``WORKBENCH_NB_SMALL=1`` or ``small=True``).
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


# ---- tables --------------------------------------------------------------------------------------------------
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


# ---- plot data -----------------------------------------------------------------------------------------------
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


# ---- plots ---------------------------------------------------------------------------------------------------
def korean_font_hook(plot, element) -> None:
    """HoloViews bokeh hook: a Korean-capable font family on title, axes and legends."""
    p = plot.state
    if getattr(p, "title", None) is not None:
        p.title.text_font = KOREAN_FONT
    for ax in list(getattr(p, "xaxis", [])) + list(getattr(p, "yaxis", [])):
        ax.axis_label_text_font = KOREAN_FONT
        ax.major_label_text_font = KOREAN_FONT
    for legend in getattr(p, "legend", []):
        legend.label_text_font = KOREAN_FONT
        legend.title_text_font = KOREAN_FONT


_HV_READY = False


def _hv():
    """holoviews with the bokeh backend and the ``.hvplot`` accessor, set up once per process (in a notebook
    every ``import hvplot.pandas`` statement re-sends the JS resources, so it runs only the first time)."""
    global _HV_READY
    import holoviews as hv

    if not _HV_READY:
        import hvplot.pandas  # noqa: F401  (registers .hvplot and loads the bokeh extension)

        if hv.Store.current_backend != "bokeh" or "bokeh" not in hv.Store.renderers:
            hv.extension("bokeh", logo=False)
        _HV_READY = True
    return hv


THEME_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf", "#393b79", "#637939")


def theme_colors(names) -> dict[str, str]:
    """One fixed colour per theme name (the same in every plot)."""
    return {n: THEME_PALETTE[i % len(THEME_PALETTE)] for i, n in enumerate(names)}


def plot_embedding_map(df: pd.DataFrame, width: int = 560, height: int = 440, themes: list[str] | None = None):
    """Two linked scatter plots of the 2-D map: coloured by true theme | by predicted theme, with the same colour
    per theme in both (hover: company, product, true and predicted item)."""
    hv = _hv()
    names = themes or sorted(set(df.true_theme) | set(df.pred_theme))
    cmap = theme_colors(names)
    hover = ["company", "main_product", "true_item", "pred_item", "confidence", "correct"]
    opts = dict(width=width, height=height, size=6, alpha=0.7, legend="right", xaxis=None, yaxis=None,
                cmap=cmap, colorbar=False)
    true_plot = df.hvplot.scatter(x="x", y="y", c="true_theme", hover_cols=hover + ["pred_theme"],
                                  title="정답 테마 (true theme)", **opts)
    pred_plot = df.hvplot.scatter(x="x", y="y", c="pred_theme", hover_cols=hover + ["true_theme"],
                                  title="예측 테마 (predicted theme)", **opts)
    layout = (true_plot + pred_plot).opts(hv.opts.Scatter(hooks=[korean_font_hook], tools=["hover", "box_select"]))
    return layout.cols(2)


def plot_reliability(rel: pd.DataFrame, width: int = 420, height: int = 380):
    """Reliability diagram: accuracy vs mean confidence per bin, with the diagonal."""
    hv = _hv()
    diag = hv.Curve([(0, 0), (1, 1)], "confidence", "accuracy").opts(color="grey", line_dash="dashed")
    curve = hv.Curve(rel, "confidence", ["accuracy", "n"], label="모델").opts(tools=["hover"])
    points = hv.Scatter(rel, "confidence", ["accuracy", "n"]).opts(size=7, tools=["hover"])
    return (diag * curve * points).opts(
        hv.opts.Overlay(title="신뢰도 보정 (reliability)", width=width, height=height, xlim=(0, 1), ylim=(0, 1),
                        xlabel="1순위 신뢰도 (confidence)", ylabel="정확도 (accuracy)", hooks=[korean_font_hook]))


def plot_coverage(cov: pd.DataFrame, threshold: float | None = None, width: int = 460, height: int = 380):
    """Accuracy of auto-accepted records vs coverage; the chosen threshold is marked."""
    hv = _hv()
    curve = hv.Curve(cov, "coverage", ["accuracy", "threshold", "share_review"], label="자동 채택").opts(
        tools=["hover"])
    pts = hv.Scatter(cov, "coverage", ["accuracy", "threshold"]).opts(size=5, tools=["hover"])
    out = curve * pts
    if threshold is not None:
        row = cov.iloc[(cov.threshold - threshold).abs().argmin()]
        out = out * hv.Scatter([(row.coverage, row.accuracy)], label=f"기준 {row.threshold:.2f}").opts(
            size=12, color="red", marker="diamond")
    return out.opts(hv.opts.Overlay(title="정확도 vs 자동처리 비율 (accuracy vs coverage)", width=width,
                                    height=height, xlim=(0, 1.02), xlabel="자동 채택 비율 (coverage)",
                                    ylabel="자동 채택분 정확도 (accuracy)", legend_position="bottom_left",
                                    hooks=[korean_font_hook]))


def threshold_explorer(run: EvaluationRun):
    """Panel: a threshold slider next to the coverage curve and the resulting numbers."""
    import panel as pn

    cov = coverage_data(run)
    slider = pn.widgets.FloatSlider(name="검토 필요 기준 신뢰도 (threshold)", start=0.0, end=0.95, step=0.05,
                                    value=float(run.rec.review_threshold))

    def numbers(th: float) -> pn.pane.Markdown:
        row = cov.iloc[(cov.threshold - th).abs().argmin()]
        return pn.pane.Markdown(
            f"**기준 {row.threshold:.2f}** — 자동 채택 {row.coverage:.1%} (정확도 {row.accuracy:.1%}), "
            f"검토 필요 {row.share_review:.1%} (그중 1순위 정답 {row.accuracy_review:.1%})")

    return pn.Column(slider, pn.bind(lambda th: plot_coverage(cov, th), slider), pn.bind(numbers, slider))


# ---- the explorer of misclassified records -------------------------------------------------------------------
class Explorer:
    """Panel explorer of misclassified records: a filterable Tabulator; selecting a record shows its top-3,
    rationale, fast keyword attributions and nearest training records; a button runs the SHAP audit of its
    top-1 item. ``view`` is the layout (the object itself displays as it); ``select(i)`` and ``run_shap()``
    drive it from code."""

    def __init__(self, run: EvaluationRun, shap_max_evals: int = 300, page_size: int = 10):
        import panel as pn

        self.run, self.shap_max_evals = run, shap_max_evals
        self.wrong = misclassified(run)
        self.table = pn.widgets.Tabulator(
            self.wrong, pagination="remote", page_size=page_size, selectable=1, disabled=True, show_index=False,
            header_filters={"company_name": {"type": "input", "func": "like", "placeholder": "기업명"},
                            "main_product": {"type": "input", "func": "like", "placeholder": "주요제품"},
                            "true_theme": {"type": "list", "valuesLookup": True},
                            "true_code": {"type": "input", "func": "like"},
                            "pred_code": {"type": "input", "func": "like"}},
            formatters={"confidence": {"type": "progress", "max": 1}}, sizing_mode="stretch_width", height=380)
        self.detail = pn.Column(pn.pane.Markdown("표에서 기록을 선택하세요 (select a record)."),
                                sizing_mode="stretch_width")
        self.shap_button = pn.widgets.Button(name="SHAP 감사 실행 (run SHAP audit)", button_type="primary",
                                             disabled=True)
        self.shap_pane = pn.Column(sizing_mode="stretch_width")
        self.row: int | None = None
        self.explanation: dict | None = None
        self.shap_result = None
        self.table.param.watch(self._on_select, "selection")
        self.shap_button.on_click(lambda event: self.run_shap())
        self.view = pn.Column(
            pn.pane.Markdown(f"**오분류 {len(self.wrong)}건 / {len(run.table)}건** (misclassified)"), self.table,
            pn.Row(self.detail, pn.Column(self.shap_button, self.shap_pane, width=420), sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    def select(self, i: int) -> None:
        """Select row ``i`` of the misclassified table (as a click would)."""
        self.table.selection = [i]

    def _on_select(self, event=None) -> None:
        import panel as pn

        if not self.table.selection:
            return
        self.row = row = int(self.wrong.iloc[self.table.selection[0]]["row"])
        self.explanation = ex = record_explanation(self.run, row)
        r = self.run.table.loc[row]
        self.detail[:] = [
            pn.pane.Markdown(f"### {r.company_name}\n**주요제품** {r.main_product}  \n**제품용도** {r.product_use}  \n"
                             f"**정답** {r.true_code} {r.true_name} — **1순위 예측** {r.pred_code} {r.pred_name} "
                             f"({r.confidence:.1%})"),
            pn.pane.DataFrame(ex["top3"], index=False, sizing_mode="stretch_width"),
            pn.pane.Markdown("\n".join(f"- {s}" for s in ex["rationale"])),
            pn.pane.Markdown("#### 키워드 기여도 (fast keyword attributions)"),
            pn.pane.DataFrame(ex["keywords"], index=False, max_rows=15),
            pn.pane.Markdown("#### 가장 가까운 학습 기록 (nearest training records)"),
            pn.pane.DataFrame(nearest_training_records(self.run, row), index=False),
        ]
        self.shap_button.disabled = False
        self.shap_pane[:] = []

    def run_shap(self):
        """SHAP audit of the selected record's top-1 item; returns (ShapAudit, comparison) or None."""
        import panel as pn

        from workbench.explain.shap_audit import compare_with_keywords, fast_keyword_weights, shap_keywords

        if self.row is None or self.explanation is None:
            return None
        top1 = self.explanation["recommendation"].items[0]
        self.shap_button.loading = True
        try:
            audit = shap_keywords(self.run.rec, self.run.test[self.row], top1.item_code, max_evals=self.shap_max_evals)
        finally:
            self.shap_button.loading = False
        # compare with the fast attributions of every word (the keyword list holds only the top few)
        cmp = compare_with_keywords(audit, fast_keyword_weights(self.run.rec, self.run.test[self.row], top1.item_code))
        agree = cmp["sign_agreement"]
        self.shap_pane[:] = [
            pn.pane.Markdown(f"#### SHAP — {top1.item_code} {top1.item_name}\n확률 {audit.full_value:.3f} "
                             f"(단어 모두 삭제 시 {audit.base_value:.3f}), {audit.seconds:.1f}초  \n"
                             f"최상위 SHAP 단어 **{cmp['top_shap_word']}**: 빠른 키워드 상위 5개에 "
                             f"{'포함' if cmp['top_shap_in_fast_top'] else '없음'}; 공통 단어 부호 일치율 "
                             f"{'–' if agree is None else f'{agree:.0%}'}"),
            pn.pane.DataFrame(audit.top(8)[["word", "field", "shap_value"]], index=False)]
        self.shap_result = (audit, cmp)
        return self.shap_result

    def __panel__(self):
        return self.view

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.view._repr_mimebundle_(include, exclude)


def explorer_view(run: EvaluationRun, shap_max_evals: int = 300) -> Explorer:
    """The :class:`Explorer` of ``run``'s misclassified records."""
    return Explorer(run, shap_max_evals=shap_max_evals)


__all__ = ["EvaluationRun", "Explorer", "KOREAN_FONT", "RunConfig", "accuracy_by", "confused_pairs", "coverage_data",
           "embedding_map", "explorer_view", "load_evaluation_run", "misclassified", "nearest_training_records",
           "plot_coverage", "plot_embedding_map", "plot_reliability", "read_labelled", "record_explanation",
           "reliability_data", "score", "small_mode", "stratified_subset", "suggest_threshold",
           "threshold_explorer", "train_or_load"]
