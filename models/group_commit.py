"""Group commit: writes that arrive together share one transaction.

A commit is a round trip and, on PostgreSQL, a flush of its log to disk; paid once per
write, it is what a busy process spends most on. Each caller here still hears back only
after the transaction holding its write committed, so nothing is reported done before it
is durable, but the commit is paid once per batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

WriteBatch = Callable[[list[Item]], Awaitable[Sequence[Outcome | Exception]]]
"""Writes a batch in one transaction: the outcome of each item, in order (an exception for an
item refused on its own), or raises for the batch as a whole (the database away)."""


class GroupCommit(Generic[Item, Outcome]):
    """At most `writers` batches in flight: whatever arrives meanwhile forms the next batch,
    so under light load a write waits for no one, and under heavy load batches grow by
    themselves."""

    def __init__(
        self, write: WriteBatch[Item, Outcome], *, writers: int = 2, most: int = 500
    ) -> None:
        self._write = write
        self._writers_at_most = writers
        self._most = most
        self._waiting: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._writers: set[asyncio.Task[None]] = set()
        self._writing = 0
        """Writers still taking batches: counted down as one finds none left, in the same
        step, so an item that arrives next always finds a writer or starts one."""

    async def submit(self, item: Item) -> Outcome:
        """Write `item` with whatever arrives beside it; its outcome once that is committed."""
        answer: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._writing < self._writers_at_most:
            self._writing += 1
            writer = asyncio.create_task(self._write_all())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await answer

    async def close(self) -> None:
        """Finish the batches in hand (at shutdown)."""
        await asyncio.gather(*self._writers, return_exceptions=True)

    async def _write_all(self) -> None:
        try:
            await self._write_batches()
        finally:
            self._writing -= 1

    async def _write_batches(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._most]
            del self._waiting[: self._most]
            try:
                outcomes = await self._write([item for item, _ in batch])
            except Exception as error:  # every caller of the batch hears it, at once
                outcomes = [error] * len(batch)
            except BaseException:  # cancelled (shutdown): nobody is told it was written
                for _, answer in batch:
                    answer.cancel()
                raise
            for (_, answer), outcome in zip(batch, outcomes, strict=True):
                if answer.done():
                    continue
                if isinstance(outcome, Exception):
                    answer.set_exception(outcome)
                else:
                    answer.set_result(outcome)
