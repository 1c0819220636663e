"""Feeds stored updates to the bot, one user's updates at a time and in order."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import Update

from bot.app import BotApplication
from bot.errors import handling_failed
from core import inbox, metrics
from core.settings import Settings
from models.db import Database

log = logging.getLogger("confessions.updates")


def update_type(payload: dict[str, Any]) -> str:
    """message, callback_query, inline_query...: the kind, never the content."""
    return next((key for key in payload if key != "update_id"), "empty")


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

    async def _handle(self, update_id: int, payload: dict[str, Any]) -> None:
        kind = update_type(payload)
        started = time.perf_counter()
        outcome = "ok"
        try:
            update = Update.de_json(payload, self._application.bot)
        except Exception:
            update, outcome = None, "unreadable"
        if update is not None:
            handling_failed.set(False)
            await self._application.process_update(update)
            outcome = "error" if handling_failed.get() else "ok"
        async with self._database.session() as session:
            await inbox.mark_handled(session, update_id)
        seconds = time.perf_counter() - started
        metrics.UPDATES.labels(kind, outcome).inc()
        metrics.UPDATE_SECONDS.labels(kind).observe(seconds)
        log.info(
            "update",
            extra={
                "update_id": update_id,
                "type": kind,
                "outcome": outcome,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
