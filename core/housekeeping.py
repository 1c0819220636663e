"""Work nobody asks for but time: expiring unread confessions, sweeping uploads never used,
pruning the handled inbox."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import col

from core import lifecycle, limits, media
from core.media import MediaStore
from core.settings import Settings
from models import InboxUpdate
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

    async def drain_once(self) -> int:
        if time.monotonic() < self._next_run:
            return 0
        self._next_run = time.monotonic() + self._interval
        async with self._database.session() as session:
            await lifecycle.expire_due(session, self._settings)
            await media.sweep_unattached(session, self._store)
            await session.exec(
                delete(InboxUpdate).where(col(InboxUpdate.handled_at) < utcnow() - INBOX_KEPT)
            )
            await limits.forget_old_counters(session)
        return 0
