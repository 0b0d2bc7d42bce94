"""Analysis helpers behind the analyst and maintainer notebooks (the notebooks stay thin walk-throughs).

- :func:`load_evaluation_run` — train a recommender (or load one) and score the held-out set once; every
  table and plot below is computed from the returned :class:`EvaluationRun` without re-encoding (``run.py``).
- tables (``tables.py``): :func:`accuracy_by` (theme / field / item), :func:`confused_pairs`,
  :func:`misclassified`, :func:`record_explanation`, :func:`nearest_training_records`
- plot data (``plotdata.py``): :func:`embedding_map` (2-D PCA of the sentence vectors; UMAP is not installed),
  :func:`reliability_data`, :func:`coverage_data` (accuracy vs coverage for the 검토 필요 threshold),
  :func:`suggest_threshold`
- plots (``plots.py``; HoloViews/hvPlot, bokeh backend, Korean font family set on every text):
  :func:`plot_embedding_map`, :func:`plot_reliability`, :func:`plot_coverage`
- views (``explorer.py``): :func:`explorer_view` — the Panel :class:`Explorer` of misclassified records
  (Tabulator + detail pane + SHAP button) — and :func:`threshold_explorer`.

Small mode (``WORKBENCH_NB_SMALL=1``, used by CI; ``config.py``): ``use`` encoder, 6 training records per item,
300 held-out records. Trained models are cached under ``embeddings/analysis/`` (``WORKBENCH_ANALYSIS_DIR``;
``cache.py``), keyed by the training data, the encoder, the source of every package a fit runs and the
revision's taxonomy data — never under ``embeddings/models``, so an analysis model never becomes the examiner
app's model.
"""
from workbench.analysis.cache import train_or_load
from workbench.analysis.config import RunConfig, read_labelled, small_mode
from workbench.analysis.explorer import Explorer, explorer_view, threshold_explorer
from workbench.analysis.plotdata import coverage_data, embedding_map, reliability_data, suggest_threshold
from workbench.analysis.plots import KOREAN_FONT, korean_font_hook, plot_coverage, plot_embedding_map, plot_reliability
from workbench.analysis.run import EvaluationRun, load_evaluation_run, score
from workbench.analysis.tables import (accuracy_by, confused_pairs, misclassified, nearest_training_records,
                                       record_explanation)

__all__ = ["EvaluationRun", "Explorer", "KOREAN_FONT", "RunConfig", "accuracy_by", "confused_pairs", "coverage_data",
           "embedding_map", "explorer_view", "korean_font_hook", "load_evaluation_run", "misclassified",
           "nearest_training_records", "plot_coverage", "plot_embedding_map", "plot_reliability", "read_labelled",
           "record_explanation", "reliability_data", "score", "small_mode", "suggest_threshold",
           "threshold_explorer", "train_or_load"]
