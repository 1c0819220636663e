"""fewer index entries for every update and every answer: each index on the inbox and the
outbox is a write more for every row, and every update is written three times and every
answer stored and deleted within a second. The updates to handle and the handled ones are
indexed apart (a handled update keeps no sender, as it keeps no payload); an answer is left
out of the indexes of sent notices and of confessions' notices

Revision ID: 0009_lean_queue_indexes
Revises: 0008_inbox_due
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009_lean_queue_indexes"
down_revision: str | None = "0008_inbox_due"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNHANDLED = sa.text("handled_at IS NULL")
HANDLED = sa.text("handled_at IS NOT NULL")
NOT_ANSWER = sa.text("kind <> 'answer'")
OF_A_CONFESSION = sa.text("confession_id IS NOT NULL")


def _partial(name: str, table: str, columns: list[str], where: sa.TextClause) -> None:
    op.create_index(name, table, columns, postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    op.execute("UPDATE inbox_updates SET user_id = NULL WHERE handled_at IS NOT NULL")
    op.drop_index("ix_inbox_user_pending", table_name="inbox_updates")
    op.drop_index("ix_inbox_pending", table_name="inbox_updates")
    _partial("ix_inbox_user_due", "inbox_updates", ["user_id", "update_id"], UNHANDLED)
    _partial("ix_inbox_handled", "inbox_updates", ["handled_at"], HANDLED)
    op.drop_index("ix_outbox_chat_sent", table_name="outbox")
    op.drop_index("ix_outbox_confession", table_name="outbox")
    _partial("ix_outbox_chat_sent", "outbox", ["chat_id", "sent_at"], NOT_ANSWER)
    _partial("ix_outbox_confession", "outbox", ["confession_id"], OF_A_CONFESSION)


def downgrade() -> None:
    op.drop_index("ix_outbox_confession", table_name="outbox")
    op.drop_index("ix_outbox_chat_sent", table_name="outbox")
    op.create_index("ix_outbox_confession", "outbox", ["confession_id"])
    op.create_index("ix_outbox_chat_sent", "outbox", ["chat_id", "sent_at"])
    op.drop_index("ix_inbox_handled", table_name="inbox_updates")
    op.drop_index("ix_inbox_user_due", table_name="inbox_updates")
    op.create_index("ix_inbox_pending", "inbox_updates", ["handled_at", "update_id"])
    op.create_index("ix_inbox_user_pending", "inbox_updates", ["user_id", "handled_at"])
