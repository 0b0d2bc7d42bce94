"""Append-only judgment repository: save, read, filter, correct — no update or delete by design."""
from __future__ import annotations

import builtins
import json
import logging
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, func, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from workbench.config import database_url
from workbench.store.db import make_engine, upgrade
from workbench.store.errors import StoreError, to_store_error
from workbench.store.models import ExportLog, Judgment

log = logging.getLogger(__name__)

DECISION_TYPES = ("accept", "other", "none")
CODE_STATUSES = ("official", "provisional")
MAX_RECOMMENDATIONS = 3


@dataclass(frozen=True, kw_only=True)
class _JudgmentFields:
    """Everything an examiner's judgment records (shared by input and output records)."""

    examiner: str
    idempotency_key: str
    # company inputs
    company_name: str
    business_reg_no: str = field(repr=False)  # personal data: kept out of reprs and logs
    ceo_name: str = field(repr=False)
    base_date: date
    # technology inputs
    ksic_code: str | None = None
    industry_name: str | None = None
    main_product: str | None = None
    product_use: str | None = None
    tech_project: str | None = None
    nst_code: str | None = None
    # what the recommender showed
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    review_flag: bool = False
    warnings: list[Any] = field(default_factory=list)
    # the decision
    decision_type: str
    accepted_rank: int | None = None
    final_item_code: str | None = None
    final_item_name: str | None = None
    comment: str | None = None
    # the final code's status when saved: official | provisional (임시 코드); None for 해당 없음 and old rows
    code_status: str | None = None
    codes_version: int | None = None  # the revision's official-code import the code belongs to
    # the document the form was read from in the app (issue 16): its name and SHA-256 only, never the file
    source_file_name: str | None = None
    source_file_sha256: str | None = None
    # provenance
    taxonomy_revision: str
    model_id: str
    encoder_id: str
    model_version: str
    app_version: str


_FIELD_NAMES = tuple(f.name for f in fields(_JudgmentFields))


@dataclass(frozen=True, kw_only=True)
class NewJudgment(_JudgmentFields):
    """A judgment to save; validated on construction (``ValueError``), so nothing invalid reaches the database.

    ``business_reg_no`` may contain hyphens/spaces and is normalised to 10 digits.
    Decision rules: ``accept`` needs ``accepted_rank`` 1-3 naming one of ``recommendations`` and
    ``final_item_code`` equal to that recommendation's ``item_code``; ``other`` needs ``final_item_code``
    and no rank; ``none`` (해당 없음) has no rank and no final item.
    """

    def __post_init__(self) -> None:
        for name in ("examiner", "idempotency_key", "company_name"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"{name} must be a non-empty string")
        if not isinstance(self.business_reg_no, str):
            raise ValueError("business_reg_no (사업자등록번호) must be a string of 10 digits")
        reg_no = re.sub(r"[-\s]", "", self.business_reg_no)
        if not re.fullmatch(r"\d{10}", reg_no):
            raise ValueError("business_reg_no (사업자등록번호) must be 10 digits")
        object.__setattr__(self, "business_reg_no", reg_no)
        if not isinstance(self.base_date, date) or isinstance(self.base_date, datetime):
            raise ValueError("base_date (분류기준일) must be a datetime.date")
        self._check_lengths()
        self._check_source_file()
        self._check_recommendations()
        self._check_decision()

    def _check_lengths(self) -> None:
        for column in Judgment.__table__.columns:
            value = getattr(self, column.name, None)
            if isinstance(column.type, String) and column.type.length and isinstance(value, str):
                if len(value) > column.type.length:
                    raise ValueError(f"{column.name} is longer than {column.type.length} characters")

    def _check_source_file(self) -> None:
        if (self.source_file_name is None) != (self.source_file_sha256 is None):
            raise ValueError("source_file_name and source_file_sha256 are given together or not at all")
        if self.source_file_sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", self.source_file_sha256):
            raise ValueError("source_file_sha256 must be 64 lower-case hex digits")
        if self.source_file_name is not None and not self.source_file_name.strip():
            raise ValueError("source_file_name must not be blank")

    def _check_recommendations(self) -> None:
        if not isinstance(self.recommendations, list) or not all(isinstance(r, dict) for r in self.recommendations):
            raise ValueError("recommendations must be a list of dicts")
        if len(self.recommendations) > MAX_RECOMMENDATIONS:
            raise ValueError(f"at most {MAX_RECOMMENDATIONS} recommendations can be saved")
        if not isinstance(self.warnings, list):
            raise ValueError("warnings must be a list")
        if not isinstance(self.review_flag, bool):
            raise ValueError("review_flag must be a bool")
        try:
            json.dumps([self.recommendations, self.warnings])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"recommendations/warnings must be JSON-serialisable: {exc}") from None

    def _check_decision(self) -> None:
        kind, rank, code = self.decision_type, self.accepted_rank, self.final_item_code
        if kind not in DECISION_TYPES:
            raise ValueError(f"decision_type must be one of {DECISION_TYPES}, got {kind!r}")
        if self.code_status not in (None, *CODE_STATUSES):
            raise ValueError(f"code_status must be one of {CODE_STATUSES}, got {self.code_status!r}")
        if kind == "none":
            if rank is not None or code is not None or self.final_item_name is not None or self.code_status:
                raise ValueError("decision_type 'none' (해당 없음) takes no accepted_rank or final item")
            return
        if not isinstance(code, str) or not code.strip():
            raise ValueError(f"decision_type {kind!r} requires final_item_code")
        if kind == "other":
            if rank is not None:
                raise ValueError("decision_type 'other' takes no accepted_rank (use 'accept' for a recommendation)")
            return
        if isinstance(rank, bool) or rank not in (1, 2, 3):
            raise ValueError(f"decision_type 'accept' requires accepted_rank 1-3, got {rank!r}")
        ranked = {r.get("rank", i + 1): r for i, r in enumerate(self.recommendations)}
        if rank not in ranked:
            raise ValueError(f"accepted_rank {rank} is not among the saved recommendations")
        recommended = ranked[rank].get("item_code")
        if recommended is not None and recommended != code:
            raise ValueError(
                f"final_item_code {code!r} differs from recommendation rank {rank} ({recommended!r}); use 'other'"
            )


@dataclass(frozen=True, kw_only=True)
class JudgmentRow(_JudgmentFields):
    """A stored judgment (detached, read-only). ``superseded_by_id`` is the correcting row, if any."""

    id: int
    created_at: datetime
    supersedes_id: int | None = None
    superseded_by_id: int | None = None

    @property
    def provisional_code(self) -> bool:
        """The final item code was a workbench-assigned 임시 코드 when saved (rows saved before the status was
        recorded count as provisional: no official code existed then)."""
        return self.final_item_code is not None and self.code_status != "official"


@dataclass(frozen=True)
class SaveResult:
    """Outcome of a save: the row id and whether this call created it (``False``: same idempotency key existed)."""

    id: int
    created: bool


@dataclass(frozen=True)
class ExportLogRow:
    """One recorded export of the judgment history; ``exported_by`` is ``None`` when login was off."""

    id: int
    created_at: datetime
    exported_by: str | None
    role: str
    file_format: str
    filters: dict[str, Any]
    row_count: int


class JudgmentStore:
    """Append-only judgment store; opening it migrates the database to the newest schema.

    Database failures raise :class:`StoreError` (``message_ko`` for the UI); a failed save is rolled
    back completely, so it can simply be retried with the same idempotency key.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        try:
            self.engine = make_engine(self.url)
        except OSError as exc:
            raise _store_error("open", exc) from exc
        except StoreError as exc:  # unparsable URL, unknown dialect, driver not installed
            log.warning("judgment store open failed: %s", exc.detail)
            raise
        try:
            upgrade(self.engine)
        except DBAPIError as exc:
            self.engine.dispose()
            raise _store_error("open", exc) from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    def __enter__(self) -> JudgmentStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def save(self, judgment: NewJudgment) -> SaveResult:
        """Insert ``judgment`` once per idempotency key; a repeated key returns the existing row."""
        return self._insert(judgment, supersedes_id=None)

    def correct(self, original_id: int, new: NewJudgment) -> SaveResult:
        """Save ``new`` as the correction of ``original_id``, which stays readable but is superseded.

        Raises ``LookupError`` if the original does not exist and ``ValueError`` if it was already
        corrected (correct the newest row of the chain instead).
        """
        return self._insert(new, supersedes_id=original_id)

    def get(self, judgment_id: int) -> JudgmentRow | None:
        """The judgment with this id (superseded or not), or ``None``."""
        with self._session("get") as session:
            rows = _rows(session, _select_rows().where(Judgment.id == judgment_id))
        return rows[0] if rows else None

    def list(
        self,
        date_from: date | datetime | None = None,
        date_to: date | datetime | None = None,
        company: str | None = None,
        item_code: str | None = None,
        decision_type: str | None = None,
        include_superseded: bool = True,
        limit: int | None = None,
        examiner: str | None = None,
        item_code_at: Collection[tuple[str, int, str]] = (),
    ) -> builtins.list[JudgmentRow]:
        """Saved judgments, newest first.

        ``date_from``/``date_to`` bound ``created_at`` inclusively (a ``date`` means the whole UTC day;
        a naive ``datetime`` is read as UTC). ``company`` matches a substring of 기업명 or of the
        사업자등록번호 digits; ``item_code`` matches ``final_item_code`` exactly; ``item_code_at`` holds
        ``(taxonomy_revision, codes_version, code)`` and matches a judgment saved under that revision and official
        code import with that code (a missing ``codes_version`` counts as 0), so that one item is found under each
        code it had; ``examiner`` matches the examiner exactly (an examiner's own history).
        """
        if decision_type is not None and decision_type not in DECISION_TYPES:
            raise ValueError(f"decision_type must be one of {DECISION_TYPES}, got {decision_type!r}")
        stmt = _select_rows()
        successor = stmt.selected_columns.superseded_by_id
        conditions: list[ColumnElement[bool]] = []
        if date_from is not None:
            conditions.append(Judgment.created_at >= _as_utc(date_from))
        if date_to is not None:
            if isinstance(date_to, datetime):
                conditions.append(Judgment.created_at <= _as_utc(date_to))
            else:
                conditions.append(Judgment.created_at < _as_utc(date_to + timedelta(days=1)))
        if company:
            matches = [Judgment.company_name.icontains(company, autoescape=True)]
            digits = re.sub(r"\D", "", company)
            if digits:
                matches.append(Judgment.business_reg_no.contains(digits, autoescape=True))
            conditions.append(or_(*matches))
        if item_code is not None:
            conditions.append(Judgment.final_item_code == item_code)
        if item_code_at:
            conditions.append(or_(*(and_(Judgment.taxonomy_revision == revision,
                                         func.coalesce(Judgment.codes_version, 0) == version,
                                         Judgment.final_item_code == code) for revision, version, code in item_code_at)))
        if decision_type is not None:
            conditions.append(Judgment.decision_type == decision_type)
        if examiner is not None:
            conditions.append(Judgment.examiner == examiner)
        if not include_superseded:
            conditions.append(successor.is_(None))
        stmt = stmt.where(*conditions).order_by(Judgment.created_at.desc(), Judgment.id.desc()).limit(limit)
        with self._session("list") as session:
            return _rows(session, stmt)

    def latest_per_company(self) -> builtins.list[JudgmentRow]:
        """For each 사업자등록번호, its newest judgment that has not been corrected (newest first)."""
        successor = aliased(Judgment)
        ranked = (
            select(
                Judgment.id,
                func.row_number()
                .over(partition_by=Judgment.business_reg_no, order_by=(Judgment.created_at.desc(), Judgment.id.desc()))
                .label("position"),
            )
            .outerjoin(successor, successor.supersedes_id == Judgment.id)
            .where(successor.id.is_(None))
            .subquery()
        )
        stmt = (
            _select_rows()
            .join(ranked, ranked.c.id == Judgment.id)
            .where(ranked.c.position == 1)
            .order_by(Judgment.created_at.desc(), Judgment.id.desc())
        )
        with self._session("latest_per_company") as session:
            return _rows(session, stmt)

    def record_export(self, exported_by: str | None, role: str, file_format: str, filters: dict[str, Any],
                      row_count: int) -> int:
        """Append one export to ``export_log``; its id. Raises StoreError (the caller then hands out no file)."""
        entry = ExportLog(exported_by=exported_by, role=role, file_format=file_format, filters=filters,
                          row_count=row_count)
        with self._session("record_export") as session:
            session.add(entry)
            session.commit()
            log.info("export recorded id=%d by=%s format=%s rows=%d", entry.id, exported_by, file_format, row_count)
            return entry.id

    def exports(self, limit: int | None = None) -> builtins.list[ExportLogRow]:
        """Recorded exports, newest first."""
        stmt = select(ExportLog).order_by(ExportLog.created_at.desc(), ExportLog.id.desc()).limit(limit)
        with self._session("exports") as session:
            return [ExportLogRow(id=e.id, created_at=e.created_at, exported_by=e.exported_by, role=e.role,
                                 file_format=e.file_format, filters=e.filters, row_count=e.row_count)
                    for e in session.scalars(stmt)]

    def _insert(self, judgment: NewJudgment, supersedes_id: int | None) -> SaveResult:
        key = judgment.idempotency_key
        with self._session("save") as session:
            existing = _id_for_key(session, key)
            if existing is not None:
                return SaveResult(existing, created=False)
            if supersedes_id is not None:
                _check_correctable(session, supersedes_id, judgment.business_reg_no)
            row = Judgment(supersedes_id=supersedes_id, **{name: getattr(judgment, name) for name in _FIELD_NAMES})
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                # Lost a race: another session saved the same key (or corrected the same original) first.
                session.rollback()
                existing = _id_for_key(session, key)
                if existing is not None:
                    return SaveResult(existing, created=False)
                if supersedes_id is not None:
                    _check_correctable(session, supersedes_id, judgment.business_reg_no)
                raise
            log.info("saved judgment id=%d key=%s supersedes=%s", row.id, key, supersedes_id)
            return SaveResult(row.id, created=True)

    @contextmanager
    def _session(self, action: str) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except DBAPIError as exc:
            raise _store_error(action, exc) from exc


def _store_error(action: str, exc: BaseException) -> StoreError:
    error = to_store_error(exc)
    log.warning("judgment store %s failed (%s: %s)", action, error.kind, error.detail)
    return error


def _as_utc(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return datetime.combine(value, time.min, tzinfo=timezone.utc)


def _select_rows() -> Select[Any]:
    successor = aliased(Judgment)
    return select(Judgment, successor.id.label("superseded_by_id")).outerjoin(
        successor, successor.supersedes_id == Judgment.id
    )


def _rows(session: Session, stmt: Select[Any]) -> list[JudgmentRow]:
    return [
        JudgmentRow(
            id=row.id,
            created_at=row.created_at,
            supersedes_id=row.supersedes_id,
            superseded_by_id=superseded_by_id,
            **{name: getattr(row, name) for name in _FIELD_NAMES},
        )
        for row, superseded_by_id in session.execute(stmt)
    ]


def _id_for_key(session: Session, key: str) -> int | None:
    return session.scalar(select(Judgment.id).where(Judgment.idempotency_key == key))


def _check_correctable(session: Session, original_id: int, business_reg_no: str) -> None:
    original = session.get(Judgment, original_id)
    if original is None:
        raise LookupError(f"judgment {original_id} does not exist")
    if original.business_reg_no != business_reg_no:
        raise ValueError(f"judgment {original_id} is another company's (사업자등록번호 differs); "
                         "a correction must concern the same company")
    successor = session.scalar(select(Judgment.id).where(Judgment.supersedes_id == original_id))
    if successor is not None:
        raise ValueError(f"judgment {original_id} was already corrected by {successor}; correct that one instead")
