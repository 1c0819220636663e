"""What follows a reveal: replies, reactions, blocks and reports."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow


class Reply(SQLModel, table=True):
    """One message of the anonymous thread under a confession."""

    __tablename__ = "replies"
    __table_args__ = (sa.Index("ix_replies_confession_created", "confession_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    confession_id: int = Field(foreign_key="confessions.id", ondelete="CASCADE")
    author_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, foreign_key="users.id", ondelete="SET NULL"
    )
    from_sender: bool
    text: str = Field(default="", sa_type=sa.Text)
    text_html: str = Field(default="", sa_type=sa.Text)
    media_id: int | None = Field(default=None, foreign_key="media.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reaction(SQLModel, table=True):
    __tablename__ = "reactions"
    __table_args__ = (sa.UniqueConstraint("confession_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    confession_id: int = Field(foreign_key="confessions.id", ondelete="CASCADE")
    user_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Block(SQLModel, table=True):
    """The blocker receives nothing more from the blocked user, who is never named to them."""

    __tablename__ = "blocks"
    __table_args__ = (sa.UniqueConstraint("blocker_id", "blocked_id"),)

    id: int | None = Field(default=None, primary_key=True)
    blocker_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    blocked_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    confession_id: int | None = Field(
        default=None, foreign_key="confessions.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    BANNED = "banned"


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (sa.Index("ix_reports_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    confession_id: int = Field(foreign_key="confessions.id", ondelete="CASCADE")
    reporter_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    status: ReportStatus = Field(default=ReportStatus.OPEN, sa_type=enum_column(ReportStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
