"""what the durable limits still count of someone who deleted their data, as keyed hashes, so
that /deleteme does not start the limits afresh

Revision ID: 0006_spent_allowances
Revises: 0005_sender_drafts
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision: str = "0006_spent_allowances"
down_revision: str | None = "0005_sender_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spent_allowances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "confession",
                "reply",
                "penalty",
                name="spentkind",
                native_enum=False,
                create_constraint=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("to_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("to_name_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_spent_allowances_key_kind_at", "spent_allowances", ["key", "kind", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_spent_allowances_key_kind_at", table_name="spent_allowances")
    op.drop_table("spent_allowances")
