"""Panel view of document intake on the input screen: drop a 사업계획서 / 기술설명서 / 제품소개서, see what it proposes
for each field with the sentences it came from, and apply proposals to the form (state: :mod:`workbench.ui.intake_state`).

The upload travels in chunks of :data:`~workbench.ui.intake_state.CHUNK_BYTES` (one websocket message each), so a
document of several MB uploads while ``make run`` caps one message at 1 MiB; the server assembles the chunks itself
and refuses a file over 200 MB from its chunk count, before its bytes arrive.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
import param

from workbench.intake.errors import IntakeError
from workbench.intake.propose import FIELDS, FieldProposal, Proposal
from workbench.intake.read import MAX_BYTES, SUPPORTED_KO
from workbench.schema.record import SPEC_BY_NAME
from workbench.ui.highlight import escape
from workbench.ui.intake_state import CHUNK_BYTES, ChunkedUpload, IntakeState
from workbench.ui.views import CONTENT_CSS, alert_html, notify

HOW_KO = {"label": "항목명과 함께 적힌 값", "sentence": "본문 문장", "table": "제품 목록 표", "section": "해당 단원",
          "code": "업종코드의 KSIC 업종명", "name": "업종명에 해당하는 KSIC 코드",
          "scored": "품목 정의와 가장 가까운 본문 문장 (단원을 찾지 못함)"}
MAX_SOURCES_SHOWN = 3
SOURCE_CHARS = 240
BUTTON_LABELS = {"blank": "제안 적용", "differs": "입력값 바꾸기", "same": "적용됨"}

INTAKE_CSS = """
.proposal { border-top: 1px solid #e5e8eb; padding: 6px 0 2px 0; }
.proposal .p-head { font-weight: 600; }
.proposal .p-how { color: #777; font-weight: 400; font-size: 0.9em; margin-left: 6px; }
.proposal .p-value { white-space: pre-wrap; word-break: break-word; background: #f4f8fd; border-radius: 4px;
                     padding: 3px 8px; margin: 3px 0; }
.proposal .p-current { color: #8a5a00; font-size: 0.92em; }
.proposal ul.sources { margin: 2px 0; font-size: 0.9em; color: #444; }
.proposal .where { display: inline-block; min-width: 4.5em; font-family: monospace; color: #0b5cad; }
.doc-meta { line-height: 1.6; }
.doc-meta code { font-size: 0.88em; }
"""
# FilePond's own words are English and not configurable from Panel: say it in Korean, hide its item status line;
# its preview plugins register themselves when loaded, whatever ``previews`` says: hide them; its remove button
# would only clear the drop zone ('문서 빼기' forgets the document)
DROPPER_CSS = """
.filepond--drop-label label { font-size: 0 !important; }
.filepond--drop-label label::after { font-size: 14px; content: "여기에 파일을 끌어다 놓거나 눌러서 고르세요"; }
.filepond--file-status, .filepond--file-info-sub { display: none; }
.filepond--pdf-preview-wrapper, .filepond--image-preview-wrapper { display: none; }
.filepond--action-revert-item-processing, .filepond--action-remove-item { display: none; }
.filepond--root { font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", sans-serif; margin-bottom: 0; }
"""


# --------------------------------------------------------------------------- HTML rendering (pure functions)


def source_list_html(proposal: FieldProposal) -> str:
    """The sentences a proposal came from, each with its page (PDF) or paragraph number (escaped)."""
    items = []
    for source in proposal.sources[:MAX_SOURCES_SHOWN]:
        text = source.text if len(source.text) <= SOURCE_CHARS else source.text[:SOURCE_CHARS] + "…"
        items.append(f'<li><span class="where">{escape(source.where)}</span> {escape(text)}</li>')
    more = len(proposal.sources) - MAX_SOURCES_SHOWN
    if more > 0:
        items.append(f'<li class="muted">외 {more}개 문단</li>')
    return f'<ul class="sources">{"".join(items)}</ul>'


def field_html(proposal: Proposal | None, current: str, name: str) -> str:
    """One field's proposal: value, how it was found, the sentences it came from and, when the form holds another
    value, that value (escaped); '' when the document proposes nothing for the field."""
    found = proposal.fields.get(name) if proposal else None
    if found is None:
        return ""
    current = (current or "").strip()
    differs = (f'<div class="p-current">현재 입력값: {escape(current)}</div>'
               if current and current != found.value else "")
    return (f'<div class="proposal" data-field="{escape(name)}">'
            f'<div class="p-head">{escape(SPEC_BY_NAME[name].label_ko)}'
            f'<span class="p-how">{escape(HOW_KO.get(found.how, found.how))}</span></div>'
            f'<div class="p-value">{escape(found.value)}</div>{differs}'
            f'<div class="muted">근거</div>{source_list_html(found)}</div>')


def document_html(proposal: Proposal | None, document: tuple[str, str] | None) -> str:
    """The read document: name, format, pages, SHA-256 and what happens to it (escaped); '' when none."""
    if proposal is None or document is None:
        return ""
    name, sha256 = document
    pages = f" · {proposal.pages}쪽" if proposal.pages else ""
    proposed = ", ".join(SPEC_BY_NAME[n].label_ko for n in proposal.fields) or "없음"
    return (f'<div class="doc-meta"><b>{escape(name)}</b> ({escape(proposal.format.upper())}{pages})'
            f' · SHA-256 <code title="{escape(sha256)}">{escape(sha256[:16])}…</code><br>'
            f"제안된 항목: {escape(proposed)}<br>"
            '<span class="muted">판별을 저장하면 이 파일의 이름과 SHA-256만 함께 저장됩니다. '
            "제안과 근거를 확인하고 필요한 항목만 적용한 뒤 고쳐서 판별하세요.</span></div>")


CODES_KO = {"ksic_code": "업종코드", "nst_code": "기술분류"}


def missing_codes_html(proposal: Proposal | None, ksic_code: str, nst_code: str) -> str:
    """A notice naming 업종코드 / 기술분류 when the document does not state it and the form holds none: the examiner
    should type it (on generated documents the missing codes were the whole gap to the typed fields' 1순위;
    docs/app.md). '' otherwise."""
    if proposal is None:
        return ""
    current = {"ksic_code": ksic_code, "nst_code": nst_code}
    missing = [ko for name, ko in CODES_KO.items() if name not in proposal.fields and not (current[name] or "").strip()]
    if not missing:
        return ""
    return alert_html(f"문서에 {'·'.join(missing)}가 없습니다. 기업 정보에서 확인해 직접 입력하면 판별이 더 "
                      "정확해집니다.", "warning")


LIMITS_KO = (f"{SUPPORTED_KO} · 한 파일 {MAX_BYTES // 2**20} MB 이하 · 암호가 걸린 문서와 글자 없이 스캔한 PDF는 읽을 수 "
             "없습니다. 파일은 분석에만 쓰고 보관하지 않습니다.")


# --------------------------------------------------------------------------- widgets and view


class DocumentDropper(pn.widgets.FileDropper):
    """Panel's chunked ``FileDropper`` whose server side keeps no file: chunks are assembled by
    :class:`ChunkedUpload` (limits enforced here, whatever the browser sends) and each whole file goes to
    ``on_file(name, data)``; a refused one to ``on_refused(name, error)``."""

    def __init__(self, on_file: Callable[[str, bytes], None], on_refused: Callable[[str, IntakeError], None],
                 **params: Any) -> None:
        params.setdefault("chunk_size", CHUNK_BYTES)
        super().__init__(**params)
        self._upload = ChunkedUpload(self.chunk_size)
        self._on_file, self._on_refused = on_file, on_refused

    def _process_event(self, event: Any) -> None:
        if event.event_name != "upload_event":
            return  # delete_event: nothing was kept
        data = event.data if isinstance(event.data, dict) else {}
        name = str(data.get("name") or "")
        try:
            whole = self._upload.add(name, data.get("chunk"), data.get("total_chunks"), data.get("data"))
        except IntakeError as exc:
            self._on_refused(name, exc)
            return
        if whole is not None:
            self._on_file(name, whole)


def _pane(obj: Any, **kwargs: Any) -> pn.pane.HTML:
    return pn.pane.HTML(obj, stylesheets=[CONTENT_CSS, INTAKE_CSS], disable_math=True, sizing_mode="stretch_width",
                        **kwargs)


class IntakeView(pn.viewable.Viewer):
    """'문서로 입력': the drop zone, the read document, one row per proposed field with its apply button, and
    '빈 항목에 모두 적용'."""

    intake = param.ClassSelector(class_=IntakeState)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        s, form = self.intake, self.intake.form
        self.dropper = DocumentDropper(on_file=self._on_file, on_refused=self._on_refused, multiple=False, previews=[],
                                       layout="compact", stylesheets=[DROPPER_CSS], css_classes=["intake-dropper"],
                                       sizing_mode="stretch_width", height=80, disabled=s.param.reading)
        self.limits = _pane(f'<div class="muted">{escape(LIMITS_KO)}</div>')
        self.error = _pane(pn.bind(alert_html, s.param.error), visible=pn.bind(bool, s.param.error),
                           css_classes=["intake-error"])
        self.document = _pane(pn.bind(document_html, s.param.proposal, form.param.document),
                              css_classes=["intake-document"])
        has_proposal = pn.bind(lambda p: p is not None, s.param.proposal)
        self.remove_button = pn.widgets.Button(label="문서 빼기", icon="x", color="light", visible=has_proposal,
                                               css_classes=["intake-remove"])
        self.remove_button.on_click(lambda _e: s.remove())
        self.apply_all = pn.widgets.Button(label="빈 항목에 모두 적용", color="primary", visible=has_proposal,
                                           css_classes=["intake-apply-all"])
        self.apply_all.on_click(lambda _e: s.apply_blank())
        self.message = _pane(pn.bind(alert_html, s.param.message, "info"), visible=pn.bind(bool, s.param.message),
                             css_classes=["intake-message"])
        self.rows = [self._row(name) for name in FIELDS]
        self.missing_codes = _pane(pn.bind(missing_codes_html, s.param.proposal, form.param.ksic_code,
                                           form.param.nst_code), css_classes=["intake-missing-codes"])
        self.spinner = pn.indicators.LoadingSpinner(value=s.param.reading, visible=s.param.reading, size=24,
                                                    align="center")

    def _row(self, name: str) -> pn.Row:
        s, form = self.intake, self.intake.form
        current = form.param[name]
        button = pn.widgets.Button(
            label=pn.bind(lambda _p, _v: BUTTON_LABELS.get(s.status(name), ""), s.param.proposal, current),
            disabled=pn.bind(lambda _p, _v: s.status(name) == "same", s.param.proposal, current),
            color="primary", width=130, align="center", css_classes=[f"intake-apply-{name}"])
        button.on_click(lambda _e: s.apply(name))
        pane = _pane(pn.bind(field_html, s.param.proposal, current, name=name))
        return pn.Row(pane, button, sizing_mode="stretch_width",
                      visible=pn.bind(lambda p: p is not None and name in p.fields, s.param.proposal))

    def _on_file(self, name: str, data: bytes) -> None:
        async def read() -> None:
            if not await self.intake.receive_async(name, data):
                notify("error", self.intake.error, duration=8000)

        pn.state.execute(read)

    def _on_refused(self, name: str, error: IntakeError) -> None:
        self.intake.refuse(name, error)
        notify("error", self.intake.error, duration=8000)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Card(
            pn.Row(self.dropper, self.spinner, sizing_mode="stretch_width"), self.limits, self.error,
            pn.Row(self.document, self.remove_button, sizing_mode="stretch_width"),
            *self.rows, self.missing_codes, pn.Row(self.apply_all), self.message,
            title="문서로 입력 (사업계획서 · 기술설명서 · 제품소개서, 선택)", collapsible=True,
            sizing_mode="stretch_width", css_classes=["intake-card"])
