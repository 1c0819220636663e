"""a partial index of the updates still to handle, for the inbox's claim: with statistics
taken during a backlog, PostgreSQL walked every handled update kept, in id order, at each
claim

Revision ID: 0008_inbox_due
Revises: 0007_foreign_key_indexes
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008_inbox_due"
down_revision: str | None = "0007_foreign_key_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_inbox_due",
        "inbox_updates",
        ["update_id"],
        postgresql_where=sa.text("handled_at IS NULL"),
        sqlite_where=sa.text("handled_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_due", table_name="inbox_updates")
