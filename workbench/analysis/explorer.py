"""Panel views of an evaluation run: :func:`threshold_explorer` (a slider over the accuracy vs coverage curve) and
:class:`Explorer` (the misclassified records, one record's explanation and its SHAP audit)."""
from __future__ import annotations

import panel as pn
import param

from workbench.analysis.plotdata import coverage_data
from workbench.analysis.plots import plot_coverage
from workbench.analysis.run import EvaluationRun
from workbench.analysis.tables import misclassified, nearest_training_records, record_explanation


def threshold_explorer(run: EvaluationRun) -> pn.Column:
    """Panel: a threshold slider next to the coverage curve and the resulting numbers."""
    cov = coverage_data(run)
    slider = pn.widgets.FloatSlider(name="검토 필요 기준 신뢰도 (threshold)", start=0.0, end=0.95, step=0.05,
                                    value=float(run.rec.review_threshold))

    def numbers(th: float) -> pn.pane.Markdown:
        row = cov.iloc[(cov.threshold - th).abs().argmin()]
        return pn.pane.Markdown(
            f"**기준 {row.threshold:.2f}** — 자동 채택 {row.coverage:.1%} (정확도 {row.accuracy:.1%}), "
            f"검토 필요 {row.share_review:.1%} (그중 1순위 정답 {row.accuracy_review:.1%})")

    return pn.Column(slider, pn.bind(lambda th: plot_coverage(cov, th), slider), pn.bind(numbers, slider))


class Explorer(pn.viewable.Viewer):
    """Panel explorer of misclassified records: a filterable Tabulator; selecting a record shows its top-3,
    rationale, fast keyword attributions and nearest training records; a button runs the SHAP audit of its
    top-1 item. ``select(i)`` and ``run_shap()`` drive it from code; ``row``, ``explanation`` and
    ``shap_result`` hold what it shows."""

    run = param.ClassSelector(class_=EvaluationRun, constant=True, doc="the scored held-out records")
    shap_max_evals = param.Integer(default=300, bounds=(1, None), doc="model evaluations of one SHAP audit")
    page_size = param.Integer(default=10, bounds=(1, None), constant=True, doc="rows per page of the table")
    row = param.Integer(default=None, allow_None=True, doc="row of ``run.table`` of the selected record")
    explanation = param.Dict(default=None, allow_None=True,
                             doc=":func:`~workbench.analysis.tables.record_explanation` of the selected record")
    shap_result = param.Parameter(default=None, doc="(ShapAudit, comparison) of the selected record, once run")

    def __init__(self, run: EvaluationRun, **params):
        super().__init__(run=run, **params)
        self.wrong = misclassified(run)
        self.table = pn.widgets.Tabulator(
            self.wrong, pagination="remote", page_size=self.page_size, selectable=1, disabled=True,
            show_index=False,
            header_filters={"company_name": {"type": "input", "func": "like", "placeholder": "기업명"},
                            "main_product": {"type": "input", "func": "like", "placeholder": "주요제품"},
                            "true_theme": {"type": "list", "valuesLookup": True},
                            "true_code": {"type": "input", "func": "like"},
                            "pred_code": {"type": "input", "func": "like"}},
            formatters={"confidence": {"type": "progress", "max": 1}}, sizing_mode="stretch_width", height=380)
        self.detail = pn.Column(pn.pane.Markdown("표에서 기록을 선택하세요 (select a record)."),
                                sizing_mode="stretch_width")
        self.shap_button = pn.widgets.Button(name="SHAP 감사 실행 (run SHAP audit)", button_type="primary",
                                             disabled=pn.bind(lambda row: row is None, self.param.row))
        self.shap_pane = pn.Column(sizing_mode="stretch_width")
        self.table.param.watch(self._on_select, "selection")
        self.shap_button.on_click(lambda _event: self.run_shap())

    def select(self, i: int) -> None:
        """Select row ``i`` of the misclassified table (as a click would)."""
        self.table.selection = [i]

    def _on_select(self, event: param.parameterized.Event) -> None:
        if not event.new:
            return
        row = int(self.wrong.iloc[event.new[0]]["row"])
        self.param.update(row=row, explanation=record_explanation(self.run, row), shap_result=None)

    @param.depends("explanation", watch=True)
    def _show_explanation(self) -> None:
        ex, r = self.explanation, self.run.table.loc[self.row]
        self.detail[:] = [
            pn.pane.Markdown(f"### {r.company_name}\n**주요제품** {r.main_product}  \n**제품용도** {r.product_use}  \n"
                             f"**정답** {r.true_code} {r.true_name} — **1순위 예측** {r.pred_code} {r.pred_name} "
                             f"({r.confidence:.1%})"),
            pn.pane.DataFrame(ex["top3"], index=False, sizing_mode="stretch_width"),
            pn.pane.Markdown("\n".join(f"- {s}" for s in ex["rationale"])),
            pn.pane.Markdown("#### 키워드 기여도 (fast keyword attributions)"),
            pn.pane.DataFrame(ex["keywords"], index=False, max_rows=15),
            pn.pane.Markdown("#### 가장 가까운 학습 기록 (nearest training records)"),
            pn.pane.DataFrame(nearest_training_records(self.run, self.row), index=False),
        ]

    def run_shap(self):
        """SHAP audit of the selected record's top-1 item; returns (ShapAudit, comparison) or None."""
        from workbench.explain.shap_audit import compare_with_keywords, fast_keyword_weights, shap_keywords

        if self.row is None or self.explanation is None:
            return None
        top1 = self.explanation["recommendation"].items[0]
        record = self.run.test[self.row]
        self.shap_button.loading = True
        try:
            audit = shap_keywords(self.run.rec, record, top1.item_code, max_evals=self.shap_max_evals)
        finally:
            self.shap_button.loading = False
        # compare with the fast attributions of every word (the keyword list holds only the top few)
        self.shap_result = (audit, compare_with_keywords(audit, fast_keyword_weights(self.run.rec, record,
                                                                                      top1.item_code)))
        return self.shap_result

    @param.depends("shap_result", watch=True)
    def _show_shap(self) -> None:
        if self.shap_result is None:
            self.shap_pane[:] = []
            return
        audit, cmp = self.shap_result
        top1 = self.explanation["recommendation"].items[0]
        agree = cmp["sign_agreement"]
        self.shap_pane[:] = [
            pn.pane.Markdown(f"#### SHAP — {top1.item_code} {top1.item_name}\n확률 {audit.full_value:.3f} "
                             f"(단어 모두 삭제 시 {audit.base_value:.3f}), {audit.seconds:.1f}초  \n"
                             f"최상위 SHAP 단어 **{cmp['top_shap_word']}**: 빠른 키워드 상위 5개에 "
                             f"{'포함' if cmp['top_shap_in_fast_top'] else '없음'}; 공통 단어 부호 일치율 "
                             f"{'–' if agree is None else f'{agree:.0%}'}"),
            pn.pane.DataFrame(audit.top(8)[["word", "field", "shap_value"]], index=False)]

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.Markdown(f"**오분류 {len(self.wrong)}건 / {len(self.run.table)}건** (misclassified)"), self.table,
            pn.Row(self.detail, pn.Column(self.shap_button, self.shap_pane, width=420), sizing_mode="stretch_width"),
            sizing_mode="stretch_width")


def explorer_view(run: EvaluationRun, shap_max_evals: int = 300) -> Explorer:
    """The :class:`Explorer` of ``run``'s misclassified records."""
    return Explorer(run, shap_max_evals=shap_max_evals)


__all__ = ["Explorer", "explorer_view", "threshold_explorer"]
