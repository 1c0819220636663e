"""The loop the inbox consumer and the outbox worker share (`core.background`): it looks
for work while there is some, and between looks sleeps until woken."""

from __future__ import annotations

import asyncio
import time

from core.background import run_until_stopped


class Queue:
    """A queue the loop drains, with `found` the work each look finds in turn (then none),
    and `stored_during` the looks during which new work is stored (its wake-up set)."""

    def __init__(self, found: list[int], *, stored_during: set[int] | None = None) -> None:
        self.wakeup = asyncio.Event()
        self.looks = 0
        self._found = found
        self._stored_during = stored_during or set()

    async def drain_once(self) -> int:
        self.looks += 1
        await asyncio.sleep(0)
        if self.looks in self._stored_during:
            self.wakeup.set()
        return self._found[self.looks - 1] if self.looks <= len(self._found) else 0

    async def finish(self) -> int:
        return 0


async def looks_within(queue: Queue, seconds: float, *, idle_seconds: float) -> int:
    stop = asyncio.Event()
    loop = asyncio.create_task(run_until_stopped(queue, stop, idle_seconds=idle_seconds))
    await asyncio.sleep(seconds)
    stop.set()
    await loop
    return queue.looks


async def looks_and_seconds(
    queue: Queue, seconds: float, *, idle_seconds: float
) -> tuple[int, float]:
    """The looks, and the seconds they really had: on a busy machine a sleep runs late."""
    started = time.monotonic()
    looks = await looks_within(queue, seconds, idle_seconds=idle_seconds)
    return looks, time.monotonic() - started


async def test_work_stored_during_a_look_that_found_none_is_taken_at_once() -> None:
    """Its wake-up came while the look was under way: the loop must not sleep past it."""
    queue = Queue([0, 1], stored_during={1})

    looks = await looks_within(queue, 0.5, idle_seconds=60)

    assert looks >= 2, "the work stored during the first look waited for the idle timeout"


async def test_an_idle_queue_is_looked_at_once_per_idle_period() -> None:
    queue = Queue([])

    looks, seconds = await looks_and_seconds(queue, 0.5, idle_seconds=0.2)

    assert 2 <= looks <= seconds / 0.2 + 1, "not a busy loop"


async def test_a_queue_with_work_is_looked_at_again_without_sleeping() -> None:
    queue = Queue([1, 1, 1])

    looks = await looks_within(queue, 0.5, idle_seconds=60)

    assert looks == 4, "three looks that found work, then one that found none"
