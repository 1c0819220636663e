"""What the limits remember across processes: shared flood counters and word-list penalties."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


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
