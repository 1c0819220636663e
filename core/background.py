"""The loop shared by the inbox consumer and the outbox worker."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

log = logging.getLogger(__name__)


class Drainer(Protocol):
    wakeup: asyncio.Event

    async def drain_once(self) -> int: ...


async def run_until_stopped(
    drainer: Drainer, stop: asyncio.Event, *, idle_seconds: float = 0.5
) -> None:
    """Drain while there is work; when idle, sleep until woken, stopped or `idle_seconds` pass.

    The timeout is what lets several processes share one queue: another process's
    writes never wake this one, so it looks again on its own.
    """
    while not stop.is_set():
        try:
            done = await drainer.drain_once()
        except Exception:
            log.exception("%s failed a batch; trying again shortly", type(drainer).__name__)
            done = 0
        if done == 0:
            drainer.wakeup.clear()
            await wait_any(stop, drainer.wakeup, seconds=idle_seconds)


async def wait_any(*events: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
