"""Local development without HTTPS: fetch updates from Telegram and store them as the
webhook would."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from telegram import Bot, Update

from bot import updates
from core import inbox
from core.background import Wakers, retry_delay
from models.db import Database

log = logging.getLogger("confessions")

T = TypeVar("T")


class _Stopped(Exception):
    """`stop` was set while a long poll was still open."""


async def poll(bot: Bot, database: Database, wakers: Wakers, stop: asyncio.Event) -> None:
    """Until `stop`: each batch stored before Telegram is told (by the next offset) that it
    was fetched, so nothing fetched is lost."""
    offset = 0
    failures = 0
    while not stop.is_set():
        try:
            fetched = await _unless_stopped(
                bot.get_updates(offset=offset, timeout=20, allowed_updates=Update.ALL_TYPES),
                stop,
            )
        except _Stopped:
            return
        except Exception as error:
            log.warning("polling failed (%s); retrying", type(error).__name__)
            await asyncio.sleep(3)
            continue
        try:
            async with database.session() as session:
                for update in fetched:
                    await inbox.receive(session, updates.read(update.to_dict()))
        except Exception as error:  # not stored: fetched again, since the offset stays
            failures += 1
            reason = database.unreachable(error)
            if reason is None:
                log.exception("polling could not store updates; retrying")
            else:
                log.warning("polling could not store updates: %s", reason)
            await asyncio.sleep(retry_delay(failures))
            continue
        failures = 0
        if fetched:
            offset = fetched[-1].update_id + 1
            wakers.inbox()


async def _unless_stopped(call: Coroutine[Any, Any, T], stop: asyncio.Event) -> T:
    """A long poll holds for up to 20 seconds; shutting down should not. Abandoning it is
    safe: what it would have fetched is confirmed only by the next offset, so Telegram sends
    it again on the next start."""
    fetch = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if fetch.done():
        stopped.cancel()
        return fetch.result()
    fetch.cancel()
    raise _Stopped
