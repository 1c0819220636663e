"""What follows a reveal: replies, reactions, blocks and reports."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_column, utcnow


class Reply(SQLModel, table=True):
    """One message of the thread under a confession; a blocked sender's is kept from the
    recipient (`withheld_at`), so the block does not show on the sender's side."""

    __tablename__ = "replies"
    __table_args__ = (sa.Index("ix_replies_confession_created", "confession_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    confession_id: int = Field(foreign_key="confessions.id", ondelete="CASCADE")
    author_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, foreign_key="users.id", ondelete="SET NULL", index=True
    )
    from_sender: bool
    text: str = Field(default="", sa_type=sa.Text)
    text_html: str = Field(default="", sa_type=sa.Text)
    media_id: int | None = Field(
        default=None, foreign_key="media.id", ondelete="SET NULL", index=True
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    withheld_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Reaction(SQLModel, table=True):
    __tablename__ = "reactions"
    __table_args__ = (sa.UniqueConstraint("confession_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    confession_id: int = Field(foreign_key="confessions.id", ondelete="CASCADE")
    user_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE", index=True
    )
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Block(SQLModel, table=True):
    """The blocker receives nothing more from the blocked user, who is never named to them.

    The blocker's id is kept (it is their data); the blocked person only as a keyed hash of
    the pair (`core.identity`), so the block outlives their `/deleteme` and names nobody."""

    __tablename__ = "blocks"
    __table_args__ = (sa.UniqueConstraint("blocker_id", "blocked_key"),)

    id: int | None = Field(default=None, primary_key=True)
    blocker_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    blocked_key: str = Field(max_length=64)
    confession_id: int | None = Field(
        default=None, foreign_key="confessions.id", ondelete="SET NULL", index=True
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Ban(SQLModel, table=True):
    """An operator's ban: only a keyed hash of the Telegram id, so it holds after `/deleteme`."""

    __tablename__ = "bans"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    BANNED = "banned"


class Report(SQLModel, table=True):
    """A recipient's report. The sender is kept as the keyed hash a ban needs, so a report
    can still be acted on after either side deleted their data; neither id stays behind."""

    __tablename__ = "reports"
    __table_args__ = (sa.Index("ix_reports_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    confession_id: int | None = Field(
        default=None, foreign_key="confessions.id", ondelete="SET NULL", index=True
    )
    reporter_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, foreign_key="users.id", ondelete="SET NULL", index=True
    )
    reported_key: str = Field(max_length=64)
    status: ReportStatus = Field(default=ReportStatus.OPEN, sa_type=enum_column(ReportStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
