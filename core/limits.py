"""How much one person may send, so nobody floods anybody."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import LimitReached
from core.settings import Settings
from models import Confession, Reply, User
from models.types import utcnow


async def check_confessions_today(session: AsyncSession, settings: Settings, sender: User) -> None:
    since = utcnow() - timedelta(days=1)
    sent = await session.exec(
        select(func.count())
        .select_from(Confession)
        .where(Confession.sender_id == sender.id, col(Confession.queued_at) >= since)
    )
    if sent.one() >= settings.confessions_per_day:
        raise LimitReached(limit=settings.confessions_per_day, retry_after=3600)


async def check_reply_rate(session: AsyncSession, settings: Settings, author: User) -> None:
    since = utcnow() - timedelta(minutes=1)
    written = await session.exec(
        select(func.count())
        .select_from(Reply)
        .where(Reply.author_id == author.id, col(Reply.created_at) >= since)
    )
    if written.one() >= settings.replies_per_minute:
        raise LimitReached(limit=settings.replies_per_minute, retry_after=60)
