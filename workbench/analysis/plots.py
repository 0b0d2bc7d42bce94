"""Plots of the analysis (HoloViews/hvPlot, bokeh backend), with a Korean-capable font family on every text."""
from __future__ import annotations

import pandas as pd

KOREAN_FONT = "'Noto Sans CJK KR', 'Noto Sans KR', 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif"


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


__all__ = ["KOREAN_FONT", "THEME_PALETTE", "korean_font_hook", "plot_coverage", "plot_embedding_map",
           "plot_reliability", "theme_colors"]
