"""The durable queues on both sides of Telegram: updates in, Bot API calls out."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow


def _partial_index(name: str, *columns: str, where: str) -> sa.Index:
    """An index of the rows `where` holds for, on PostgreSQL and SQLite alike: a row it
    leaves out costs no write to it."""
    condition = sa.text(where)
    return sa.Index(name, *columns, postgresql_where=condition, sqlite_where=condition)


class InboxUpdate(SQLModel, table=True):
    """An update Telegram gave us; its id as primary key makes a re-sent update a no-op."""

    __tablename__ = "inbox_updates"
    __table_args__ = (
        # an update is written three times (stored, claimed, handled) and each index is a
        # write more: the updates to handle are indexed until handled, the handled ones once
        # handled (for housekeeping), and no index holds the same update on both sides
        _partial_index("ix_inbox_user_due", "user_id", "update_id", where="handled_at IS NULL"),
        _partial_index("ix_inbox_handled", "handled_at", where="handled_at IS NOT NULL"),
        # the claim's scan: the updates still to handle, in order, and nothing else, so no
        # plan can make a claim walk the updates kept after handling
        _partial_index("ix_inbox_due", "update_id", where="handled_at IS NULL"),
    )

    update_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    user_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    payload: dict[str, Any] = Field(sa_type=sa.JSON)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"


class OutboxMessage(SQLModel, table=True):
    """A notice to send through the Bot API, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        # an answer is stored, sent and deleted within a second: the indexes it need not
        # be in leave it out (it is never "sent" while kept, and belongs to no confession)
        _partial_index("ix_outbox_chat_sent", "chat_id", "sent_at", where="kind <> 'answer'"),
        # a chat's pending answers go before anything after them: asked of every entry due
        _partial_index(
            "ix_outbox_pending_answers",
            "chat_id",
            "id",
            where="kind = 'answer' AND status = 'pending'",
        ),
        _partial_index("ix_outbox_confession", "confession_id", where="confession_id IS NOT NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    chat_id: int = Field(sa_type=sa.BigInteger)
    confession_id: int | None = Field(
        default=None, foreign_key="confessions.id", ondelete="CASCADE"
    )
    params: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=enum_column(OutboxStatus))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_error: str | None = Field(default=None, max_length=500)
