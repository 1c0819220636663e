"""Work nobody asks for but time: expiring unread confessions, sweeping uploads never used or
left behind by expired upload links, pruning the handled inbox and the finished outbox."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core import lifecycle, limits, media
from core.media import MediaStore
from core.settings import Settings
from models import InboxUpdate, OutboxMessage, OutboxStatus
from models.db import Database
from models.types import utcnow

INBOX_KEPT = timedelta(days=2)


class Housekeeper:
    """Runs its chores every `interval` seconds in whichever processes run it; each is safe to
    run in several processes at once."""

    def __init__(
        self, database: Database, settings: Settings, store: MediaStore, *, interval: float = 60.0
    ) -> None:
        self._database = database
        self._settings = settings
        self._store = store
        self._interval = interval
        self._next_run = 0.0
        self.wakeup = asyncio.Event()

    async def finish(self) -> int:
        """Nothing outlives a drain here."""
        return 0

    async def drain_once(self) -> int:
        if time.monotonic() < self._next_run:
            return 0
        self._next_run = time.monotonic() + self._interval
        async with self._database.session() as session:
            await lifecycle.expire_due(session, self._settings)
            await media.sweep_unattached(session, self._store)
            await media.sweep_uploads(session, self._store, self._settings)
            await session.exec(
                delete(InboxUpdate).where(col(InboxUpdate.handled_at) < utcnow() - INBOX_KEPT)
            )
            await prune_outbox(session, self._settings)
            await limits.forget_old_counters(session)
        return 0


async def prune_outbox(session: AsyncSession, settings: Settings) -> int:
    """Notices sent, failed or dropped more than OUTBOX_KEPT_DAYS ago go: each names the chat
    it went to, and once sent it has no use left beyond answering what happened lately."""
    deadline = utcnow() - timedelta(days=settings.outbox_kept_days)
    result = await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.status) != OutboxStatus.PENDING,
            col(OutboxMessage.created_at) < deadline,
        )
    )
    return int(result.rowcount or 0)
