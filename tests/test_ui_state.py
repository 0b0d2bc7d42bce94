"""Examiner app without a browser: highlighting, form validation, 판별 → 결과 → 재분류 → 저장, failures, history.

Uses :class:`FakeRecommender` (same interface as ``workbench.recommend.recommender.Recommender``) and a
temporary SQLite judgment store; ``tests/test_ui_browser.py`` reuses both.
"""
from __future__ import annotations

import asyncio
import json
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from workbench.recommend.types import ItemRecommendation, Keyword, Precedent, Recommendation
from workbench.schema.record import REQUIRED_FIELDS, SPEC_BY_NAME, CompanyRecord
from workbench.store import JudgmentStore, SaveResult, StoreError
from workbench.taxonomy.loader import load_taxonomy
from workbench.ui.highlight import Mark, escape, highlight, highlight_field, keyword_marks, normalized_offsets
from workbench.ui.state import ExaminerState, FormState, HistoryState

VALID: dict[str, str] = {
    "company_name": "(주)하이드로젠텍",
    "business_reg_no": "220-81-62517",
    "ceo_name": "김대표",
    "ksic_code": "26299",
    "industry_name": "그 외 기타 전자부품 제조업",
    "main_product": "수전해 스택 <script>alert(1)</script> 수소 센서",
    "product_use": "그린수소 생산 설비의 수소 농도 측정\n연료전지 차량 충전소 안전 감시",
    "tech_project": "PEM 수전해 기반 수소 생산 효율 향상",
    "nst_code": "EE0101",
}
FAKE_CODES = ("E10001", "A10003", "A10002")


class FakeRecommender:
    """Deterministic stand-in for ``Recommender``: three items of revision 6, keywords on the typed words."""

    def __init__(self, delay: float = 0.0, review: bool = True) -> None:
        self.delay, self.review, self.calls = delay, review, 0
        self.on_call: Any = None

    def recommend(self, record: CompanyRecord) -> Recommendation:
        import time

        self.calls += 1
        if self.on_call:
            self.on_call()
        if self.delay:
            time.sleep(self.delay)
        taxonomy = load_taxonomy("6")
        product = " ".join(record.main_product.split())
        use = " ".join(record.product_use.split())
        words = [w for w in product.split(" ") if w.isalnum()][:3]
        items = []
        for rank, code in enumerate(FAKE_CODES, start=1):
            keywords = [Keyword(w, round(0.4 / rank - 0.05 * i, 3), "main_product",
                                [(product.find(w), product.find(w) + len(w))]) for i, w in enumerate(words)]
            if "연료전지" in use:
                start = use.find("연료전지")
                keywords.append(Keyword("연료전지", -0.08 if rank > 1 else 0.12, "product_use", [(start, start + 4)]))
            keywords.append(Keyword(record.ksic_code, 0.05, "ksic_code", []))
            items.append(ItemRecommendation(
                rank=rank, **taxonomy.describe(code), confidence=[0.62, 0.21, 0.07][rank - 1],
                rationale=f"주요제품 '{words[0] if words else ''}'이(가) {taxonomy.item(code).name} 정의와 가깝습니다.",
                keywords=keywords,
                precedents=[Precedent("(주)과거사례<b>", "수소 센서 모듈", code, 0.83 - 0.1 * rank)]))
        return Recommendation(
            items=items, review_required=self.review,
            review_reasons=["1순위와 2순위 신뢰도 차이가 기준보다 작습니다."] if self.review else [],
            warnings=["적용원칙: 최종 제품 기준으로 판단하세요."], taxonomy_revision="6",
            model_id="fake-model", encoder_id="fake-encoder")


class FailingStore:
    """A store whose writes fail like an unreachable database."""

    def __init__(self) -> None:
        self.attempts = 0

    def save(self, *args: Any, **kwargs: Any) -> SaveResult:
        self.attempts += 1
        raise StoreError("unavailable", "OperationalError")

    correct = list = save  # type: ignore[assignment]


@pytest.fixture
def store(tmp_path: Path) -> JudgmentStore:
    s = JudgmentStore(f"sqlite:///{tmp_path / 'judgments.sqlite3'}")
    yield s
    s.close()


@pytest.fixture
def fake() -> FakeRecommender:
    return FakeRecommender()


def make_state(fake: FakeRecommender, store: Any, **values: str) -> ExaminerState:
    state = ExaminerState(recommender=lambda: fake, store=lambda: store, examiner="이심사")
    state.form.param.update(**{**VALID, **values})
    return state


# --------------------------------------------------------------------------- highlight


def test_escape_before_markup() -> None:
    raw = 'A<script>alert("x")</script>&B'
    out = highlight(raw, [Mark(1, 9, 0.5, "<script>")])
    assert "<script>" not in out and "alert(&quot;x&quot;)" in out
    assert out.startswith('A<mark class="kw-pos" title="&lt;script&gt; +0.500">&lt;script&gt;</mark>')
    assert out.endswith("&amp;B")
    assert escape(None) == "" and escape("<'\">") == "&lt;&#x27;&quot;&gt;"


def test_marks_map_normalised_spans_onto_raw_text() -> None:
    raw = "  수소\n\n센서   모듈 "
    norm = " ".join(raw.split())  # "수소 센서 모듈"
    assert [raw[i] for i in normalized_offsets(raw)] == ["수", "소", "\n", "센", "서", " ", "모", "듈"]
    kws = [Keyword("센서", 0.3, "main_product", [(norm.find("센서"), norm.find("센서") + 2)]),
           Keyword("모듈", -0.1, "main_product", []),  # no span: found by search
           Keyword("수소", 0.9, "product_use", [(0, 2)])]  # other field: ignored
    out = highlight_field(raw, kws, "main_product")
    assert out == ('  수소\n\n<mark class="kw-pos" title="센서 +0.300">센서</mark>   '
                   '<mark class="kw-neg" title="모듈 -0.100">모듈</mark> ')


def test_overlapping_and_bad_spans() -> None:
    raw = "스마트팜 스마트"
    marks = keyword_marks(raw, [Keyword("스마트팜", 0.2, "f", [(0, 4)]), Keyword("스마트", 0.5, "f", [(0, 3), (99, 120)])],
                          "f")
    out = highlight(raw, marks)
    assert out.count("<mark") == 1 and "스마트팜</mark>" in out and "스마트 +0.500" in out
    # a span on the raw text (differs from the normalised text) is also accepted
    raw2 = "a  센서"
    assert "<mark" in highlight_field(raw2, [Keyword("센서", 0.1, "f", [(3, 5)])], "f")
    assert highlight_field("", [Keyword("x", 1, "f", [(0, 1)])], "f") == ""


# --------------------------------------------------------------------------- validation


def test_blank_fields_named_and_flagged(fake: FakeRecommender, store: JudgmentStore) -> None:
    state = ExaminerState(recommender=lambda: fake, store=lambda: store)
    state.form.main_product = "입력한 값"
    assert state.classify() is False
    blanks = [n for n in REQUIRED_FIELDS if n != "main_product"]
    assert "공란 입력" in state.form.message
    for name in blanks:
        assert SPEC_BY_NAME[name].label_ko in state.form.message
        assert "공란 입력" in state.form.errors[name]
    assert set(state.form.errors) == set(blanks)
    assert state.screen == "input" and fake.calls == 0
    assert state.form.main_product == "입력한 값"  # nothing typed is lost
    state.form.company_name = "고친 기업"
    assert "company_name" not in state.form.errors  # its red border goes away when edited


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("business_reg_no", "220-81-62518", "검증번호"),
    ("business_reg_no", "12345", "숫자 10자리"),
    ("ksic_code", "99999", "KSIC 10차·11차에 없는"),
    ("ksic_code", "2629", "숫자 5자리"),
    ("nst_code", "EE01", "영문 2자 + 숫자 4자리"),
    ("nst_code", "ZZ0101", "대분류 ZZ"),
])
def test_malformed_values(fake: FakeRecommender, store: JudgmentStore, field: str, value: str, expected: str) -> None:
    state = make_state(fake, store, **{field: value})
    assert state.classify() is False
    assert expected in state.form.message and "공란 입력" not in state.form.message
    assert list(state.form.errors) == [field] and expected in state.form.errors[field]
    assert getattr(state.form, field) == value and fake.calls == 0


def test_ksic_suggestion_and_fill() -> None:
    form = FormState()
    assert form.base_date  # today, read-only
    with pytest.raises(TypeError):
        form.base_date = "2000-01-01"
    form.ksic_typed = "2629"
    assert form.ksic_suggestion == ""
    form.ksic_typed = "26299"
    assert form.ksic_suggestion == "그 외 기타 전자부품 제조업" and form.can_fill_industry_name
    form.fill_industry_name()
    assert form.ksic_code == "26299" and form.industry_name == "그 외 기타 전자부품 제조업"
    assert not form.can_fill_industry_name
    form.ksic_typed = "99999"
    assert form.ksic_suggestion == ""


def test_ksic_code_whose_meaning_changed_shows_both_meanings() -> None:
    from workbench.taxonomy.ksic import ksic_tables
    from workbench.ui.views import InputForm

    tables = ksic_tables()
    changed = [c for c, k in tables.codes[10].items() if k.level == 5 and tables.other_meaning(c)]
    assert len(changed) == 24 and "27194" in changed and tables.other_meaning("26299") == ""
    form = FormState()
    form.ksic_typed = "27194"
    assert form.ksic_suggestion == tables.codes[11]["27194"].name and form.ksic_other == "의료용 가구 제조업"
    hint = InputForm._ksic_hint(form.ksic_suggestion, form.ksic_typed, form.ksic_other)
    assert "의료용 가구 제조업" in hint and form.ksic_suggestion in hint and "10차" in hint
    form.ksic_typed = "26299"
    assert form.ksic_other == ""


# --------------------------------------------------------------------------- flow and saving


def test_flow_classify_result_reclassify_save(fake: FakeRecommender, store: JudgmentStore) -> None:
    state = make_state(fake, store)
    seen_busy: list[bool] = []
    fake.on_call = lambda: seen_busy.append(state.busy)
    assert state.classify() is True
    assert seen_busy == [True] and state.busy is False  # progress is shown while the recommender runs
    assert state.screen == "result" and [i.item_code for i in state.recommendation.items] == list(FAKE_CODES)
    assert state.record.company_name == VALID["company_name"] and state.result_key
    first_key = state.result_key

    state.reclassify()
    assert state.screen == "input"
    assert {k: getattr(state.form, k) for k in VALID} == VALID  # every value kept
    assert state.classify() is True and state.result_key == first_key  # same input, same answer: same result

    assert state.save() is False and "최종 판정" in state.status  # no decision yet
    state.decision = "accept:2"
    state.comment = "2순위가 더 적합"
    assert state.save() is True and state.status_kind == "success" and state.saved_id is not None
    rows = store.list()
    assert len(rows) == 1
    row = rows[0]
    assert (row.decision_type, row.accepted_rank, row.final_item_code) == ("accept", 2, FAKE_CODES[1])
    assert row.recommendations == json.loads(json.dumps(state.recommendation.to_dict()["items"]))
    assert row.review_flag is True and row.warnings == state.recommendation.warnings
    assert row.business_reg_no == "2208162517" and row.examiner == "이심사" and row.comment == "2순위가 더 적합"
    assert (row.taxonomy_revision, row.model_id, row.encoder_id, row.model_version) == \
        ("6", "fake-model", "fake-encoder", "fake-model")
    assert row.product_use == VALID["product_use"]


def test_base_date_is_the_day_of_classification(fake: FakeRecommender, store: JudgmentStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import workbench.ui.state as state_module

    monkeypatch.setattr(state_module, "today_kst", lambda: date(2026, 3, 1))
    state = make_state(fake, store)  # the page opens on 1 March …
    monkeypatch.setattr(state_module, "today_kst", lambda: date(2026, 3, 2))  # … and 판별 runs after midnight
    state.classify()
    state.decision = "none"
    assert state.record.base_date == "2026-03-02" and state.form.base_date == "2026-03-02"
    assert state.save() and store.list()[0].base_date == date(2026, 3, 2)


def test_double_save_creates_one_row(fake: FakeRecommender, store: JudgmentStore) -> None:
    state = make_state(fake, store)
    state.classify()
    state.decision = "accept:1"
    assert state.save() and state.save()
    assert len(store.list()) == 1 and "이미 저장된" in state.status

    async def two_clicks() -> list[bool]:
        return await asyncio.gather(state.save_async(), state.save_async())

    asyncio.run(two_clicks())
    assert len(store.list()) == 1


def test_retry_in_a_new_session_finds_the_saved_row(fake: FakeRecommender, store: JudgmentStore) -> None:
    # the server died after the commit but before the reply: the examiner reloads (a new session), types the same
    # input and chooses the same decision; that is the same judgment, not a second one
    first = make_state(fake, store)
    first.classify()
    first.decision = "accept:1"
    assert first.save() and len(store.list()) == 1
    retry = make_state(fake, store)
    retry.classify()
    retry.decision = "accept:1"
    assert retry.save() and "이미 저장된" in retry.status
    assert len(store.list()) == 1 and retry.saved_id == first.saved_id
    # another decision, or the same decision on other input, is a judgment of its own
    other = make_state(fake, store, main_product="수소 센서 모듈")
    other.classify()
    other.decision = "accept:1"
    assert other.save() and len(store.list()) == 2


def test_changed_decision_saves_a_correction(fake: FakeRecommender, store: JudgmentStore) -> None:
    state = make_state(fake, store)
    state.classify()
    state.decision = "accept:1"
    state.save()
    first = state.saved_id
    state.decision = "other"
    assert state.save() is False and "다른 품목" in state.status
    state.other_item = "E10001 수소에너지"  # accept:1 is E10001 too, but as 'other' it's a valid record
    option = next(o for o in state.item_options() if o.startswith("A10004 "))
    assert option == "A10004 로봇 프로세스 자동화(RPA) (임시 코드)"  # the searchable list marks provisional codes
    state.other_item = option
    assert state.save() and state.saved_id != first and "정정" in state.status
    assert state.save() and len(store.list()) == 2  # repeat click: no third row
    newest = store.get(state.saved_id)
    assert newest.supersedes_id == first and newest.final_item_code == "A10004" and newest.decision_type == "other"
    state.decision = "none"
    assert state.save()
    latest = store.get(state.saved_id)
    assert latest.decision_type == "none" and latest.final_item_code is None and latest.supersedes_id == newest.id


class SlowStore:
    """Wraps a store; ``save`` waits for ``release`` (a save in flight), ``lose_reply`` commits then fails."""

    def __init__(self, store: JudgmentStore) -> None:
        self.store, self.release, self.lose_reply = store, threading.Event(), False

    def save(self, judgment: Any) -> SaveResult:
        self.release.wait(10)
        return self._reply(self.store.save(judgment))

    def correct(self, original_id: int, judgment: Any) -> SaveResult:
        return self._reply(self.store.correct(original_id, judgment))

    def _reply(self, result: SaveResult) -> SaveResult:
        if self.lose_reply:
            self.lose_reply = False
            raise StoreError("unavailable", "OperationalError")  # committed, but the reply never arrived
        return result


def test_save_in_flight_never_marks_the_next_result_saved(fake: FakeRecommender, store: JudgmentStore) -> None:
    slow = SlowStore(store)
    state = make_state(fake, slow)
    state.classify()
    state.decision = "accept:1"

    async def scenario() -> None:
        first = asyncio.create_task(state.save_async())
        await asyncio.sleep(0.05)
        assert state.saving
        state.reclassify()  # refused while the save runs: its outcome belongs to the shown result
        assert state.screen == "result" and "저장 중" in state.status
        assert await state.classify_async() is False
        # the old path: a new company's result is shown and decided while the first save is still running
        state.form.param.update(company_name="(주)둘째회사", business_reg_no="1018215017")
        state.apply_result(state.form.record(), fake.recommend(state.form.record()))
        state.decision = "accept:1"
        slow.release.set()
        assert await first
        assert state.saved_id is None and "아직 저장되지 않았습니다" in state.status
        assert await state.save_async() and "저장했습니다" in state.status

    asyncio.run(scenario())
    assert sorted(r.company_name for r in store.list()) == sorted([VALID["company_name"], "(주)둘째회사"])


def test_lost_reply_then_changed_decision_is_saved(fake: FakeRecommender, store: JudgmentStore) -> None:
    slow = SlowStore(store)
    slow.release.set()
    state = make_state(fake, slow)
    state.classify()
    state.decision = "accept:1"
    slow.lose_reply = True
    assert state.save() is False and len(store.list()) == 1  # committed; the screen says it failed
    state.decision = "none"
    assert state.save() is True and "이미 저장된" not in state.status
    assert sorted(r.decision_type for r in store.list()) == ["accept", "none"]  # the new decision is not dropped
    state.decision = "accept:1"
    slow.lose_reply = True
    assert state.save() is False
    n = len(store.list())
    assert state.save() is True and len(store.list()) == n  # a retry of the same decision finds its row


def test_decision_back_and_forth_keeps_every_correction(fake: FakeRecommender, store: JudgmentStore) -> None:
    state = make_state(fake, store)
    state.classify()
    for decision in ("accept:1", "none", "accept:1"):
        state.decision = decision
        assert state.save() is True
    rows = store.list()
    assert len(rows) == 3 and store.get(state.saved_id).decision_type == "accept"


def test_other_item_must_exist(fake: FakeRecommender, store: JudgmentStore) -> None:
    state = make_state(fake, store)
    state.classify()
    state.param.update(decision="other", other_item="Z99999 없는 품목")
    assert state.save() is False and "Z99999" in state.status and store.list() == []
    state.examiner = " "
    assert state.save() is False and "심사역" in state.status


def test_store_failure_keeps_state_and_retry_works(fake: FakeRecommender, store: JudgmentStore) -> None:
    failing = FailingStore()
    current: list[Any] = [failing]
    state = ExaminerState(recommender=lambda: fake, store=lambda: current[0], examiner="이심사")
    state.form.param.update(**VALID)
    state.classify()
    state.param.update(decision="accept:3", comment="의견")
    key = state.result_key
    assert state.save() is False
    assert state.status == StoreError("unavailable").message_ko and state.status_kind == "danger"
    assert (state.screen, state.decision, state.comment, state.saved_id, state.result_key) == \
        ("result", "accept:3", "의견", None, key)
    assert failing.attempts == 1
    current[0] = store  # the database is back
    assert state.save() is True and state.saved_id is not None
    assert len(store.list()) == 1 and store.list()[0].idempotency_key.startswith(key)


def test_unreachable_postgresql(fake: FakeRecommender) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    state = ExaminerState(recommender=lambda: fake, store=lambda: JudgmentStore(url), examiner="이심사")
    state.form.param.update(**VALID)
    state.classify()
    state.decision = "none"
    assert state.save() is False and "연결할 수 없습니다" in state.status
    assert state.screen == "result" and state.decision == "none"


def test_async_classify_runs_recommender_off_the_loop(store: JudgmentStore) -> None:
    fake = FakeRecommender(delay=0.05)
    state = make_state(fake, store)
    threads: list[str] = []
    fake.on_call = lambda: threads.append(threading.current_thread().name)
    assert asyncio.run(state.classify_async()) is True
    assert threads and threads[0] != threading.main_thread().name and state.screen == "result"


def test_recommender_error_is_shown(store: JudgmentStore) -> None:
    class Broken:
        def recommend(self, record: CompanyRecord) -> Recommendation:
            raise RuntimeError("model files missing")

    state = ExaminerState(recommender=lambda: Broken(), store=lambda: store)
    state.form.param.update(**VALID)
    assert state.classify() is False and "판별 중 오류" in state.error and state.screen == "input"


# --------------------------------------------------------------------------- history


def test_history_filters_selection_and_export(fake: FakeRecommender, store: JudgmentStore) -> None:
    for name, decision in [("가나전자", "accept:1"), ("다라소재", "none"), ("가나바이오", "accept:2")]:
        state = make_state(fake, store, company_name=name)
        state.classify()
        state.decision = decision
        assert state.save()
    history = HistoryState(store=lambda: store)
    assert history.refresh() and len(history.frame) == 3
    assert list(history.frame["기업명"]) == ["가나바이오", "다라소재", "가나전자"]  # newest first
    history.company = "가나"
    assert len(history.frame) == 2
    history.decision = "accept"
    history.item = "A10003 디지털트윈"
    assert list(history.frame["기업명"]) == ["가나바이오"]
    history.select_index(0)
    assert history.selected.company_name == "가나바이오" and history.selected.accepted_rank == 2
    history.param.update(company="", decision="", item="")
    import datetime as dt
    history.date_from = dt.date.today() + dt.timedelta(days=2)
    assert history.frame.empty and history.selected is None
    history.date_from = None
    csv = pd.read_csv(history.export("csv"), encoding="utf-8-sig")
    assert len(csv) == 3 and "기업명" in csv.columns
    book = openpyxl.load_workbook(history.export("xlsx"))
    assert book.active.max_row == 4
    assert history.export_filename("csv").endswith(".csv")
    broken = HistoryState(store=lambda: FailingStore())
    assert broken.refresh() is False and "연결할 수 없습니다" in broken.error


# --------------------------------------------------------------------------- views (no browser)


def test_views_bind_state(fake: FakeRecommender, store: JudgmentStore) -> None:
    from workbench.ui import build_app, create_app
    from workbench.ui.views import item_html, judgment_html, review_html

    app = create_app(recommender=lambda: fake, store=lambda: store)
    state = app.state
    assert state.examiner == "" and not state.examiner_locked
    form_view = app.input_view
    assert state.classify() is False
    assert "field-error" in form_view.widgets["company_name"].css_classes
    form_view.widgets["company_name"].value = "위젯 입력"
    assert state.form.company_name == "위젯 입력"
    assert "field-error" not in form_view.widgets["company_name"].css_classes
    state.form.param.update(**VALID)
    state.examiner = "이심사"
    assert state.classify()
    result = app.result_view
    assert result.decision.value is None and state.decision is None  # no decision until the examiner picks one
    assert list(result.decision.options.values()) == ["accept:1", "accept:2", "accept:3", "other", "none"]
    result.decision.value = "accept:1"
    assert state.decision == "accept:1"
    assert len(result.other_item.options) == 240

    html = item_html(state.recommendation, state.record, 1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert '<mark class="kw-pos"' in html and "<mark class=\"kw-pos\" title=\"수전해 +0.400\">수전해</mark>" in html
    assert "(주)과거사례&lt;b&gt;" in html and "62.0%" in html and "+0.050" in html
    assert "검토 필요" in review_html(state.recommendation) and "적용원칙" in review_html(state.recommendation)
    assert state.save()
    app.tabs.active = 1
    assert len(app.history.frame) == 1
    app.history.select_index(0)
    assert "&lt;script&gt;" in judgment_html(app.history.selected)
    state.reclassify()
    assert form_view.widgets["main_product"].value == VALID["main_product"]
    page = build_app(recommender=lambda: fake, store=lambda: store)
    assert page.title == "혁신성장 품목 자동판별"


def test_app_script_and_notebook_build_the_same_app() -> None:
    root = Path(__file__).resolve().parent.parent
    script = (root / "apps" / "examiner.py").read_text(encoding="utf-8")
    compile(script, "examiner.py", "exec")
    assert "build_app" in script and ".servable(" in script
    nb = json.loads((root / "notebooks" / "examiner_app.ipynb").read_text(encoding="utf-8"))
    code = [("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]
    assert "build_app" in "".join(code) and ".servable(" in code[-1]
    for cell in code:
        compile(cell, "cell", "exec")


def test_logged_in_user_is_the_examiner(monkeypatch: pytest.MonkeyPatch, store: JudgmentStore,
                                        fake: FakeRecommender) -> None:
    import panel as pn

    from workbench.ui import create_app

    monkeypatch.setattr(type(pn.state), "user", property(lambda _self: "kim.examiner"))
    app = create_app(recommender=lambda: fake, store=lambda: store)
    assert app.state.examiner == "kim.examiner" and app.state.examiner_locked
    assert app.result_view.examiner.disabled
    state = app.state
    state.form.param.update(**VALID)
    state.classify()
    state.decision = "accept:1"
    state.examiner = "park.other"  # what a crafted websocket message can do to the disabled field
    assert state.save() is True
    assert [r.examiner for r in store.list()] == ["kim.examiner"]


# --------------------------------------------------------------------------- roles (issue 13.10)


def save_as(fake: FakeRecommender, store: JudgmentStore, examiner: str, company_name: str) -> None:
    state = ExaminerState(recommender=lambda: fake, store=lambda: store, examiner=examiner, examiner_locked=True)
    state.form.param.update(**{**VALID, "company_name": company_name})
    assert state.classify()
    state.decision = "accept:1"
    assert state.save()


def test_examiner_reads_only_own_history_and_cannot_export(fake: FakeRecommender, store: JudgmentStore) -> None:
    from workbench.auth import Access
    from workbench.ui.state import ExportRefused

    for examiner, company in [("kim", "가나전자"), ("lee", "다라소재"), ("lee", "마바전자")]:
        save_as(fake, store, examiner, company)
    mine = HistoryState(store=lambda: store, access=Access("lee", "examiner"))
    assert mine.refresh() and sorted(mine.frame["기업명"]) == ["다라소재", "마바전자"]
    mine.company = "가나"  # another examiner's company, typed or sent by a crafted message
    assert mine.frame.empty and mine.fetch() == []
    mine.company = ""
    assert {r.examiner for r in mine.fetch()} == {"lee"}
    for kind in ("csv", "xlsx"):  # a crafted call on the state, not only a hidden button
        with pytest.raises(ExportRefused, match="관리자만"):
            mine.export(kind)
    assert store.exports() == []


def test_administrator_sees_all_and_every_export_is_recorded(fake: FakeRecommender, store: JudgmentStore) -> None:
    from workbench.auth import Access

    for examiner, company in [("kim", "가나전자"), ("lee", "다라소재"), ("lee", "마바전자")]:
        save_as(fake, store, examiner, company)
    admin = HistoryState(store=lambda: store, access=Access("park", "admin"))
    assert admin.refresh() and len(admin.frame) == 3
    admin.company = "전자"
    assert len(pd.read_csv(admin.export("csv"), encoding="utf-8-sig")) == 2
    admin.param.update(company="", decision="accept")
    assert openpyxl.load_workbook(admin.export("xlsx")).active.max_row == 4
    log = store.exports()
    assert [(e.exported_by, e.role, e.file_format, e.row_count) for e in log] == [
        ("park", "admin", "xlsx", 3), ("park", "admin", "csv", 2)]
    assert log[1].filters == {"date_from": None, "date_to": None, "company": "전자", "item_code": None,
                              "decision": None, "examiner": None}
    assert log[0].filters["decision"] == "accept"
    with pytest.raises(ValueError):
        admin.export("pdf")
    assert len(store.exports()) == 2

    class UnloggedStore:  # the export record cannot be written: no file is handed out
        def list(self, **kwargs: Any) -> Any:
            return store.list(**kwargs)

        def record_export(self, *args: Any) -> int:
            raise StoreError("unavailable", "OperationalError")

    with pytest.raises(StoreError):
        HistoryState(store=lambda: UnloggedStore(), access=Access("park", "admin")).export("csv")


def test_app_says_when_login_is_off_and_applies_the_role_of_the_login(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: JudgmentStore, fake: FakeRecommender) -> None:
    import panel as pn
    from argon2 import PasswordHasher

    import workbench.auth as auth
    from workbench.ui import create_app
    from workbench.ui.views import LOGIN_OFF_KO

    local = create_app(recommender=lambda: fake, store=lambda: store)
    assert "로그인 없이 실행 중" in LOGIN_OFF_KO and "로그인 없이 실행 중" in local.login.object
    assert local.history_view.exports.visible and not local.history_view.scope.visible
    local.history.export("csv")
    assert [(e.exported_by, e.role) for e in store.exports()] == [(None, "admin")]

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    monkeypatch.setenv("WORKBENCH_USERS_FILE", str(tmp_path / "users.json"))
    auth.UsersFile(tmp_path / "users.json").add("lee", "examiner password", "examiner")
    monkeypatch.setattr(type(pn.state), "user", property(lambda _self: "lee"))
    app = create_app(recommender=lambda: fake, store=lambda: store)
    assert app.history.access == auth.Access("lee", "examiner")
    assert "로그인: <b>lee</b> (심사역)" in app.login.object and "로그아웃" in app.login.object
    view = app.history_view
    assert not view.exports.visible and view.scope.visible
    assert view._export("csv") is None and "관리자만" in app.history.error  # the download callback refuses
    assert len(store.exports()) == 1


def test_real_recommender_renders(store: JudgmentStore, monkeypatch, request) -> None:
    """A real recommender's output goes through the same screens: the installed model (``make setup``), else the
    session's small trained model (``fitted_dir``; CI installs none)."""
    import os

    from workbench.config import DEFAULT_ENCODER
    from workbench.recommend.service import latest_model_dir
    from workbench.ui.state import shared_recommender
    from workbench.ui.views import item_html, review_html

    if latest_model_dir(encoder=DEFAULT_ENCODER) is None and not os.environ.get("WORKBENCH_MODEL_DIR"):
        monkeypatch.setenv("WORKBENCH_MODEL_DIR", str(request.getfixturevalue("fitted_dir")))
    state = ExaminerState(recommender=shared_recommender, store=lambda: store, examiner="이심사")
    state.form.param.update(**VALID)
    assert state.classify(), state.error
    rec = state.recommendation
    assert 1 <= len(rec.items) <= 3
    html = item_html(rec, state.record, 1)
    unmarked = re.sub(r"</?mark[^>]*>", "", html)  # a keyword may be marked inside the escaped tag
    assert "&lt;script&gt;" in unmarked and "<script>" not in html and "분류근거" in html
    review_html(rec)
    state.decision = "accept:1"
    assert state.save() and store.list()[0].model_id == rec.model_id


def test_result_view_locks_the_decision_while_saving(fake: FakeRecommender, store: JudgmentStore) -> None:
    from workbench.ui.views import ResultView

    state = make_state(fake, store)
    view = ResultView(state=state)
    widgets = (view.back_button, view.decision, view.other_item, view.comment)
    state.saving = True
    assert all(w.disabled for w in widgets)
    state.saving = False
    assert not any(w.disabled for w in widgets)


def test_preferential_supports_follow_the_final_decision(fake: FakeRecommender, store: JudgmentStore) -> None:
    from workbench.store import to_dataframe
    from workbench.taxonomy.supports import load_supports
    from workbench.ui.views import ResultView, judgment_html

    table = load_supports()
    assert table.source and table.as_of and len(table.supports) == 6
    state = make_state(fake, store)
    view = ResultView(state=state)
    state.classify()
    assert view.supports.object == ""  # no decision yet
    for decision in ("accept:2", "other"):
        state.decision = decision
        assert "보증료 감면 (최대 0.5%p)" in view.supports.object and "각 기관의 심사" in view.supports.object
    state.decision = "none"
    assert view.supports.object == ""  # 해당 없음 opens no support
    assert state.save()
    state.decision = "accept:1"
    assert state.save()
    rows = {r.decision_type: r for r in store.list()}
    assert "연계 우대지원" in judgment_html(rows["accept"]) and "연계 우대지원" not in judgment_html(rows["none"])
    exported = to_dataframe(store.list()).set_index("판정")["연계 우대지원"]
    assert "중소기업은행: 대출금리 우대 (최대 1.0%p)" in exported["추천 채택"] and exported["해당 없음"] == ""


def test_blank_popup_names_blank_fields_in_form_order(fake: FakeRecommender, store: JudgmentStore) -> None:
    from workbench.ui.views import InputForm

    state = make_state(fake, store, company_name="", ceo_name="", nst_code="")
    view = InputForm(state=state)
    assert state.classify() is False
    assert state.form.blank_fields == ["company_name", "ceo_name", "nst_code"] and view.popup.visible
    assert all(label in view.popup_text.object for label in ("기업명", "대표자명", "기술분류"))
    view.popup_ok.clicks += 1  # 확인
    assert not view.popup.visible and view.focus_request.value.startswith("company_name:")
    state.form.param.update(company_name="가", ceo_name="나", nst_code="EE0101")
    assert state.classify() is True and state.form.blank_fields == []



def test_proposed_none_is_shown_and_one_click_away(fake: FakeRecommender, store: JudgmentStore) -> None:
    from workbench.ui.views import ResultView, review_html

    state = make_state(fake, store)
    view = ResultView(state=state)
    state.classify()
    assert not view.accept_none.visible and "해당 없음 제안" not in review_html(state.recommendation)
    rec = fake.recommend(state.record)
    rec.proposed_none = "도소매·유통 위주 표현 ('도매')"
    state.apply_result(state.record, rec)
    assert view.accept_none.visible and "해당 없음 제안" in review_html(rec) and "도소매·유통" in review_html(rec)
    view.accept_none.clicks += 1  # the examiner confirms; overriding is choosing an item instead
    assert state.decision == "none" and state.save() and store.list()[0].decision_type == "none"
