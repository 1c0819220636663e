"""The loop shared by the inbox consumer, the outbox worker and housekeeping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
LAST_RETRY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Wakers:
    """The one way to start background work at once instead of on its next look: the wiring
    makes one and hands it to the web app and the bot. In a process without background work
    nothing waits on it, and a worker elsewhere finds the work on its own next look."""

    inbox_event: asyncio.Event = field(default_factory=asyncio.Event)
    """What the inbox consumer waits on."""
    outbox_event: asyncio.Event = field(default_factory=asyncio.Event)
    """What the outbox worker waits on."""

    def inbox(self) -> None:
        """An update was stored: the bot's consumer takes it now."""
        self.inbox_event.set()

    def outbox(self) -> None:
        """Notices or replies were committed to the outbox: the worker sends them now."""
        self.outbox_event.set()


class Drainer(Protocol):
    wakeup: asyncio.Event

    async def drain_once(self) -> int: ...

    async def finish(self) -> int:
        """Wait for whatever a drain left running; returns how much that was."""
        ...


def retry_delay(failures: int) -> float:
    """1 s after the first failure in a row, doubling up to 30 s."""
    return min(LAST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2.0 ** max(0, failures - 1))


async def run_until_stopped(
    drainer: Drainer,
    stop: asyncio.Event,
    *,
    idle_seconds: float = 0.5,
    explain: Callable[[BaseException], str | None] = lambda _error: None,
) -> None:
    """Drain while there is work; when idle, sleep until woken, stopped or `idle_seconds` pass.

    The timeout is what lets several processes share one queue: another process's
    writes never wake this one, so it looks again on its own. A failed batch waits longer
    after each failure in a row, so a database that is away gets a line per try, not a flood;
    `explain` turns a known failure (the database unreachable) into that one line, and
    anything else keeps its traceback.
    """
    try:
        await _drain_until_stopped(drainer, stop, idle_seconds, explain)
    finally:
        try:
            await drainer.finish()
        except Exception:
            log.exception("%s failed while finishing", type(drainer).__name__)


async def _drain_until_stopped(
    drainer: Drainer,
    stop: asyncio.Event,
    idle_seconds: float,
    explain: Callable[[BaseException], str | None],
) -> None:
    name = type(drainer).__name__
    failures = 0
    while not stop.is_set():
        # cleared before the look, not after: work stored while it runs wakes the next one
        drainer.wakeup.clear()
        try:
            done = await drainer.drain_once()
        except Exception as error:
            failures += 1
            delay = retry_delay(failures)
            known = explain(error)
            if known is not None:
                log.warning("%s: %s; next try in %.0f s", name, known, delay)
            else:
                log.exception("%s failed a batch; next try in %.0f s", name, delay)
            await wait_any(stop, seconds=delay)
            continue
        failures = 0
        if done == 0:
            await wait_any(stop, drainer.wakeup, seconds=idle_seconds)


async def wait_any(*events: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
