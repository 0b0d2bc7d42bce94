"""Initial schema: append-only ``judgments`` table.

Revision ID: 0001
Revises:
Create Date: 2024-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Same text layout as SQLAlchemy's SQLite DATETIME so string comparison equals time comparison.
        now = sa.text("(strftime('%Y-%m-%d %H:%M:%f000', 'now'))")
    else:
        now = sa.func.now()
    op.create_table(
        "judgments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("examiner", sa.String(100), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("business_reg_no", sa.String(10), nullable=False),
        sa.Column("ceo_name", sa.String(100), nullable=False),
        sa.Column("base_date", sa.Date(), nullable=False),
        sa.Column("ksic_code", sa.String(20), nullable=True),
        sa.Column("industry_name", sa.String(200), nullable=True),
        sa.Column("main_product", sa.Text(), nullable=True),
        sa.Column("product_use", sa.Text(), nullable=True),
        sa.Column("tech_project", sa.Text(), nullable=True),
        sa.Column("nst_code", sa.String(20), nullable=True),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.Column("review_flag", sa.Boolean(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("decision_type", sa.String(10), nullable=False),
        sa.Column("accepted_rank", sa.SmallInteger(), nullable=True),
        sa.Column("final_item_code", sa.String(20), nullable=True),
        sa.Column("final_item_name", sa.String(200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("taxonomy_revision", sa.String(20), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("encoder_id", sa.String(200), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("app_version", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_judgments_idempotency_key")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_judgments_supersedes_id")),
        sa.ForeignKeyConstraint(["supersedes_id"], ["judgments.id"], name=op.f("fk_judgments_supersedes_id_judgments")),
        sa.CheckConstraint("decision_type IN ('accept', 'other', 'none')", name=op.f("ck_judgments_decision_type")),
        sa.CheckConstraint(
            "(decision_type = 'accept' AND accepted_rank BETWEEN 1 AND 3)"
            " OR (decision_type <> 'accept' AND accepted_rank IS NULL)",
            name=op.f("ck_judgments_accepted_rank"),
        ),
        sa.CheckConstraint(
            "(decision_type = 'none') = (final_item_code IS NULL)", name=op.f("ck_judgments_final_item_code")
        ),
        sa.CheckConstraint("length(business_reg_no) = 10", name=op.f("ck_judgments_business_reg_no")),
    )
    op.create_index(op.f("ix_judgments_business_reg_no"), "judgments", ["business_reg_no"])
    op.create_index(op.f("ix_judgments_final_item_code"), "judgments", ["final_item_code"])
    op.create_index(op.f("ix_judgments_created_at"), "judgments", ["created_at"])


def downgrade() -> None:
    op.drop_table("judgments")
