"""an index under every foreign key that had none, so deleting the row it points to (a
discarded draft at every /new, a user at /deleteme, media swept by housekeeping) looks its
referencing rows up instead of reading the whole referencing table

Revision ID: 0007_foreign_key_indexes
Revises: 0006_spent_allowances
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_foreign_key_indexes"
down_revision: str | None = "0006_spent_allowances"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = (
    ("confessions", "media_id"),
    ("replies", "author_id"),
    ("replies", "media_id"),
    ("reactions", "user_id"),
    ("blocks", "confession_id"),
    ("reports", "confession_id"),
    ("reports", "reporter_id"),
    ("held_items", "reply_id"),
)


def upgrade() -> None:
    for table, column in INDEXED:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXED):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
