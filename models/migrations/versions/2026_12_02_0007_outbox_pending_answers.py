"""a partial index of the outbox's pending answers: the claim asks, for every entry due,
whether its chat has an answer pending before it, and without it a chat with a thousand
notices waiting made every claim scan them a thousand times

Revision ID: 0004_outbox_pending_answers
Revises: 0003_step_prompt
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_outbox_pending_answers"
down_revision: str | None = "0003_step_prompt"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_ANSWERS = sa.text("kind = 'answer' AND status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_pending_answers",
        "outbox",
        ["chat_id", "id"],
        postgresql_where=PENDING_ANSWERS,
        sqlite_where=PENDING_ANSWERS,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_answers", table_name="outbox")
