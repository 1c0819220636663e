"""who may confess to whom, held items, and consent to a mutual reveal

Revision ID: 0002_safety2
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

import models.types
from alembic import op

revision: str = "0002_safety2"
down_revision: str | None = "0002_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "who_may_send",
            sa.Enum(
                "everyone", "threads", "nobody", name="whomaysend", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("filter_words", sa.JSON(), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "held_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.BigInteger(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column(
            "reason",
            sa.Enum(
                "request", "setting", "filter", name="holdreason", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column(
            "decision",
            sa.Enum("accepted", "declined", name="holddecision", native_enum=False, length=24),
            nullable=True,
        ),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["holder_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reply_id"], ["replies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("held_items", schema=None) as batch_op:
        batch_op.create_index("ix_held_holder_created", ["holder_id", "created_at"], unique=False)
        batch_op.create_index("ix_held_confession", ["confession_id"], unique=False)
    with op.batch_alter_table("confessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reveal_if_mutual", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("confessions", schema=None) as batch_op:
        batch_op.drop_column("reveal_if_mutual")
    with op.batch_alter_table("held_items", schema=None) as batch_op:
        batch_op.drop_index("ix_held_confession")
        batch_op.drop_index("ix_held_holder_created")
    op.drop_table("held_items")
    op.drop_table("user_preferences")
