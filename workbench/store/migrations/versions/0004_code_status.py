"""Code status of each judgment's final item: ``code_status`` (official | provisional: a code the workbench
assigned, shown as 임시 코드) and ``codes_version`` (the revision's official-code import the code belongs to, so a
code saved before an import is read as its successor). Both NULL on rows saved before this migration.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("judgments", sa.Column("code_status", sa.String(12), nullable=True))
    op.add_column("judgments", sa.Column("codes_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("judgments", "codes_version")
    op.drop_column("judgments", "code_status")
