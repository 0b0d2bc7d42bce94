"""Source document of a judgment: ``source_file_name`` and ``source_file_sha256`` of the 사업계획서 / 기술설명서 the
examiner read the form from in the app (issue 16). Only the name and the hash are kept, never the file. Both NULL on
judgments typed by hand and on rows saved before this migration.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("judgments", sa.Column("source_file_name", sa.String(255), nullable=True))
    op.add_column("judgments", sa.Column("source_file_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("judgments", "source_file_sha256")
    op.drop_column("judgments", "source_file_name")
