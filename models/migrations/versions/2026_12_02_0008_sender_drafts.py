"""an index of each sender's confessions by status: dropping a sender's drafts at every /new
was planned on the status index and filtered every sender's drafts

Revision ID: 0005_sender_drafts
Revises: 0004_outbox_pending_answers
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_sender_drafts"
down_revision: str | None = "0004_outbox_pending_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_confessions_sender_status", "confessions", ["sender_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_confessions_sender_status", table_name="confessions")
