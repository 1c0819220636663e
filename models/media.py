"""Photos, videos and voice notes attached to confessions and replies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, new_public_id, utcnow


class Media(SQLModel, table=True):
    __tablename__ = "media"
    __table_args__ = (
        sa.Index("ix_media_owner_created", "owner_id", "created_at"),
        sa.Index("ix_media_unattached", "attached_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=24, unique=True)
    owner_id: int = Field(sa_type=sa.BigInteger, foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=16, description="photo, video, animation, voice, video_note")
    content_type: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = Field(default=None, sa_type=sa.BigInteger)
    upload_reserved_bytes: int = Field(
        default=0,
        sa_type=sa.BigInteger,
        sa_column_kwargs={"server_default": "0"},
        description="Quota held for an upload link that can still write: its cap, until the "
        "link has expired (on S3 even once completed: a presigned POST cannot be revoked)",
    )
    storage_key: str | None = Field(default=None, max_length=255)
    thumbnail_key: str | None = Field(default=None, max_length=255)
    telegram_file_id: str | None = Field(default=None, max_length=255)
    telegram_file_unique_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
