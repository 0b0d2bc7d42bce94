"""Append-only enforced by the database: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
``judgments``. A correction stays a new row (``JudgmentStore.correct``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "judgments is append-only: save a correction instead of changing or deleting a row"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER judgments_no_{event.lower()} BEFORE {event} ON judgments "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        return
    op.execute("CREATE OR REPLACE FUNCTION judgments_append_only() RETURNS trigger LANGUAGE plpgsql AS "
               f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$")
    op.execute("CREATE TRIGGER judgments_no_update_delete BEFORE UPDATE OR DELETE ON judgments "
               "FOR EACH ROW EXECUTE FUNCTION judgments_append_only()")
    op.execute("CREATE TRIGGER judgments_no_truncate BEFORE TRUNCATE ON judgments "
               "FOR EACH STATEMENT EXECUTE FUNCTION judgments_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS judgments_no_update")
        op.execute("DROP TRIGGER IF EXISTS judgments_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS judgments_no_update_delete ON judgments")
    op.execute("DROP TRIGGER IF EXISTS judgments_no_truncate ON judgments")
    op.execute("DROP FUNCTION IF EXISTS judgments_append_only()")
