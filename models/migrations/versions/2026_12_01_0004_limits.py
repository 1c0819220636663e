"""limits shared across processes: rate counters and word-list penalties

Revision ID: 0002_limits
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op


revision: str = "0002_limits"
down_revision: str | None = "0002_safety1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject", "window_start"),
    )
    op.create_table(
        "limit_penalties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("imposed_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("limit_penalties", schema=None) as batch_op:
        batch_op.create_index(
            "ix_limit_penalties_user_imposed", ["user_id", "imposed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("limit_penalties", schema=None) as batch_op:
        batch_op.drop_index("ix_limit_penalties_user_imposed")
    op.drop_table("limit_penalties")
    op.drop_table("rate_counters")
