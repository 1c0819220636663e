"""How much one person may send, so nobody floods anybody."""

from __future__ import annotations

import time
from collections import defaultdict, deque
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


class Throttle:
    """At most `per_minute` actions per key in any minute, counted in this process.

    A soft guard against floods: counters live in memory, so each process counts alone and a
    restart forgets them; the durable limits above are the ones that protect recipients.
    """

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    def check(self, key: int, *, now: float | None = None) -> None:
        """Count one action; raises LimitReached with the seconds until the next is allowed."""
        moment = time.monotonic() if now is None else now
        window = self._seen[key]
        while window and window[0] <= moment - 60:
            window.popleft()
        if len(window) >= self._per_minute:
            raise LimitReached(
                limit=self._per_minute, retry_after=max(1, int(window[0] + 60 - moment) + 1)
            )
        window.append(moment)
        if len(self._seen) > 100_000:
            self._forget_idle(moment)

    def _forget_idle(self, moment: float) -> None:
        for key in [k for k, w in self._seen.items() if not w or w[-1] <= moment - 60]:
            del self._seen[key]
