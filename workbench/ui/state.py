"""State and logic of the examiner app (no Panel widgets here, so everything is unit-testable).

* :class:`FormState` — the input form: values, KSIC 업종명 suggestion, validation with Korean messages.
* :class:`ExaminerState` — 판별 → 결과 → 재분류/저장 flow, the examiner's decision and idempotent saving.
* :class:`HistoryState` — saved judgments with filters, the selected row and CSV/XLSX export, within the
  session's :class:`workbench.auth.Access` (an examiner reads only their own judgments; only an administrator
  exports, and every export is recorded).

The recommender and the judgment store are injected as zero-argument factories; the app passes the
process-wide ones (:func:`shared_recommender`, :func:`shared_store`), tests pass fakes.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib.metadata
import io
import json
import logging
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Protocol

import pandas as pd
import param

from workbench.auth import LOCAL_ACCESS, Access
from workbench.config import DEFAULT_REVISION, database_url
from workbench.recommend.types import Recommendation
from workbench.schema.record import REQUIRED_FIELDS, SPEC_BY_NAME, CompanyRecord, FieldError, validate_record
from workbench.store import JudgmentRow, JudgmentStore, NewJudgment, SaveResult, StoreError, export_csv, export_xlsx
from workbench.store.db import check_url
from workbench.store.export import DECISION_LABELS_KO
from workbench.taxonomy.ksic import ksic_tables
from workbench.taxonomy.loader import load_taxonomy, revision_dirs
from workbench.taxonomy.model import Taxonomy, code_status_ko

log = logging.getLogger(__name__)

KST = timezone(timedelta(hours=9), "KST")  # Korea has no daylight saving time
FORM_FIELDS = ("company_name", "business_reg_no", "ceo_name", "base_date", "ksic_code", "industry_name",
               "main_product", "product_use", "tech_project", "nst_code")
DECISIONS = ("accept:1", "accept:2", "accept:3", "other", "none")


class RecommenderLike(Protocol):
    def recommend(self, record: CompanyRecord) -> Recommendation: ...


def today_kst() -> date:
    """Today's date in Korea (the 분류기준일 of a new judgment)."""
    return datetime.now(KST).date()


def app_version() -> str:
    try:
        return importlib.metadata.version("workbench")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


# --------------------------------------------------------------------------- process-wide resources

_warm_lock = threading.Lock()
_warm_started = False
_stores: dict[str, JudgmentStore] = {}
_stores_lock = threading.Lock()


def shared_recommender() -> RecommenderLike:
    """The process-wide recommender: ``workbench.recommend.service.get_recommender()`` (loads once, thread-safe)."""
    from workbench.recommend.service import get_recommender

    return get_recommender()


def model_note(model_id: str) -> str:
    """Korean note when ``model_id`` is this process's quick first-run model (encoder not fine-tuned yet), else ``""``."""
    from workbench.recommend.service import serving

    now = serving()
    if now is None or now.tuned or now.recommender.model_id_ != model_id:
        return ""
    return "미세조정 전 기본 모델 (미세조정 모델이 학습 중이며, 준비되면 재시작 없이 바뀝니다)"


def warm_up(background: bool = True) -> None:
    """Load the shared recommender once per process (in a daemon thread by default) so 판별 does not wait."""
    global _warm_started
    with _warm_lock:
        if _warm_started:
            return
        _warm_started = True

    def _load() -> None:
        started = _time.perf_counter()
        try:
            shared_recommender()
            log.info("recommender loaded in %.1f s", _time.perf_counter() - started)
        except Exception:  # reported again, in Korean, on the first 판별
            log.exception("recommender warm-up failed")

    if background:
        threading.Thread(target=_load, name="workbench-warm-up", daemon=True).start()
    else:
        _load()


def store_problem(url: str | None = None) -> str:
    """Korean message when the judgment store's URL is unusable (unparsable, unknown dialect, missing driver),
    else ``""``. Connects to nothing: cheap at start-up and per session."""
    try:
        check_url(url or database_url())
    except StoreError as exc:
        log.error("judgment store misconfigured: %s", exc.detail)
        return f"{exc.message_ko} ({exc.detail})"
    return ""


def shared_store(url: str | None = None) -> JudgmentStore:
    """One :class:`JudgmentStore` per URL per process; a failed open is not cached (the next call retries)."""
    url = url or database_url()
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = JudgmentStore(url)
        return store


# --------------------------------------------------------------------------- input form


class FormState(param.Parameterized):
    """The values typed on the input screen and their validation state."""

    company_name = param.String(default="", label="기업명")
    business_reg_no = param.String(default="", label="사업자등록번호")
    ceo_name = param.String(default="", label="대표자명")
    base_date = param.String(default="", label="분류기준일", constant=True)
    ksic_code = param.String(default="", label="업종코드")
    industry_name = param.String(default="", label="업종명")
    main_product = param.String(default="", label="주요제품")
    product_use = param.String(default="", label="제품용도")
    tech_project = param.String(default="", label="기술사업명")
    nst_code = param.String(default="", label="기술분류")

    ksic_typed = param.String(default="", doc="Live text of the 업종코드 box (every key press).")
    ksic_suggestion = param.String(default="", doc="Official 업종명 of the typed KSIC code, '' if unknown.")
    ksic_other = param.String(default="", doc="What the typed code meant in KSIC 10th if that differs, else ''.")
    errors = param.Dict(default={}, doc="Field name → Korean message of the last validation.")
    message = param.String(default="", doc="Summary of the last validation (Korean), '' when valid.")
    blank_fields = param.List(default=[], doc="Required fields left blank at the last 판별, in form order "
                              "(the '공란 입력' popup names them and puts the cursor in the first).")
    document = param.Tuple(default=None, length=2, allow_None=True,
                           doc="(file name, SHA-256) of the document the form was read from (``ui.intake``), "
                               "saved with the judgment; the file itself is never kept.")

    def __init__(self, **params: Any) -> None:
        params.setdefault("base_date", today_kst().isoformat())
        super().__init__(**params)
        self.param.watch(self._clear_error, [n for n in FORM_FIELDS if n != "base_date"])

    def _clear_error(self, *events: param.parameterized.Event) -> None:
        """A field the examiner edits loses its red border (the summary stays until the next 판별)."""
        fixed = {e.name for e in events} & set(self.errors)
        if fixed:
            self.errors = {k: v for k, v in self.errors.items() if k not in fixed}

    @param.depends("ksic_typed", "ksic_code", watch=True, on_init=True)
    def _suggest(self) -> None:
        code = (self.ksic_typed or self.ksic_code).strip()
        valid = len(code) == 5 and code.isdigit()
        self.param.update(ksic_suggestion=ksic_tables().name(code) if valid else "",
                          ksic_other=ksic_tables().other_meaning(code) if valid else "")

    @param.depends("ksic_code", watch=True)
    def _sync_typed(self) -> None:
        self.ksic_typed = self.ksic_code

    @property
    def can_fill_industry_name(self) -> bool:
        return bool(self.ksic_suggestion) and self.industry_name.strip() != self.ksic_suggestion

    def fill_industry_name(self) -> None:
        """Accept the offer: set 업종코드 to the typed code and 업종명 to its official name."""
        if self.ksic_suggestion:
            self.param.update(ksic_code=(self.ksic_typed or self.ksic_code).strip(), industry_name=self.ksic_suggestion)

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FORM_FIELDS}

    def record(self) -> CompanyRecord:
        """The form as a :class:`CompanyRecord` (surrounding whitespace stripped, codes upper-cased)."""
        values = {name: value.strip() for name, value in self.values().items()}
        values["nst_code"] = values["nst_code"].upper()
        return CompanyRecord(**values)

    def validate(self) -> list[FieldError]:
        """Check every field; sets :attr:`errors` and :attr:`message` and returns the problems."""
        problems = validate_record(self.record(), required=REQUIRED_FIELDS)
        blanks = [e for e in problems if e.code == "blank"]
        lines = []
        if blanks:
            names = ", ".join(SPEC_BY_NAME[e.field].label_ko for e in blanks)
            lines.append(f"[공란 입력] 다음 필수 항목을 입력하세요: {names}")
        lines += [e.message_ko for e in problems if e.code != "blank"]
        errors: dict[str, str] = {}
        for e in problems:
            errors.setdefault(e.field, e.message_ko)
        blank = {e.field for e in blanks}
        self.param.update(errors=errors, message="\n".join(lines),
                          blank_fields=[n for n in FORM_FIELDS if n in blank])
        return problems


# --------------------------------------------------------------------------- 판별 → 결과 → 저장


class DecisionError(ValueError):
    """The decision cannot be saved as entered; ``message_ko`` says what to fix."""

    def __init__(self, message_ko: str) -> None:
        self.message_ko = message_ko
        super().__init__(message_ko)


@dataclass(frozen=True)
class PendingSave:
    """One 저장 in flight: what to write, and the result and decision it was made for."""

    action: str  # "save" | "correct"
    judgment: NewJudgment
    original_id: int | None  # the row a correction supersedes
    result_key: str
    payload: tuple


def result_key_of(record: CompanyRecord, recommendation: Recommendation) -> str:
    """The idempotency key of a 판별 result, from its content: the same input on the same 분류기준일 answered by the
    same model is the same result. An examiner who retries after a lost connection or a server restart (a new
    session) finds the row already saved instead of adding a second; a random key per session could not."""
    text = json.dumps([dataclasses.asdict(record), recommendation.model_id, recommendation.taxonomy_revision,
                       [i.item_code for i in recommendation.items]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ExaminerState(param.Parameterized):
    """One examiner session: the form, the shown recommendation, the decision and its saving."""

    form = param.ClassSelector(class_=FormState)
    screen = param.Selector(default="input", objects=["input", "result"])
    busy = param.Boolean(default=False, doc="판별 is running.")
    saving = param.Boolean(default=False, doc="저장 is running.")
    error = param.String(default="", doc="Korean message when 판별 itself failed.")

    record = param.ClassSelector(class_=CompanyRecord, allow_None=True, doc="Inputs of the shown result.")
    recommendation = param.ClassSelector(class_=Recommendation, allow_None=True)
    result_key = param.String(default="", doc="Idempotency key of the shown 판별 result (:func:`result_key_of`).")
    elapsed_ms = param.Number(default=None, allow_None=True)
    document = param.Tuple(default=None, length=2, allow_None=True,
                           doc="The form's document (file name, SHA-256) at the 판별 of the shown result.")

    decision = param.Selector(default=None, objects=list(DECISIONS), allow_None=True, label="최종 판정")
    other_item = param.String(default="", label="다른 품목", doc="'CODE name' or 'CODE' of another item.")
    comment = param.String(default="", label="의견")
    examiner = param.String(default="", label="심사역")
    examiner_locked = param.Boolean(default=False, doc="Examiner comes from the login and cannot be edited.")

    saved_id = param.Integer(default=None, allow_None=True)
    save_count = param.Integer(default=0, doc="Incremented after every save that wrote a row.")
    status = param.String(default="", doc="Korean outcome of the last save.")
    status_kind = param.Selector(default="info", objects=["info", "success", "warning", "danger"])

    def __init__(self, recommender: Callable[[], RecommenderLike] = shared_recommender,
                 store: Callable[[], JudgmentStore] = shared_store, **params: Any) -> None:
        params.setdefault("form", FormState())
        super().__init__(**params)
        self._recommender_factory = recommender
        self._store_factory = store
        # under login the examiner is the authenticated user, fixed here on the server: a crafted websocket
        # message can change the ``examiner`` parameter, never who the judgment is saved under
        self._login_user = self.examiner if self.examiner_locked else None
        self._saved_payload: tuple | None = None
        self._saved_key = ""
        self._writes = 0

    # ----------------------------------------------------------------- taxonomy helpers

    @property
    def taxonomy(self) -> Taxonomy:
        rev = self.recommendation.taxonomy_revision if self.recommendation else DEFAULT_REVISION
        try:
            return load_taxonomy(rev)
        except KeyError:
            return load_taxonomy(DEFAULT_REVISION)

    def item_options(self) -> list[str]:
        """'CODE 품목명' of every item of the result's revision (for the searchable list), a provisional code marked
        '(임시 코드)'."""
        return [f"{it.code} {it.name}" + (f" ({code_status_ko('provisional')})" if it.provisional else "")
                for it in self.taxonomy.items]

    # ----------------------------------------------------------------- 판별

    def prepare_classify(self) -> CompanyRecord | None:
        """Validate the form; the record to classify, or ``None`` (messages are on :attr:`form`). 분류기준일 is the
        day of this 판별 (KST), not the day the page was opened."""
        self.error = ""
        with param.edit_constant(self.form):
            self.form.base_date = today_kst().isoformat()
        if self.form.validate():
            return None
        return self.form.record()

    def run_recommender(self, record: CompanyRecord) -> Recommendation:
        """The slow part (thread-safe: touches no parameters)."""
        return self._recommender_factory().recommend(record)

    def apply_result(self, record: CompanyRecord, recommendation: Recommendation,
                     elapsed_ms: float | None = None) -> None:
        """Show a new result with its idempotency key and an empty decision."""
        self._saved_payload, self._saved_key, self._writes = None, "", 0
        self.param.update(record=record, recommendation=recommendation, document=self.form.document,
                          result_key=result_key_of(record, recommendation),
                          elapsed_ms=elapsed_ms, decision=None, other_item="", comment="", saved_id=None,
                          status="", status_kind="info", screen="result")
        top = recommendation.items[0].item_code if recommendation.items else "-"
        log.info("판별 done: top=%s review=%s %.0f ms", top, recommendation.review_required, elapsed_ms or 0)

    def _fail_classify(self, exc: Exception) -> None:
        log.error("recommender failed: %s", type(exc).__name__, exc_info=exc)
        if isinstance(exc, FileNotFoundError):
            self.error = "학습된 추천 모델을 찾을 수 없습니다. 관리자에게 모델 설치(make setup)를 요청하세요."
        else:
            self.error = (f"판별 중 오류가 발생했습니다 ({type(exc).__name__}). "
                          "잠시 후 다시 시도하고, 계속되면 관리자에게 문의하세요.")

    def classify(self) -> bool:
        """판별 (synchronous): validate, recommend, switch to the result screen. ``False`` if it did not run (also
        while a save runs)."""
        if self.saving:
            return False
        record = self.prepare_classify()
        if record is None:
            return False
        self.busy = True
        try:
            started = _time.perf_counter()
            rec = self.run_recommender(record)
            self.apply_result(record, rec, (_time.perf_counter() - started) * 1000)
            return True
        except Exception as exc:
            self._fail_classify(exc)
            return False
        finally:
            self.busy = False

    async def classify_async(self) -> bool:
        """판별 for the server: the recommender runs in a worker thread so the page shows progress."""
        if self.busy or self.saving:
            return False
        record = self.prepare_classify()
        if record is None:
            return False
        self.busy = True
        try:
            started = _time.perf_counter()
            rec = await asyncio.to_thread(self.run_recommender, record)
            self.apply_result(record, rec, (_time.perf_counter() - started) * 1000)
            return True
        except Exception as exc:
            self._fail_classify(exc)
            return False
        finally:
            self.busy = False

    def reclassify(self) -> None:
        """재분류: back to the input screen; every typed value stays. Refused while a save runs (its outcome
        belongs to the shown result)."""
        if self.saving:
            self.param.update(status="저장 중입니다. 저장이 끝난 뒤 재분류하세요.", status_kind="warning")
            return
        self.screen = "input"

    # ----------------------------------------------------------------- 저장

    def other_item_code(self) -> str:
        token = self.other_item.strip().split(" ", 1)[0].upper() if self.other_item.strip() else ""
        return token

    def _payload(self) -> tuple[str | None, int | None, str | None, str | None, str, str]:
        rec = self.recommendation
        if rec is None or self.record is None:
            raise DecisionError("먼저 판별을 실행하세요.")
        examiner = self._login_user if self._login_user is not None else self.examiner.strip()
        if not examiner:
            raise DecisionError("[공란 입력] 심사역을 입력하세요.")
        if self.decision is None:
            raise DecisionError("[공란 입력] 최종 판정(추천 품목 채택, 다른 품목 선택 또는 해당 없음)을 선택하세요.")
        comment = self.comment.strip()
        if self.decision == "none":
            return "none", None, None, None, comment, examiner
        if self.decision == "other":
            code = self.other_item_code()
            if not code:
                raise DecisionError("[공란 입력] 다른 품목을 목록에서 선택하세요.")
            if code not in self.taxonomy.item_by_code:
                raise DecisionError(f"품목코드 {code}는 {self.taxonomy.label}에 없습니다. 목록에서 선택하세요.")
            return "other", None, code, self.taxonomy.item(code).name, comment, examiner
        rank = int(self.decision.split(":")[1])
        chosen = next((it for it in rec.items if it.rank == rank), None)
        if chosen is None:
            raise DecisionError(f"추천 {rank}순위 품목이 없습니다. 다른 판정을 선택하세요.")
        return "accept", rank, chosen.item_code, chosen.item_name, comment, examiner

    def build_judgment(self, idempotency_key: str | None = None) -> NewJudgment:
        """The :class:`NewJudgment` for the shown result and the current decision (raises DecisionError)."""
        kind, rank, code, name, comment, examiner = self._payload()
        rec, record = self.recommendation, self.record
        assert rec is not None and record is not None
        return NewJudgment(
            examiner=examiner,
            idempotency_key=idempotency_key or self.result_key,
            company_name=record.company_name,
            business_reg_no=record.business_reg_no,
            ceo_name=record.ceo_name,
            base_date=date.fromisoformat(record.base_date[:10]) if record.base_date else today_kst(),
            ksic_code=record.ksic_code,
            industry_name=record.industry_name,
            main_product=record.main_product,
            product_use=record.product_use,
            tech_project=record.tech_project,
            nst_code=record.nst_code,
            recommendations=rec.to_dict()["items"],
            review_flag=bool(rec.review_required),
            warnings=list(rec.warnings),
            decision_type=kind,
            accepted_rank=rank,
            final_item_code=code,
            final_item_name=name,
            code_status=self.taxonomy.item(code).code_status if code else None,
            codes_version=self.taxonomy.codes_version if code else None,
            comment=comment or None,
            taxonomy_revision=rec.taxonomy_revision,
            model_id=rec.model_id,
            encoder_id=rec.encoder_id,
            model_version=rec.model_id,  # a model folder is one version: wb-<trained at>-<data hash>
            app_version=app_version(),
            source_file_name=self.document[0] if self.document else None,
            source_file_sha256=self.document[1] if self.document else None,
        )

    def decision_key(self, payload: tuple) -> str:
        """Idempotency key of *this* result + decision + how many rows it already wrote: a retry of a save whose
        reply was lost finds its row, while another decision (also a return to an earlier one) or another
        company's result never shares a key."""
        text = json.dumps([self.result_key, self._writes, *payload], ensure_ascii=False)
        return f"{self.result_key}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"

    def prepare_save(self) -> PendingSave | None:
        """Build what to write (a save or, after a changed decision, a correction). ``None`` and a message if
        invalid or a save is already running."""
        if self.saving:
            return None
        try:
            payload = self._payload()
            if payload == self._saved_payload:  # a repeated click: the row is there, find it again
                return PendingSave("save", self.build_judgment(self._saved_key), None, self.result_key, payload)
            judgment = self.build_judgment(self.decision_key(payload))
            if self.saved_id is None:
                return PendingSave("save", judgment, None, self.result_key, payload)
            # The decision changed after saving: the store is append-only, so save a correction.
            return PendingSave("correct", judgment, self.saved_id, self.result_key, payload)
        except DecisionError as exc:
            self.param.update(status=exc.message_ko, status_kind="danger")
        except ValueError as exc:  # NewJudgment's own checks (e.g. a field too long)
            self.param.update(status=f"저장할 수 없습니다: {exc}", status_kind="danger")
        return None

    def write(self, pending: PendingSave) -> SaveResult:
        """The database call (thread-safe: touches no parameters); raises StoreError."""
        store = self._store_factory()
        if pending.action == "correct":
            assert pending.original_id is not None
            return store.correct(pending.original_id, pending.judgment)
        return store.save(pending.judgment)

    def finish_save(self, pending: PendingSave, result: SaveResult | None, error: BaseException | None) -> bool:
        """Record the outcome of :meth:`write`: Korean status, saved id; on failure nothing else changes. A save
        whose result is no longer shown only reports its outcome: it never marks the shown result as saved."""
        action, judgment = pending.action, pending.judgment
        if error is None and pending.result_key != self.result_key:
            assert result is not None
            self.param.update(status=f"이전 판별({judgment.company_name})이 저장되었습니다 (판별 번호 {result.id}). "
                              "현재 결과는 아직 저장되지 않았습니다.", status_kind="info")
            return True
        if error is not None:
            if isinstance(error, StoreError):
                message = error.message_ko
                log.warning("save failed: %s", error.kind)
            elif isinstance(error, (LookupError, ValueError)):
                message = f"저장할 수 없습니다: {error}"
                log.warning("save rejected: %s", type(error).__name__)
            else:
                message = "저장 중 예기치 않은 오류가 발생했습니다. 다시 시도하고, 계속되면 관리자에게 문의하세요."
                log.error("save failed: %s", type(error).__name__, exc_info=error)
            self.param.update(status=message, status_kind="danger")
            return False
        assert result is not None
        if result.created:
            self._writes += 1
        self._saved_payload, self._saved_key = pending.payload, judgment.idempotency_key
        if result.created:
            verb = "정정 저장했습니다" if action == "correct" else "저장했습니다"
            self.param.update(saved_id=result.id, status=f"{verb} (판별 번호 {result.id}).", status_kind="success",
                              save_count=self.save_count + 1)
            log.info("judgment saved id=%d decision=%s item=%s", result.id, judgment.decision_type,
                     judgment.final_item_code)
        else:
            self.param.update(saved_id=result.id, status=f"이미 저장된 판별입니다 (판별 번호 {result.id}). "
                              "중복 저장하지 않았습니다.", status_kind="info")
        return True

    def save(self) -> bool:
        """저장 (synchronous). ``True`` when the judgment is in the database (new or already there)."""
        prepared = self.prepare_save()
        if prepared is None:
            return False
        self.saving = True
        try:
            try:
                result, error = self.write(prepared), None
            except Exception as exc:
                result, error = None, exc
            return self.finish_save(prepared, result, error)
        finally:
            self.saving = False

    async def save_async(self) -> bool:
        """저장 for the server: the database call runs in a worker thread; a second click meanwhile is ignored."""
        prepared = self.prepare_save()
        if prepared is None:
            return False
        self.saving = True
        try:
            try:
                result, error = await asyncio.to_thread(self.write, prepared), None
            except Exception as exc:
                result, error = None, exc
            return self.finish_save(prepared, result, error)
        finally:
            self.saving = False


# --------------------------------------------------------------------------- 판별 이력

DECISION_FILTERS = {"전체": "", **{label: key for key, label in DECISION_LABELS_KO.items()}}
HISTORY_COLUMNS = ["번호", "저장일시", "심사역", "기업명", "최종 품목코드", "코드 상태", "최종 품목명", "판정", "검토필요",
                   "정정"]


class ExportRefused(PermissionError):
    """This session may not export; ``message_ko`` says so."""

    def __init__(self, message_ko: str) -> None:
        self.message_ko = message_ko
        super().__init__(message_ko)


EXPORT_FORMATS = ("csv", "xlsx")


class HistoryState(param.Parameterized):
    """Saved judgments: filters, the listed rows, the selected row and exports.

    What the session may see and do is its :class:`Access`, fixed on the server at construction and kept out of
    the parameters (which a browser message can reach): an examiner's rows are only their own, whatever the
    filters, and only an administrator exports.
    """

    date_from = param.CalendarDate(default=None, allow_None=True, label="시작일")
    date_to = param.CalendarDate(default=None, allow_None=True, label="종료일")
    company = param.String(default="", label="기업명/사업자등록번호")
    item = param.String(default="", label="품목", doc="'CODE name' or 'CODE'; '' for all.")
    decision = param.Selector(default="", objects=list(DECISION_FILTERS.values()), label="판정")

    rows = param.List(default=[], item_type=JudgmentRow)
    frame = param.DataFrame(default=pd.DataFrame(columns=HISTORY_COLUMNS))
    selected_id = param.Integer(default=None, allow_None=True)
    error = param.String(default="")

    def __init__(self, store: Callable[[], JudgmentStore] = shared_store, access: Access = LOCAL_ACCESS,
                 **params: Any) -> None:
        super().__init__(**params)
        self._store_factory = store
        self._access = access

    @property
    def access(self) -> Access:
        return self._access

    def item_code(self) -> str | None:
        return self.item.strip().split(" ", 1)[0].upper() if self.item.strip() else None

    def _bounds(self) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.date_from, time.min, tzinfo=KST) if self.date_from else None
        end = datetime.combine(self.date_to, time.max, tzinfo=KST) if self.date_to else None
        return start, end

    def fetch(self) -> list[JudgmentRow]:
        """Rows matching the filters, newest first (raises StoreError)."""
        start, end = self._bounds()
        code = self.item_code()
        return self._store_factory().list(date_from=start, date_to=end, company=self.company.strip() or None,
                                          item_code_at=codes_by_version(code) if code else (),
                                          decision_type=self.decision or None, examiner=self._access.history_examiner)

    def filters(self) -> dict[str, Any]:
        """The filters of the listed rows, as recorded with an export."""
        return {"date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None,
                "company": self.company.strip() or None, "item_code": self.item_code(),
                "decision": self.decision or None, "examiner": self._access.history_examiner}

    def refresh(self) -> bool:
        """Re-read the rows; on a database error keep the old rows and set :attr:`error`."""
        try:
            rows = self.fetch()
        except StoreError as exc:
            log.warning("history failed: %s", exc.kind)
            self.error = exc.message_ko
            return False
        frame = pd.DataFrame([_history_line(r) for r in rows], columns=HISTORY_COLUMNS)
        keep = self.selected_id if any(r.id == self.selected_id for r in rows) else None
        self.param.update(rows=rows, frame=frame, selected_id=keep, error="")
        return True

    @param.depends("date_from", "date_to", "company", "item", "decision", watch=True)
    def _on_filter(self) -> None:
        self.refresh()

    def select_index(self, index: int | None) -> None:
        """Select the row at ``index`` of :attr:`frame` (``None`` clears)."""
        self.selected_id = int(self.frame.iloc[index]["번호"]) if index is not None and index < len(self.frame) else None

    @property
    def selected(self) -> JudgmentRow | None:
        return next((r for r in self.rows if r.id == self.selected_id), None)

    @staticmethod
    def current_code(row: JudgmentRow | None) -> str | None:
        """The code today of the row's final item, when an official code import changed it since the save."""
        if row is None or not row.final_item_code:
            return None
        try:
            code = load_taxonomy(row.taxonomy_revision).current_code(row.final_item_code, row.codes_version or 0)
        except KeyError:  # a revision no longer shipped
            return None
        return code if code != row.final_item_code else None

    def export(self, kind: str) -> io.BytesIO:
        """The filtered judgments as CSV (UTF-8 with BOM) or XLSX bytes (re-read from the database), recorded in
        the export log first: no file without its record. Raises ExportRefused for a session that may not export,
        StoreError when the database (or the record) fails."""
        if not self._access.can_export:
            log.warning("export refused: %s is %s", self._access.user, self._access.role)
            raise ExportRefused("판별 이력 내보내기는 관리자만 할 수 있습니다. 필요하면 관리자에게 요청하세요.")
        if kind not in EXPORT_FORMATS:
            raise ValueError(f"export format must be one of {EXPORT_FORMATS}, got {kind!r}")
        rows = self.fetch()
        buffer = io.BytesIO()
        (export_xlsx if kind == "xlsx" else export_csv)(rows, buffer)
        buffer.seek(0)
        self._store_factory().record_export(self._access.user, self._access.role, kind, self.filters(), len(rows))
        return buffer

    def export_filename(self, kind: str) -> str:
        return f"판별이력_{datetime.now(KST):%Y%m%d_%H%M}.{kind}"


def codes_by_version(code: str) -> list[tuple[str, int, str]]:
    """``(revision, codes_version, code)`` of every code under which a judgment of the item that has ``code`` today
    was saved — before and after official code imports — over every shipped revision."""
    return [(revision, version, saved) for revision in revision_dirs()
            for version, saved in load_taxonomy(revision).codes_by_version(code)]


def _history_line(row: JudgmentRow) -> dict[str, Any]:
    return {
        "번호": row.id,
        "저장일시": row.created_at.astimezone(KST).strftime("%Y-%m-%d %H:%M"),
        "심사역": row.examiner,
        "기업명": row.company_name,
        "최종 품목코드": row.final_item_code or "",
        "코드 상태": code_status_ko(row.code_status) if row.final_item_code else "",
        "최종 품목명": row.final_item_name or "",
        "판정": DECISION_LABELS_KO.get(row.decision_type, row.decision_type),
        "검토필요": "예" if row.review_flag else "",
        "정정": " ".join(filter(None, [f"{row.supersedes_id}번 정정" if row.supersedes_id else "",
                                       f"{row.superseded_by_id}번이 정정" if row.superseded_by_id else ""])),
    }
