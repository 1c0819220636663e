"""Confessions, their lifecycle and their mini-app style."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, new_public_id, utcnow


class ConfessionStatus(enum.StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    DELIVERED = "delivered"
    REVEALED = "revealed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


UNREAD = frozenset({ConfessionStatus.QUEUED, ConfessionStatus.DELIVERED})
"""Sent and not opened yet: the recipient has read nothing, so it may still be revealed,
taken back, changed, or expire."""


class ComposeStep(enum.StrEnum):
    """Where a draft's composition stands; stored so any process can take the next update."""

    RECIPIENT = "recipient"
    TEXT = "text"
    MEDIA = "media"
    SIGNATURE = "signature"
    HINT = "hint"
    PREVIEW = "preview"


class Signature(enum.StrEnum):
    ANONYMOUS = "anonymous"
    HINT = "hint"
    SIGNED = "signed"


class Confession(SQLModel, table=True):
    __tablename__ = "confessions"
    __table_args__ = (
        sa.Index("ix_confessions_sender_created", "sender_id", "created_at"),
        # a sender's drafts, dropped at every /new
        sa.Index("ix_confessions_sender_status", "sender_id", "status"),
        sa.Index("ix_confessions_recipient_created", "recipient_id", "created_at"),
        sa.Index("ix_confessions_status_queued", "status", "queued_at"),
        sa.Index("ix_confessions_recipient_username", "recipient_username_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=24, unique=True)
    sender_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    recipient_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, foreign_key="users.id", ondelete="SET NULL"
    )
    recipient_username_key: str | None = Field(default=None, max_length=64)
    status: ConfessionStatus = Field(
        default=ConfessionStatus.DRAFT, sa_type=enum_column(ConfessionStatus)
    )
    compose_step: ComposeStep | None = Field(
        default=ComposeStep.RECIPIENT, sa_type=enum_column(ComposeStep)
    )
    compose_review: bool = Field(default=False, description="editing from the preview")
    text: str = Field(default="", sa_type=sa.Text)
    text_html: str = Field(default="", sa_type=sa.Text)
    signature: Signature = Field(default=Signature.ANONYMOUS, sa_type=enum_column(Signature))
    hint: str | None = Field(default=None, max_length=500)
    media_id: int | None = Field(
        default=None, foreign_key="media.id", ondelete="SET NULL", index=True
    )
    delivery_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    delivery_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revealed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    matched_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="the recipient confessed back"
    )
    withheld_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="the recipient blocked its sender"
    )
    reveal_if_mutual: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": sa.false()},
        description="the sender agreed to be named if the recipient confessed back the same way",
    )


class ConfessionStyle(SQLModel, table=True):
    """How the mini app dresses a confession; one row per confession, defaults until edited."""

    __tablename__ = "confession_styles"

    confession_id: int = Field(foreign_key="confessions.id", primary_key=True, ondelete="CASCADE")
    theme: str = Field(default="classic", max_length=32)
    accent_color: str = Field(default="#e2506b", max_length=7)
    font: str = Field(default="serif", max_length=32)
    animation: str = Field(default="envelope", max_length=32)
    background_kind: str = Field(default="theme", max_length=16)
    background_value: str | None = Field(default=None, max_length=64)
    decoration: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
