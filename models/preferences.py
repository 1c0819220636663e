"""What each person lets reach them: who may confess to them, and the words they keep out."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow


class WhoMaySend(enum.StrEnum):
    EVERYONE = "everyone"
    """Anyone; a stranger's first confession comes as a request to accept or decline."""
    THREADS = "threads"
    """Only people they already have a thread with."""
    NOBODY = "nobody"
    """The inbox is paused."""


class Preferences(SQLModel, table=True):
    """One row per person who changed a default; no row means the defaults."""

    __tablename__ = "user_preferences"

    user_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="users.id", primary_key=True, ondelete="CASCADE"
    )
    who_may_send: WhoMaySend = Field(default=WhoMaySend.EVERYONE, sa_type=enum_column(WhoMaySend))
    filter_words: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HoldReason(enum.StrEnum):
    REQUEST = "request"
    """A stranger's first confession: shown as a request, delivered only once accepted."""
    SETTING = "setting"
    """Refused by who-may-send; kept, silently, where only the recipient can find it."""
    FILTER = "filter"
    """Contains one of the recipient's filter words."""


class HoldDecision(enum.StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class HeldItem(SQLModel, table=True):
    """A confession or reply kept from its recipient's notices; its sender is never told."""

    __tablename__ = "held_items"
    __table_args__ = (
        sa.Index("ix_held_holder_created", "holder_id", "created_at"),
        sa.Index("ix_held_confession", "confession_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    holder_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    confession_id: int = Field(foreign_key="confessions.id", ondelete="CASCADE")
    reply_id: int | None = Field(
        default=None, foreign_key="replies.id", ondelete="CASCADE", index=True
    )
    reason: HoldReason = Field(sa_type=enum_column(HoldReason))
    decision: HoldDecision | None = Field(default=None, sa_type=enum_column(HoldDecision))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
