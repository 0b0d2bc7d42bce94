"""Export audit: append-only ``export_log`` (who exported the judgment history, when, format, filter, rows);
triggers refuse UPDATE and DELETE as on ``judgments`` (and TRUNCATE on PostgreSQL).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "export_log is append-only: an export record is never changed or deleted"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # same text layout as SQLAlchemy's SQLite DATETIME (see 0001)
    now = sa.text("(strftime('%Y-%m-%d %H:%M:%f000', 'now'))") if sqlite else sa.func.now()
    op.create_table(
        "export_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("exported_by", sa.String(100), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("file_format", sa.String(10), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_log")),
        sa.CheckConstraint("file_format IN ('csv', 'xlsx')", name=op.f("ck_export_log_file_format")),
        sa.CheckConstraint("role IN ('examiner', 'admin')", name=op.f("ck_export_log_role")),
    )
    op.create_index(op.f("ix_export_log_created_at"), "export_log", ["created_at"])
    if sqlite:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER export_log_no_{event.lower()} BEFORE {event} ON export_log "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        return
    op.execute("CREATE OR REPLACE FUNCTION export_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$")
    op.execute("CREATE TRIGGER export_log_no_update_delete BEFORE UPDATE OR DELETE ON export_log "
               "FOR EACH ROW EXECUTE FUNCTION export_log_append_only()")
    op.execute("CREATE TRIGGER export_log_no_truncate BEFORE TRUNCATE ON export_log "
               "FOR EACH STATEMENT EXECUTE FUNCTION export_log_append_only()")


def downgrade() -> None:
    op.drop_table("export_log")  # drops its triggers too
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS export_log_append_only()")
