"""Panel views of the examiner app: input form, result screen, history tab and the page template.

Views only lay out widgets and bind them to the state classes of :mod:`workbench.ui.state`; every layout is
built once, and changing data only updates pane objects, widget options or ``visible`` flags. All user or
database text is escaped (:func:`workbench.ui.highlight.escape`) before it becomes HTML.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import panel as pn
import param

from workbench.auth import ROLE_LABELS_KO, Access
from workbench.recommend.types import ItemRecommendation, Keyword, Recommendation
from workbench.schema.record import SPEC_BY_NAME, CompanyRecord
from workbench.store import JudgmentRow, StoreError
from workbench.store.export import DECISION_LABELS_KO
from workbench.taxonomy.model import code_status_ko
from workbench.taxonomy.supports import load_supports, supports_for
from workbench.ui.highlight import escape, highlight_field
from workbench.ui.state import (DECISION_FILTERS, KST, ExaminerState, ExportRefused, FormState, HistoryState,
                                model_note)


TITLE = "혁신성장 품목 자동판별"
ACCENT = "#0b5cad"
TABULATOR_KO = {"locale": "ko", "langs": {"ko": {"pagination": {
    "first": "처음", "first_title": "첫 페이지", "last": "마지막", "last_title": "마지막 페이지",
    "prev": "이전", "prev_title": "이전 페이지", "next": "다음", "next_title": "다음 페이지",
    "all": "전체", "page_size": "페이지 크기"}, "data": {"loading": "불러오는 중", "error": "오류"}}}}
TEXT_FIELD_ORDER = ("main_product", "product_use", "tech_project", "industry_name")
FIELD_LABELS = {**{s.name: s.label_ko for s in SPEC_BY_NAME.values()}}

FIELD_ERROR_CSS = """
:host(.field-error) .bk-input, :host(.field-error) textarea, :host(.field-error) input {
  border: 2px solid #d32f2f !important; background-color: #fff6f6;
}
:host(.field-error) label { color: #d32f2f; font-weight: 600; }
"""

CONTENT_CSS = """
:host { font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", sans-serif; }
.alert { border-radius: 6px; padding: 10px 14px; margin: 4px 0; line-height: 1.6; white-space: pre-line; }
.alert-danger { background: #fdecea; border: 1px solid #f5c2c0; color: #8a1c1c; }
.alert-success { background: #e8f5e9; border: 1px solid #b7dfb9; color: #1b5e20; }
.alert-info { background: #e8f1fb; border: 1px solid #b9d3f0; color: #0b3d74; }
.alert-warning { background: #fff8e1; border: 1px solid #ffe08a; color: #6b4e00; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 9px; font-size: 0.85em; font-weight: 600; }
.badge-review { background: #d32f2f; color: white; }
.badge-ok { background: #2e7d32; color: white; }
.badge-provisional { background: #fff3e0; color: #e65100; border: 1px solid #e65100; margin-left: 4px; }
table.kv { border-collapse: collapse; width: 100%; }
table.kv th { text-align: left; color: #555; font-weight: 600; width: 9em; vertical-align: top;
              padding: 3px 8px 3px 0; }
table.kv td { padding: 3px 0; white-space: pre-wrap; word-break: break-word; }
.rec-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 16px; background: #fff; }
.rec-card.rank-1 { border-left: 5px solid #0b5cad; }
.rec-head { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; font-size: 1.15em; }
.rec-rank { color: #0b5cad; font-weight: 700; }
.rec-code { font-family: monospace; font-weight: 700; }
.rec-name { font-weight: 700; }
.rec-conf { margin-left: auto; font-weight: 700; }
.rec-meta { color: #555; margin: 2px 0 6px 0; }
.conf-bar { height: 6px; background: #eef1f4; border-radius: 3px; overflow: hidden; margin-bottom: 8px; }
.conf-bar > div { height: 100%; background: #0b5cad; }
h4 { margin: 10px 0 4px 0; font-size: 1em; color: #333; }
.chip { display: inline-block; border-radius: 12px; padding: 1px 8px; margin: 2px 3px 2px 0; font-size: 0.9em; }
.chip.pos { background: #fff3b0; border: 1px solid #e6cf4a; }
.chip.neg { background: #fde0e0; border: 1px solid #efa5a5; }
.chip .w { font-family: monospace; margin-left: 4px; }
.chip .f { color: #666; font-size: 0.85em; margin-left: 4px; }
mark.kw-pos { background: #fff176; padding: 0 1px; }
mark.kw-neg { background: #ffcdd2; padding: 0 1px; }
.src { white-space: pre-wrap; word-break: break-word; }
table.prec { border-collapse: collapse; width: 100%; font-size: 0.92em; }
table.prec th, table.prec td { border-bottom: 1px solid #e5e8eb; padding: 3px 6px; text-align: left; }
.muted { color: #777; }
ul { margin: 4px 0; padding-left: 20px; }
"""


# --------------------------------------------------------------------------- HTML rendering (pure functions)


def alert_html(message: str, kind: str = "danger") -> str:
    """An alert box with the escaped message (line breaks kept); '' for an empty message."""
    if not message:
        return ""
    return f'<div class="alert alert-{escape(kind)}" role="alert">{escape(message)}</div>'


LOGIN_OFF_KO = ("로그인 없이 실행 중: 심사역 이름은 입력한 그대로 저장되며, 누구나 모든 판별 이력을 보고 내보낼 수 "
                "있습니다. 여러 사람이 쓰는 서버에서는 로그인을 켜세요.")


def login_html(access: Access, logout_url: str = "/logout") -> str:
    """Who is logged in, with their role and a logout link; without login a warning saying so (escaped)."""
    if not access.login:
        return alert_html(LOGIN_OFF_KO, "warning")
    return (f'<div class="muted login-user">로그인: <b>{escape(access.user)}</b> ({escape(ROLE_LABELS_KO[access.role])})'
            f' · <a href="{escape(logout_url)}">로그아웃</a></div>')


def format_brn(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 10 else value


def company_html(record: CompanyRecord | None) -> str:
    """The inputs of a result as a two-column table (escaped)."""
    if record is None:
        return ""
    rows = []
    for name in ("company_name", "business_reg_no", "ceo_name", "base_date", "ksic_code", "industry_name",
                 "main_product", "product_use", "tech_project", "nst_code"):
        value = getattr(record, name)
        if name == "business_reg_no":
            value = format_brn(value)
        rows.append(f"<tr><th>{escape(FIELD_LABELS[name])}</th><td>{escape(value)}</td></tr>")
    return f'<table class="kv">{"".join(rows)}</table>'


def review_html(rec: Recommendation | None) -> str:
    """검토 필요 badge with reasons, application-principle warnings and input warnings."""
    if rec is None:
        return ""
    parts = []
    if rec.review_required:
        reasons = "".join(f"<li>{escape(r)}</li>" for r in rec.review_reasons)
        parts.append(f'<div class="alert alert-danger"><span class="badge badge-review">검토 필요</span>'
                     f'{f"<ul>{reasons}</ul>" if reasons else ""}</div>')
    else:
        parts.append('<div><span class="badge badge-ok">추천 신뢰 구간</span> '
                     '<span class="muted">검토 필요 조건에 해당하지 않습니다. 최종 판정은 심사역이 합니다.</span></div>')
    if rec.proposed_none:
        parts.append(f'<div class="alert alert-warning proposed-none"><b>해당 없음 제안 (적용원칙)</b>: '
                     f"{escape(rec.proposed_none)}. 확인 후 '해당 없음'으로 판정하거나, 혁신 제품이면 품목을 선택하세요.</div>")
    if rec.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in rec.warnings)
        parts.append(f'<div class="alert alert-warning"><b>적용원칙 확인</b><ul>{items}</ul></div>')
    if rec.input_warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in rec.input_warnings)
        parts.append(f'<div class="alert alert-info"><b>입력 확인</b><ul>{items}</ul></div>')
    if not rec.items:
        parts.append(alert_html("추천할 품목이 없습니다. 목록에서 다른 품목을 고르거나 '해당 없음'으로 판정하세요.", "info"))
    return "".join(parts)


PROVISIONAL_TITLE = ("공식 품목코드가 아직 없어 workbench가 부여한 코드입니다. 공식 코드표를 반영하면 바뀌며, "
                     "저장된 판정은 새 코드로 이어집니다.")


def provisional_badge(provisional: bool) -> str:
    """The '임시 코드' marker after a code the workbench assigned ('' for an official code)."""
    if not provisional:
        return ""
    return f'<span class="badge badge-provisional" title="{escape(PROVISIONAL_TITLE)}">{code_status_ko(None)}</span>'


def _keyword_chip(kw: Keyword) -> str:
    css = "neg" if kw.weight < 0 else "pos"
    where = FIELD_LABELS.get(kw.field, kw.field)
    return (f'<span class="chip {css}" title="{escape(where)}">{escape(kw.text)}'
            f'<span class="w">{kw.weight:+.3f}</span><span class="f">{escape(where)}</span></span>')


def item_html(rec: Recommendation | None, record: CompanyRecord | None, rank: int) -> str:
    """One recommendation card: code, names, confidence, rationale, keywords, highlighted text, precedents."""
    it: ItemRecommendation | None = None
    if rec is not None:
        it = next((i for i in rec.items if i.rank == rank), None)
    if it is None or record is None:
        return ""
    pct = max(0.0, min(1.0, float(it.confidence))) * 100
    keywords = sorted(it.keywords, key=lambda k: -abs(k.weight))
    chips = "".join(_keyword_chip(k) for k in keywords) or '<span class="muted">기여 키워드 없음</span>'
    texts = []
    for name in TEXT_FIELD_ORDER:
        raw = getattr(record, name)
        if raw.strip():
            texts.append(f'<tr><th>{escape(FIELD_LABELS[name])}</th>'
                         f'<td class="src">{highlight_field(raw, keywords, name)}</td></tr>')
    if it.precedents:
        rows = "".join(
            f"<tr><td>{escape(p.company_name)}</td><td>{escape(p.main_product)}</td>"
            f"<td>{escape(p.item_code)}{provisional_badge(it.provisional)}</td><td>{p.similarity * 100:.0f}%</td></tr>"
            for p in it.precedents)  # a precedent is a past judgment of this same item
        precedents = (f'<table class="prec"><tr><th>기업명</th><th>주요제품</th><th>품목</th><th>유사도</th></tr>'
                      f"{rows}</table>")
    else:
        precedents = '<span class="muted">유사한 과거 판별 사례가 없습니다.</span>'
    return f"""
<div class="rec-card rank-{rank}" data-rank="{rank}" data-code="{escape(it.item_code)}">
  <div class="rec-head"><span class="rec-rank">{rank}순위</span><span class="rec-code">{escape(it.item_code)}</span>{provisional_badge(it.provisional)}
    <span class="rec-name">{escape(it.item_name)}</span><span class="rec-conf">신뢰도 {pct:.1f}%</span></div>
  <div class="rec-meta">테마 {escape(it.theme_code)} {escape(it.theme_name)}
    · 분야 {escape(it.field_code)} {escape(it.field_name)}</div>
  <div class="conf-bar"><div style="width:{pct:.1f}%"></div></div>
  <h4>분류근거</h4><div class="rationale">{escape(it.rationale)}</div>
  <h4>기여 키워드 <span class="muted">(가중치: + 이 품목 쪽, − 반대 쪽)</span></h4><div>{chips}</div>
  <h4>기업 입력 내용</h4><table class="kv">{"".join(texts)}</table>
  <h4>유사 판별 사례</h4>{precedents}
</div>"""


def supports_html(decision_type: str | None) -> str:
    """연계 우대지원 of a final decision that is an item (nothing for 해당 없음 or no decision), with its caveat."""
    supports = supports_for(decision_type)
    if not supports:
        return ""
    table = load_supports()
    rows = "".join(f"<li>{escape(s.institution)} — {escape(s.support)}</li>" for s in supports)
    return (f'<div class="supports"><h4>연계 우대지원</h4><ul>{rows}</ul><div class="muted">'
            f"{escape(table.disclaimer_ko)} (출처: {escape(table.source)}, {escape(table.as_of)} 기준)</div></div>")


def judgment_html(row: JudgmentRow | None, current_code: str | None = None) -> str:
    """A saved judgment as it was saved (escaped); ``current_code``: the final item's code today, when an official
    code import changed it since."""
    if row is None:
        return '<div class="muted">표에서 행을 선택하면 저장된 판별 내용을 볼 수 있습니다.</div>'
    record = CompanyRecord(**{name: str(getattr(row, name) or "") for name in (
        "company_name", "business_reg_no", "ceo_name", "base_date", "ksic_code", "industry_name", "main_product",
        "product_use", "tech_project", "nst_code")})
    recs = "".join(
        f"<tr><td>{escape(r.get('rank', i + 1))}</td><td>{escape(r.get('item_code'))}"
        f"{provisional_badge(r.get('code_status') != 'official')}</td>"
        f"<td>{escape(r.get('item_name'))}</td><td>{float(r.get('confidence') or 0) * 100:.1f}%</td></tr>"
        for i, r in enumerate(row.recommendations))
    final = (f"{escape(row.final_item_code)}{provisional_badge(row.provisional_code)} {escape(row.final_item_name)}"
             if row.final_item_code else "해당 없음")
    if current_code:
        final += f' <span class="muted">(공식 코드 반영 후 현재 코드: {escape(current_code)})</span>'
    decision = escape(DECISION_LABELS_KO.get(row.decision_type, row.decision_type))
    if row.accepted_rank:
        decision += f" ({row.accepted_rank}순위)"
    chain = ""
    if row.supersedes_id:
        chain += f"<tr><th>정정 대상</th><td>판별 번호 {row.supersedes_id}</td></tr>"
    if row.superseded_by_id:
        chain += f"<tr><th>정정됨</th><td>판별 번호 {row.superseded_by_id}에서 정정</td></tr>"
    if row.source_file_name:
        chain += (f"<tr><th>원본 문서</th><td>{escape(row.source_file_name)} "
                  f'<span class="muted">SHA-256 {escape(row.source_file_sha256)}</span></td></tr>')
    warnings = "".join(f"<li>{escape(w)}</li>" for w in row.warnings)
    return f"""
<h4>판별 번호 {row.id} · {escape(row.created_at.astimezone(KST).strftime('%Y-%m-%d %H:%M'))}
 · 심사역 {escape(row.examiner)}</h4>
<table class="kv">
<tr><th>최종 판정</th><td><b>{decision}</b> — {final}</td></tr>
<tr><th>의견</th><td>{escape(row.comment or '')}</td></tr>
<tr><th>검토 필요</th><td>{'예' if row.review_flag else '아니오'}</td></tr>
{chain}
</table>
{f'<div class="alert alert-warning"><b>적용원칙 확인</b><ul>{warnings}</ul></div>' if warnings else ''}
{supports_html(row.decision_type)}
<h4>추천 결과</h4>
<table class="prec"><tr><th>순위</th><th>품목코드</th><th>품목명</th><th>신뢰도</th></tr>{recs}</table>
<h4>입력 정보</h4>{company_html(record)}
<div class="muted">분류체계 {escape(row.taxonomy_revision)}차 · 모델 {escape(row.model_id)} · 인코더 {escape(row.encoder_id)}
 · 앱 {escape(row.app_version)}</div>"""


POPUP_CSS = """
:host { position: fixed; top: 20vh; left: calc(50vw - 210px); z-index: 1000; background: #fff;
        border: 1px solid #c62828; border-radius: 8px; padding: 12px 16px;
        box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.35), 0 8px 24px rgba(0, 0, 0, 0.3); }
"""
# Put the cursor in the field named before ':' in the value (widgets live in nested shadow roots).
FOCUS_JS = """
const name = cb_obj.value.split(':')[0];
if (!name) { return; }
function deep(root, selector) {
  const found = root.querySelector(selector);
  if (found) { return found; }
  for (const node of root.querySelectorAll('*')) {
    if (node.shadowRoot) { const inner = deep(node.shadowRoot, selector); if (inner) { return inner; } }
  }
  return null;
}
setTimeout(() => {
  const host = deep(document, '.field-' + name);
  const box = host ? deep(host.shadowRoot || host, 'input, textarea') : null;
  if (box) { box.focus(); }
}, 50);
"""


def _html(obj: Any, **kwargs: Any) -> pn.pane.HTML:
    return pn.pane.HTML(obj, stylesheets=[CONTENT_CSS], disable_math=True, sizing_mode="stretch_width", **kwargs)


def _two_way(widget: pn.widgets.Widget, obj: param.Parameterized, name: str, attr: str = "value",
             to_widget: Callable[[Any], Any] = lambda v: v, to_state: Callable[[Any], Any] = lambda v: v) -> None:
    """Keep ``widget.<attr>`` and ``obj.<name>`` in step in both directions."""
    def _w(event: param.parameterized.Event) -> None:
        value = to_state(event.new)
        if getattr(obj, name) != value:
            setattr(obj, name, value)

    def _s(event: param.parameterized.Event) -> None:
        value = to_widget(event.new)
        if getattr(widget, attr) != value:
            setattr(widget, attr, value)

    setattr(widget, attr, to_widget(getattr(obj, name)))
    widget.param.watch(_w, attr)
    obj.param.watch(_s, name)


def notify(kind: str, message: str, duration: int = 4000) -> None:
    """Toast notification when the page has notifications (a served session), else nothing."""
    notifications = getattr(pn.state, "notifications", None)
    if notifications is not None and message:
        getattr(notifications, kind if kind in ("success", "info", "warning", "error") else "info")(
            message, duration=duration)


# --------------------------------------------------------------------------- input screen


class InputForm(pn.viewable.Viewer):
    """기업정보 입력 and 기업기술정보 with the 판별 button."""

    state = param.ClassSelector(class_=ExaminerState)
    intake = param.Parameter(default=None, doc="Document intake shown above 기업기술정보 (``ui.intake.IntakeView``).")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        form: FormState = self.state.form
        text = dict(stylesheets=[FIELD_ERROR_CSS], sizing_mode="stretch_width")
        self.widgets: dict[str, pn.widgets.Widget] = {
            "company_name": pn.widgets.TextInput.from_param(form.param.company_name, label="기업명 *", **text),
            "business_reg_no": pn.widgets.TextInput.from_param(
                form.param.business_reg_no, label="사업자등록번호 *", placeholder="000-00-00000", **text),
            "ceo_name": pn.widgets.TextInput.from_param(form.param.ceo_name, label="대표자명 *", **text),
            "base_date": pn.widgets.TextInput.from_param(form.param.base_date, label="분류기준일", disabled=True, **text),
            "ksic_code": pn.widgets.TextInput.from_param(
                form.param.ksic_code, label="업종코드 (KSIC) *", placeholder="5자리 (예: 26299)", **text),
            "industry_name": pn.widgets.TextInput.from_param(form.param.industry_name, label="업종명 *", **text),
            "main_product": pn.widgets.TextAreaInput.from_param(
                form.param.main_product, label="주요제품 *", rows=2, auto_grow=True, **text),
            "product_use": pn.widgets.TextAreaInput.from_param(
                form.param.product_use, label="제품용도 (제품의 용도 및 특성) *", rows=4, auto_grow=True, **text),
            "tech_project": pn.widgets.TextAreaInput.from_param(
                form.param.tech_project, label="기술사업명 *", rows=2, auto_grow=True, **text),
            "nst_code": pn.widgets.TextInput.from_param(
                form.param.nst_code, label="기술분류 (국가과학기술표준분류) *", placeholder="예: EE0101", **text),
        }
        for name, widget in self.widgets.items():
            widget.css_classes = [f"field-{name}"]
        self.widgets["ksic_code"].param.watch(lambda e: setattr(form, "ksic_typed", e.new or ""), "value_input")
        form.param.watch(self._mark_errors, "errors")

        self.ksic_hint = _html(pn.bind(self._ksic_hint, form.param.ksic_suggestion, form.param.ksic_typed,
                                       form.param.ksic_other))
        self.fill_button = pn.widgets.Button(
            label="업종명에 입력", color="light", align="end",
            visible=pn.bind(lambda s, n: bool(s) and s != n.strip(), form.param.ksic_suggestion,
                            form.param.industry_name))
        self.fill_button.on_click(lambda _e: form.fill_industry_name())
        self.message = _html(pn.bind(alert_html, form.param.message), visible=pn.bind(bool, form.param.message))
        # '공란 입력' popup: names every blank field; closing it puts the cursor in the first one (in the browser)
        self.popup_text = _html("", css_classes=["blank-popup-text"])
        self.popup_ok = pn.widgets.Button(label="확인", color="primary", css_classes=["blank-popup-ok"])
        # a fixed overlay of our own: Panel's Modal loads its dialog script from a CDN, which an offline site lacks
        self.popup = pn.Column(self.popup_text, self.popup_ok, visible=False, css_classes=["blank-popup"],
                               stylesheets=[POPUP_CSS], width=420)
        self.focus_request = pn.widgets.TextInput(value="", visible=False)
        self.focus_request.jscallback(value=FOCUS_JS)
        self.popup_ok.on_click(lambda _e: self.popup.param.update(visible=False))
        self.popup.param.watch(self._on_popup, "visible")
        form.param.watch(self._show_popup, "blank_fields", onlychanged=False)  # the same blanks again: again
        self.error = _html(pn.bind(alert_html, self.state.param.error), visible=pn.bind(bool, self.state.param.error))
        self.classify_button = pn.widgets.Button(label="판별", color="primary", icon="search", width=160,
                                                 css_classes=["classify-button"],
                                                 loading=self.state.param.busy)
        self.classify_button.on_click(self._on_classify)
        self.spinner = pn.indicators.LoadingSpinner(value=self.state.param.busy, size=28,
                                                    visible=self.state.param.busy, align="center")

    @staticmethod
    def _ksic_hint(suggestion: str, typed: str, other: str = "") -> str:
        typed = (typed or "").strip()
        if suggestion and other:  # one of the 24 codes whose meaning changed between revisions
            return (f'<div class="alert alert-warning">KSIC 11차 업종명: <b>{escape(suggestion)}</b><br>'
                    f"같은 코드가 10차에서는 <b>{escape(other)}</b>입니다. 2024-07-01 이전 자료의 코드라면 11차 코드로 "
                    "바꿔 입력하세요.</div>")
        if suggestion:
            return f'<div class="muted">KSIC 업종명: <b>{escape(suggestion)}</b></div>'
        if len(typed) == 5 and typed.isdigit():
            return f'<div class="muted">업종코드 {escape(typed)}는 KSIC 10차·11차에 없습니다.</div>'
        return ""

    def _show_popup(self, event: param.parameterized.Event) -> None:
        if event.new:
            names = "".join(f"<li>{escape(SPEC_BY_NAME[n].label_ko)}</li>" for n in event.new)
            self.popup_text.object = (f'<div role="alertdialog" aria-label="공란 입력"><h4>[공란 입력]</h4>'
                                      f"<p>다음 필수 항목을 입력하세요.</p><ul>{names}</ul></div>")
            self.popup.visible = True

    def _on_popup(self, event: param.parameterized.Event) -> None:
        blanks = self.state.form.blank_fields
        if not event.new and blanks:  # closed by 확인, the close button or a click outside
            self.focus_request.value = f"{blanks[0]}:{uuid.uuid4().hex[:8]}"

    def _mark_errors(self, event: param.parameterized.Event) -> None:
        for name, widget in self.widgets.items():
            classes = [f"field-{name}"] + (["field-error"] if name in event.new else [])
            if widget.css_classes != classes:
                widget.css_classes = classes

    async def _on_classify(self, _event: Any) -> None:
        await self.state.classify_async()

    def __panel__(self) -> pn.viewable.Viewable:
        w = self.widgets
        company = pn.Card(
            pn.GridBox(w["company_name"], w["business_reg_no"], w["ceo_name"], w["base_date"], ncols=2,
                       sizing_mode="stretch_width"),
            title="기업정보 입력", collapsible=False, sizing_mode="stretch_width")
        tech = pn.Card(
            pn.Row(w["ksic_code"], pn.Column(self.ksic_hint, self.fill_button, sizing_mode="stretch_width"),
                   sizing_mode="stretch_width"),
            w["industry_name"], w["main_product"], w["product_use"], w["tech_project"], w["nst_code"],
            title="기업기술정보", collapsible=False, sizing_mode="stretch_width")
        return pn.Column(
            company, *([self.intake] if self.intake is not None else []), tech, self.message, self.error, self.popup,
            self.focus_request,
            pn.Row(self.classify_button, self.spinner,
                   _html('<span class="muted">* 필수 항목 · 분류기준일은 판별하는 날(KST)입니다.</span>', align="center")),
            sizing_mode="stretch_width", loading=self.state.param.busy)


# --------------------------------------------------------------------------- result screen


class ResultView(pn.viewable.Viewer):
    """분류검색 결과: company info, recommendations 1–3 with 분류근거, the decision and 저장."""

    state = param.ClassSelector(class_=ExaminerState)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        s = self.state
        # while a save runs nothing that would change what is being saved can be used
        self.back_button = pn.widgets.Button(label="재분류", icon="arrow-back", color="default", width=120,
                                             css_classes=["back-button"], disabled=s.param.saving)
        self.back_button.on_click(lambda _e: s.reclassify())
        self.company = _html(pn.bind(company_html, s.param.record))
        self.review = _html(pn.bind(review_html, s.param.recommendation))
        self.accept_none = pn.widgets.Button(
            label="해당 없음으로 판정", color="warning", css_classes=["accept-none-button"], disabled=s.param.saving,
            visible=pn.bind(lambda r: bool(r and r.proposed_none), s.param.recommendation))
        self.accept_none.on_click(lambda _e: setattr(s, "decision", "none"))
        self.cards = [_html(pn.bind(item_html, s.param.recommendation, s.param.record, rank=r),
                            visible=pn.bind(self._has_rank, s.param.recommendation, rank=r)) for r in (1, 2, 3)]
        self.timing = _html(pn.bind(self._timing, s.param.recommendation, s.param.elapsed_ms),
                            css_classes=["result-meta"])

        self.decision = pn.widgets.RadioBoxGroup(label="최종 판정", options=self._decision_options(None),
                                                 value=None, inline=False, css_classes=["decision-input"],
                                                 disabled=s.param.saving)
        s.param.watch(self._update_options, "recommendation")
        _two_way(self.decision, s, "decision")
        self.other_item = pn.widgets.AutocompleteInput(
            label="다른 품목 (품목코드 또는 품목명으로 검색)", options=s.item_options(), search_strategy="includes",
            case_sensitive=False, min_characters=1, restrict=True, placeholder="예: 수소 또는 E10001",
            css_classes=["other-item-input"], disabled=s.param.saving,
            sizing_mode="stretch_width", visible=pn.bind(lambda d: d == "other", s.param.decision))
        s.param.watch(lambda _e: setattr(self.other_item, "options", s.item_options()), "recommendation")
        _two_way(self.other_item, s, "other_item", to_widget=lambda v: v or "", to_state=lambda v: v or "")
        self.comment = pn.widgets.TextAreaInput.from_param(s.param.comment, label="의견 (선택)", rows=2,
                                                           css_classes=["comment-input"], disabled=s.param.saving,
                                                           auto_grow=True, sizing_mode="stretch_width")
        self.examiner = pn.widgets.TextInput.from_param(s.param.examiner, label="심사역", disabled=s.examiner_locked,
                                                        placeholder="이름", width=240,
                                                        css_classes=["examiner-input"])
        self.save_button = pn.widgets.Button(label="저장", color="primary", icon="device-floppy", width=160,
                                             css_classes=["save-button"],
                                             loading=s.param.saving)
        self.save_button.on_click(self._on_save)
        self.supports = _html(pn.bind(lambda d: supports_html(d.split(":")[0] if d else None), s.param.decision),
                              css_classes=["supports-pane"])
        self.status = _html(pn.bind(alert_html, s.param.status, s.param.status_kind),
                            visible=pn.bind(bool, s.param.status), css_classes=["save-status"])

    def _update_options(self, event: param.parameterized.Event) -> None:
        self.decision.param.update(options=self._decision_options(event.new), value=self.state.decision)

    @staticmethod
    def _has_rank(rec: Recommendation | None, rank: int) -> bool:
        return rec is not None and any(i.rank == rank for i in rec.items)

    @staticmethod
    def _timing(rec: Recommendation | None, elapsed_ms: float | None) -> str:
        if rec is None:
            return ""
        took = f" · {elapsed_ms / 1000:.2f}초" if elapsed_ms is not None else ""
        note = model_note(rec.model_id)
        return (f'<span class="muted">분류체계 {escape(rec.taxonomy_revision)}차 · 모델 {escape(rec.model_id)}'
                f"{f' ({escape(note)})' if note else ''} · 인코더 {escape(rec.encoder_id)}{took}</span>")

    @staticmethod
    def _decision_options(rec: Recommendation | None) -> dict[str, str]:
        options = {}
        for it in (rec.items if rec else []):
            marker = f" ({code_status_ko(it.code_status)})" if it.provisional else ""
            options[f"{it.rank}순위 채택: {it.item_code}{marker} {it.item_name}"] = f"accept:{it.rank}"
        options["다른 품목 선택"] = "other"
        options["해당 없음"] = "none"
        return options

    async def _on_save(self, _event: Any) -> None:
        ok = await self.state.save_async()
        if ok:
            notify("success" if self.state.status_kind == "success" else "info", self.state.status)
        elif self.state.status:
            notify("error", self.state.status, duration=0 if self.state.status_kind == "danger" else 4000)

    def __panel__(self) -> pn.viewable.Viewable:
        decision = pn.Card(
            self.decision, self.other_item, self.supports, self.comment,
            pn.Row(self.examiner, self.save_button, align="start"), self.status,
            title="최종 판정", collapsible=False, sizing_mode="stretch_width")
        return pn.Column(
            pn.Row(self.back_button, pn.pane.Markdown("### 분류검색 결과", margin=(0, 10)), self.timing,
                   sizing_mode="stretch_width"),
            pn.Card(self.company, title="기업 정보", collapsible=True, sizing_mode="stretch_width"),
            self.review, self.accept_none, *self.cards, decision, sizing_mode="stretch_width")


# --------------------------------------------------------------------------- history tab


class HistoryView(pn.viewable.Viewer):
    """판별 이력: filters, the table of saved judgments, the selected judgment and exports."""

    history = param.ClassSelector(class_=HistoryState)
    item_options = param.List(default=[])

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        h = self.history
        self.date_from = pn.widgets.DatePicker.from_param(h.param.date_from, label="시작일", width=140)
        self.date_to = pn.widgets.DatePicker.from_param(h.param.date_to, label="종료일", width=140)
        self.company = pn.widgets.TextInput.from_param(h.param.company, label="기업명/사업자등록번호", width=190)
        self.item = pn.widgets.AutocompleteInput(
            label="품목", options=self.item_options, search_strategy="includes", case_sensitive=False,
            min_characters=1, restrict=False, placeholder="품목코드 또는 품목명", width=240)
        _two_way(self.item, h, "item", to_widget=lambda v: v or "", to_state=lambda v: v or "")
        self.decision = pn.widgets.Select(label="판정", options=DECISION_FILTERS, width=130)
        _two_way(self.decision, h, "decision")
        self.refresh_button = pn.widgets.Button(label="새로고침", icon="refresh", align="end")
        self.refresh_button.on_click(lambda _e: self.refresh())
        self.table = pn.widgets.Tabulator(
            value=h.param.frame, disabled=True, selectable=1, show_index=False, pagination="local", page_size=15,
            sizing_mode="stretch_width", layout="fit_columns",
            widths={"번호": 60, "저장일시": 140, "심사역": 80, "최종 품목코드": 130, "판정": 110, "검토필요": 100,
                    "정정": 100},
            configuration=TABULATOR_KO)
        self.table.param.watch(lambda e: h.select_index(e.new[0] if e.new else None), "selection")
        self.detail = _html(pn.bind(lambda _id: judgment_html(h.selected, h.current_code(h.selected)),
                                    h.param.selected_id))
        self.error = _html(pn.bind(alert_html, h.param.error), visible=pn.bind(bool, h.param.error))
        self.csv = pn.widgets.FileDownload(callback=partial(self._export, "csv"), filename="판별이력.csv",
                                           label="CSV 내보내기", color="default", icon="file-download", width=160)
        self.xlsx = pn.widgets.FileDownload(callback=partial(self._export, "xlsx"), filename="판별이력.xlsx",
                                            label="XLSX 내보내기", color="default", icon="file-spreadsheet",
                                            width=160)
        # hidden for an examiner; HistoryState.export refuses anyway, whatever the browser sends
        access = h.access
        self.exports = pn.Row(self.csv, self.xlsx, visible=access.can_export)
        scope = (f"심사역 {access.user}의 판별만 표시됩니다. 내보내기는 관리자만 할 수 있습니다."
                 if access.history_examiner else "")
        self.scope = _html(f'<div class="muted history-scope">{escape(scope)}</div>', visible=bool(scope))

    def refresh(self) -> None:
        if not self.history.refresh():
            notify("error", self.history.error, duration=0)

    def _export(self, kind: str) -> Any:
        try:
            return self.history.export(kind)
        except (StoreError, ExportRefused) as exc:
            self.history.error = exc.message_ko
            notify("error", exc.message_ko, duration=0)
            return None

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.FlexBox(self.date_from, self.date_to, self.company, self.item, self.decision, self.refresh_button,
                       align_items="flex-end", sizing_mode="stretch_width"),
            self.error,
            self.scope,
            self.exports,
            self.table,
            pn.Card(self.detail, title="저장된 판별 내용", collapsible=False, sizing_mode="stretch_width"),
            sizing_mode="stretch_width")


# --------------------------------------------------------------------------- the whole app


class ExaminerApp(pn.viewable.Viewer):
    """Tabs 품목 판별 (input ↔ result screens) and 판별 이력, in a FastListTemplate."""

    state = param.ClassSelector(class_=ExaminerState)
    history = param.ClassSelector(class_=HistoryState)
    store_problem = param.String(default="", doc="Korean message when the judgment store is misconfigured.")
    logout_url = param.String(default="/logout", doc="The login's logout page (under the server's prefix).")
    intake = param.Parameter(default=None, doc="Document intake for the input screen (``ui.intake.IntakeView``).")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.login = _html(login_html(self.history.access, self.logout_url), css_classes=["login-status"])
        self.store_alert = _html(alert_html(self.store_problem, "danger"), visible=bool(self.store_problem),
                                 css_classes=["store-alert"])
        self.input_view = InputForm(state=self.state, intake=self.intake)
        self.result_view = ResultView(state=self.state)
        self.history_view = HistoryView(history=self.history, item_options=self.state.item_options())
        screen = self.state.param.screen
        self.workspace = pn.Column(
            pn.Column(self.input_view, visible=pn.bind(lambda v: v == "input", screen), sizing_mode="stretch_width"),
            pn.Column(self.result_view, visible=pn.bind(lambda v: v == "result", screen), sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
        self.tabs = pn.Tabs(("품목 판별", self.workspace), ("판별 이력", self.history_view), dynamic=False,
                            sizing_mode="stretch_width")
        self.tabs.param.watch(self._on_tab, "active")
        self.state.param.watch(lambda _e: self.history.refresh(), "save_count")

    def _on_tab(self, event: param.parameterized.Event) -> None:
        if event.new == 1:
            self.history_view.refresh()

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self.login, self.store_alert, self.tabs, sizing_mode="stretch_width")

    def template(self) -> pn.template.FastListTemplate:
        """The page: FastListTemplate titled :data:`TITLE` with this app as its main area."""
        about = pn.pane.Markdown(
            "**혁신성장 공동기준 품목 추천**\n\n"
            "기업정보와 기술정보를 입력하고 **판별**을 누르면 품목 1–3순위와 분류근거가 표시됩니다. "
            "최종 판정은 심사역이 선택해 **저장**합니다.\n\n"
            "- 추천은 참고 자료입니다.\n- **검토 필요** 표시는 반드시 확인하세요.",
            sizing_mode="stretch_width")
        return pn.template.FastListTemplate(
            title=TITLE, main=[self], sidebar=[about], accent=ACCENT, header_background=ACCENT,
            sidebar_width=260, main_max_width="1200px")
