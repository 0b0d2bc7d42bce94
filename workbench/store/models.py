"""ORM mapping of the append-only ``judgments`` and ``export_log`` tables (DDL is owned by the Alembic migrations)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class UTCDateTime(TypeDecorator[datetime]):
    """Timestamp stored in UTC and always returned timezone-aware (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Judgment(Base):
    """One saved examiner judgment; rows are never updated, corrections point back via ``supersedes_id``."""

    __tablename__ = "judgments"
    __table_args__ = (
        CheckConstraint("decision_type IN ('accept', 'other', 'none')", name="decision_type"),
        CheckConstraint(
            "(decision_type = 'accept' AND accepted_rank BETWEEN 1 AND 3)"
            " OR (decision_type <> 'accept' AND accepted_rank IS NULL)",
            name="accepted_rank",
        ),
        CheckConstraint(
            "(decision_type = 'none') = (final_item_code IS NULL)",
            name="final_item_code",
        ),
        CheckConstraint("length(business_reg_no) = 10", name="business_reg_no"),
        Index("ix_judgments_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=FetchedValue())
    examiner: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("judgments.id"), unique=True)

    company_name: Mapped[str] = mapped_column(String(200))
    business_reg_no: Mapped[str] = mapped_column(String(10), index=True)
    ceo_name: Mapped[str] = mapped_column(String(100))
    base_date: Mapped[date] = mapped_column(Date)

    ksic_code: Mapped[str | None] = mapped_column(String(20))
    industry_name: Mapped[str | None] = mapped_column(String(200))
    main_product: Mapped[str | None] = mapped_column(Text)
    product_use: Mapped[str | None] = mapped_column(Text)
    tech_project: Mapped[str | None] = mapped_column(Text)
    nst_code: Mapped[str | None] = mapped_column(String(20))

    recommendations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    review_flag: Mapped[bool]
    warnings: Mapped[list[Any]] = mapped_column(JSON)

    decision_type: Mapped[str] = mapped_column(String(10))
    accepted_rank: Mapped[int | None] = mapped_column(SmallInteger)
    final_item_code: Mapped[str | None] = mapped_column(String(20), index=True)
    final_item_name: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)

    taxonomy_revision: Mapped[str] = mapped_column(String(20))
    model_id: Mapped[str] = mapped_column(String(200))
    encoder_id: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(100))
    app_version: Mapped[str] = mapped_column(String(50))
    code_status: Mapped[str | None] = mapped_column(String(12))  # of final_item_code: official | provisional
    codes_version: Mapped[int | None] = mapped_column(Integer)  # Taxonomy.codes_version when saved
    source_file_name: Mapped[str | None] = mapped_column(String(255))  # document the form was read from
    source_file_sha256: Mapped[str | None] = mapped_column(String(64))  # its SHA-256 (hex); the file is not kept


class ExportLog(Base):
    """One export of the judgment history (who, when, format, filter, row count); rows are never changed."""

    __tablename__ = "export_log"
    __table_args__ = (
        CheckConstraint("file_format IN ('csv', 'xlsx')", name="file_format"),
        CheckConstraint("role IN ('examiner', 'admin')", name="role"),
        Index("ix_export_log_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=FetchedValue())
    exported_by: Mapped[str | None] = mapped_column(String(100), doc="logged-in user; NULL when login was off")
    role: Mapped[str] = mapped_column(String(20))
    file_format: Mapped[str] = mapped_column(String(10))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    row_count: Mapped[int] = mapped_column(Integer)
