"""Group commit: writes arriving together share a transaction, and none waits for a caller
who may never come."""

from __future__ import annotations

import asyncio

import pytest

from models.group_commit import GroupCommit


class Recorder:
    """A write that keeps the batches it was given and answers each item doubled."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, items: list[int]) -> list[int | Exception]:
        self.batches.append(items)
        await asyncio.sleep(0)
        return [item * 2 for item in items]


async def test_items_arriving_together_are_written_in_one_batch() -> None:
    write = Recorder()
    together = GroupCommit(write, writers=1)

    outcomes = await asyncio.gather(*(together.submit(item) for item in range(10)))

    assert outcomes == [item * 2 for item in range(10)]
    assert write.batches == [list(range(10))]


async def test_an_item_submitted_as_the_last_writer_finishes_is_still_written() -> None:
    """The caller woken by its batch's commit submits again before the writer's task is
    seen as finished: that item must start a writer of its own, not wait for a next caller
    who may never come (the webhook's last update of a burst, waiting for the next one)."""
    write = Recorder()
    together = GroupCommit(write, writers=1)

    async def twice() -> int:
        await together.submit(1)
        return await together.submit(2)

    assert await asyncio.wait_for(twice(), timeout=5) == 4
    assert write.batches == [[1], [2]]


async def test_an_item_refused_alone_fails_alone() -> None:
    async def refuse_odd(items: list[int]) -> list[int | Exception]:
        return [ValueError(item) if item % 2 else item for item in items]

    together = GroupCommit(refuse_odd)

    outcomes = await asyncio.gather(
        *(together.submit(item) for item in range(4)), return_exceptions=True
    )

    assert outcomes[0::2] == [0, 2]
    assert all(isinstance(outcome, ValueError) for outcome in outcomes[1::2])


async def test_a_failed_batch_fails_every_caller_in_it() -> None:
    async def away(items: list[int]) -> list[int | Exception]:
        raise ConnectionError("database away")

    together = GroupCommit(away)

    outcomes = await asyncio.gather(
        *(together.submit(item) for item in range(3)), return_exceptions=True
    )

    assert [type(outcome) for outcome in outcomes] == [ConnectionError] * 3


async def test_no_batch_is_larger_than_its_most() -> None:
    write = Recorder()
    together = GroupCommit(write, writers=1, most=4)

    await asyncio.gather(*(together.submit(item) for item in range(10)))

    assert [len(batch) for batch in write.batches] == [4, 4, 2]


@pytest.mark.parametrize("writers", [1, 2])
async def test_at_most_writers_batches_are_in_flight(writers: int) -> None:
    in_flight = 0
    most_in_flight = 0

    async def slow(items: list[int]) -> list[int | Exception]:
        nonlocal in_flight, most_in_flight
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return list(items)

    together = GroupCommit(slow, writers=writers)

    submitted = []
    for item in range(20):
        submitted.append(asyncio.ensure_future(together.submit(item)))
        await asyncio.sleep(0.002)
    await asyncio.gather(*submitted)

    assert most_in_flight == writers
