"""Feeds stored updates to the bot, one user's updates at a time and in order."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.app import BotApplication
from core import inbox
from core.settings import Settings
from models.db import Database

log = logging.getLogger(__name__)


class InboxConsumer:
    """Takes what the webhook stored and hands it to python-telegram-bot's handlers."""

    def __init__(self, application: BotApplication, database: Database, settings: Settings) -> None:
        self._application = application
        self._database = database
        self._lease = settings.inbox_lease_seconds
        self.wakeup = asyncio.Event()

    async def drain_once(self) -> int:
        async with self._database.session() as session:
            batch = await inbox.claim(session, lease_seconds=self._lease)
        for stored in batch:
            await self._handle(stored.update_id, stored.payload)
        return len(batch)

    async def _handle(self, update_id: int, payload: dict[str, object]) -> None:
        try:
            update = Update.de_json(payload, self._application.bot)
        except Exception:
            log.warning("update %s could not be read; dropped", update_id)
            update = None
        if update is not None:
            await self._application.process_update(update)
        async with self._database.session() as session:
            await inbox.mark_handled(session, update_id)
