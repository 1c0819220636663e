"""Feeds stored updates to the bot, one user's updates at a time and in order."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import Update

from bot.app import BotApplication
from bot.calls import say
from bot.context import (
    DEPS_KEY,
    BotDeps,
    UpdateWork,
    abandon_parked,
    answer_held_button,
    commit_parked,
    current_update,
)
from bot.handler import handling_failed
from bot.i18n import t
from core import inbox, metrics
from core.errors import LimitReached
from core.limits import SharedThrottle
from core.settings import Settings
from models.db import Database

log = logging.getLogger("confessions.updates")


def update_type(payload: dict[str, Any]) -> str:
    """message, callback_query, inline_query...: the kind, never the content."""
    return next((key for key in payload if key != "update_id"), "empty")


BATCH_SIZE = 8
"""Updates handled at once: each claimed update belongs to a different user (the claim takes a
user's oldest only), so they may run side by side; each holds a database connection."""


class InboxConsumer:
    """Takes what the webhook stored and hands it to python-telegram-bot's handlers."""

    def __init__(
        self,
        application: BotApplication,
        database: Database,
        settings: Settings,
        *,
        wakeup: asyncio.Event | None = None,
    ) -> None:
        self._application = application
        self._database = database
        self._lease = settings.inbox_lease_seconds
        self._throttle = SharedThrottle(
            database, scope="bot", per_minute=settings.bot_updates_per_minute
        )
        self._warned: dict[int, float] = {}
        self.wakeup = wakeup or asyncio.Event()

    async def finish(self) -> int:
        """Nothing outlives a drain here."""
        return 0

    async def drain_once(self) -> int:
        """Claim a batch and handle it concurrently.

        Each update is marked handled in its turn's own transaction, with its answers, as
        soon as that turn is done; what had no turn (no handler, throttled, unreadable, an
        error) is marked here, the batch's marks sent at once. An update whose handling
        raised stays leased and is taken again after the lease."""
        batch = await inbox.claim(self._database, lease_seconds=self._lease, limit=BATCH_SIZE)
        outcomes = await asyncio.gather(
            *(self._handle(stored.update_id, stored.payload) for stored in batch),
            return_exceptions=True,
        )
        unmarked = [
            stored.update_id
            for stored, outcome in zip(batch, outcomes, strict=True)
            if outcome is False
        ]
        if unmarked:
            await inbox.mark_handled_apart(self._database, unmarked)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return len(batch)

    async def _handle(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Whether the update's handled mark was committed with its turn."""
        work = UpdateWork(update_id)
        current_update.set(work)  # each update runs in a task, with a context, of its own
        try:
            await self._process(update_id, payload)
        except BaseException as error:
            await abandon_parked(work, error)
            raise
        await commit_parked(work)
        await answer_held_button()
        if work.notices_queued:
            dependencies: BotDeps = self._application.bot_data[DEPS_KEY]
            dependencies.wakers.outbox()
        return work.handled

    async def _process(self, update_id: int, payload: dict[str, Any]) -> None:
        kind = update_type(payload)
        started = time.perf_counter()
        outcome = "ok"
        try:
            update = Update.de_json(payload, self._application.bot)
        except Exception:
            update, outcome = None, "unreadable"
        if update is not None and await self._flooding(update):
            outcome = "throttled"
        elif update is not None:
            handling_failed.set(False)
            await self._application.process_update(update)
            outcome = "error" if handling_failed.get() else "ok"
        seconds = time.perf_counter() - started
        metrics.updates_counted(kind, outcome).inc()
        metrics.update_timed(kind).observe(seconds)
        log.info(
            "update",
            extra={
                "update_id": update_id,
                "type": kind,
                "outcome": outcome,
                "duration_ms": round(seconds * 1000, 1),
            },
        )

    async def _flooding(self, update: Update) -> bool:
        """Past the per-user limit an update is dropped before any handler sees it; the user
        hears why once a minute."""
        user = update.effective_user
        if user is None:
            return False
        try:
            await self._throttle.check(user.id)
        except LimitReached as limit:
            now = time.monotonic()
            if now - self._warned.get(user.id, 0.0) > 60:
                self._warned[user.id] = now
                text = t(
                    user.language_code, "error.slow_down", seconds=limit.details["retry_after"]
                )
                dependencies: BotDeps = self._application.bot_data[DEPS_KEY]
                await dependencies.sender.send(say(user.id, text))
            return True
        return False
