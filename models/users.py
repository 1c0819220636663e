"""Telegram users as the product knows them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class User(SQLModel, table=True):
    """A Telegram user; the id is Telegram's own, so nobody registers."""

    __tablename__ = "users"

    id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    username: str | None = Field(default=None, max_length=64)
    username_key: str | None = Field(default=None, max_length=64, index=True)
    first_name: str = Field(default="", max_length=128)
    last_name: str | None = Field(default=None, max_length=128)
    language_code: str | None = Field(default=None, max_length=16)
    can_message: bool = Field(default=False, description="started the bot and has not blocked it")
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    chat_state: str | None = Field(default=None, max_length=32)
    chat_state_ref: int | None = Field(default=None, sa_type=sa.BigInteger)
    prompt_message_id: int | None = Field(
        default=None,
        sa_type=sa.BigInteger,
        description="the chat's current step prompt with buttons, to take them away once done",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.username)


def display_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """What a person is called to others: their name as Telegram gave it, else their
    username; for a read that has only these columns, not the whole user."""
    return " ".join(part for part in (first_name, last_name) if part) or (
        f"@{username}" if username else "Someone"
    )
