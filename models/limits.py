"""What the limits remember across processes: shared flood counters, word-list penalties, and
what someone who deleted their data had already spent."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow


class RateCounter(SQLModel, table=True):
    """Actions of one subject in one clock minute, shared by every process on the database.

    Processes add to `count` in batches (see `core.limits.SharedThrottle`), so it is what was
    handed out, not what was spent. Rows older than a couple of minutes are swept."""

    __tablename__ = "rate_counters"

    scope: str = Field(max_length=16, primary_key=True)
    subject: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    window_start: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    """Seconds since the epoch at the start of the minute counted."""
    count: int = 0


class LimitPenalty(SQLModel, table=True):
    """A confession sent in spite of the operator's word list: for a day, the sender's
    limits are halved once for each of these."""

    __tablename__ = "limit_penalties"
    __table_args__ = (sa.Index("ix_limit_penalties_user_imposed", "user_id", "imposed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    imposed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SpentKind(enum.StrEnum):
    CONFESSION = "confession"
    REPLY = "reply"
    PENALTY = "penalty"


class SpentAllowance(SQLModel, table=True):
    """One confession, reply or penalty of someone who has since deleted their data, kept
    until the limit it counts towards no longer looks back at it, so that `/deleteme` does
    not start the limits afresh. It names nobody: `key` is a keyed hash of the person, and
    the recipient of a confession is kept only as keyed hashes of the sender and recipient
    pair (`core.limits`)."""

    __tablename__ = "spent_allowances"
    __table_args__ = (sa.Index("ix_spent_allowances_key_kind_at", "key", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    kind: SpentKind = Field(sa_type=enum_column(SpentKind))
    at: datetime = Field(sa_type=UTCDateTime)
    """When the confession was sent, the reply written or the penalty imposed."""
    to_key: str | None = Field(default=None, max_length=64)
    """A confession's sender and recipient, where the recipient was somebody."""
    to_name_key: str | None = Field(default=None, max_length=64)
    """A confession's sender and the @username it was addressed to, where it was."""
