"""Pooled PostgreSQL connections: no round trip per checkout, yet a connection the server
closed, or one a statement failed or was cancelled on, is never handed to a request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    bindparam,
    create_engine,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import Database, sync_url

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(database_url: URL) -> AsyncIterator[Database]:
    opened = Database(database_url, max_connections=8)
    yield opened
    await opened.dispose()


async def backend_pid(database: Database, *, reading: bool) -> int:
    if reading:
        async with database.reading() as session:
            return int((await session.exec(text("SELECT pg_backend_pid()"))).one()[0])  # type: ignore[call-overload]
    async with database.session() as session:
        return int((await session.exec(text("SELECT pg_backend_pid()"))).one()[0])  # type: ignore[call-overload]


def terminate(database_url: URL, *pids: int) -> None:
    """What a PostgreSQL restart does to every connection: the backend says FATAL and hangs up."""
    admin = create_engine(sync_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


async def test_a_checkout_costs_no_round_trip(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await backend_pid(database, reading=True)
    await backend_pid(database, reading=False)
    pings: list[object] = []
    for engine in (database.engine, database.autocommit_engine):
        monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(connection))

    for _ in range(5):
        await backend_pid(database, reading=True)
        await backend_pid(database, reading=False)

    assert pings == []


@pytest.mark.parametrize("reading", [True, False], ids=["read", "unit of work"])
async def test_a_connection_the_server_closed_is_replaced_before_a_request_uses_it(
    database: Database, database_url: URL, *, reading: bool
) -> None:
    before = await backend_pid(database, reading=reading)
    terminate(database_url, before)
    await asyncio.sleep(0.2)  # the backend's goodbye crosses loopback

    after = await backend_pid(database, reading=reading)

    assert after != before


async def test_every_pooled_connection_the_server_closed_is_replaced(
    database: Database, database_url: URL
) -> None:
    async def hold_two() -> list[int]:
        async with database.reading() as first, database.reading() as second:
            return [
                int((await session.exec(text("SELECT pg_backend_pid()"))).one()[0])  # type: ignore[call-overload]
                for session in (first, second)
            ]

    pooled = await hold_two()
    terminate(database_url, *pooled)
    await asyncio.sleep(0.2)

    fresh = await hold_two()

    assert set(fresh).isdisjoint(pooled)


BACKEND_PID = select(func.pg_backend_pid())
SLEEP = select(func.pg_sleep(bindparam("seconds", type_=Float)))
DIVIDE_BY_ZERO = select(literal_column("1") / literal_column("0"))


async def read_pid(database: Database) -> int:
    """A read on the driver, as the mini app's busiest ones are made (`Database.execute`)."""
    [(pid,)] = await database.execute(BACKEND_PID, {})
    return int(pid)


async def test_a_read_on_the_driver_replaces_a_connection_the_server_closed(
    database: Database, database_url: URL
) -> None:
    before = await read_pid(database)
    terminate(database_url, before)
    await asyncio.sleep(0.2)

    after = await read_pid(database)

    assert after != before


async def test_a_failed_statement_leaves_the_next_read_a_working_connection(
    database: Database,
) -> None:
    await read_pid(database)
    with pytest.raises(DBAPIError):
        await database.execute(DIVIDE_BY_ZERO, {})

    assert await read_pid(database) > 0


async def test_a_read_cancelled_midway_leaves_the_next_one_a_free_connection(
    database: Database,
) -> None:
    slow = asyncio.create_task(database.execute(SLEEP, {"seconds": 30}))
    await asyncio.sleep(0.5)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow

    assert await asyncio.wait_for(read_pid(database), timeout=5) > 0


async def test_reads_wait_for_a_free_connection_and_give_up_after_the_timeout(
    database_url: URL,
) -> None:
    one = Database(database_url, max_connections=4, connect_timeout=1)
    try:
        busy = asyncio.create_task(one.execute(SLEEP, {"seconds": 3}))
        await asyncio.sleep(0.3)

        with pytest.raises(PoolTimeout):
            await read_pid(one)
        await busy
        assert await read_pid(one) > 0
    finally:
        await one.dispose()


def connections_named(database_url: URL, name: str) -> int:
    admin = create_engine(sync_url(database_url), poolclass=NullPool)
    with admin.connect() as connection:
        counted = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": name},
        ).scalar_one()
    admin.dispose()
    return int(counted)


async def test_a_process_opens_no_more_connections_than_its_budget_however_busy(
    database_url: URL,
) -> None:
    """PostgreSQL refuses clients past its own max_connections: every pool of the process
    shares `max_connections`, and work past a pool's share waits for a connection."""
    name = f"budget-{uuid4().hex[:12]}"
    budgeted = Database(
        database_url.update_query_dict({"application_name": name}), max_connections=8
    )
    pause = select(func.pg_sleep(0.3))

    async def in_session(opened: Callable[[], AbstractAsyncContextManager[AsyncSession]]) -> None:
        async with opened() as session:
            await session.exec(pause)  # type: ignore[call-overload]

    every_kind = [
        *(budgeted.execute(SLEEP, {"seconds": 0.3}) for _ in range(6)),
        *(in_session(budgeted.reading) for _ in range(6)),
        *(in_session(budgeted.session) for _ in range(6)),
        *(in_session(budgeted.unit_of_work) for _ in range(6)),
    ]
    try:
        busy = asyncio.gather(*every_kind)
        seen: list[int] = []
        while not busy.done():
            seen.append(await asyncio.to_thread(connections_named, database_url, name))
            await asyncio.sleep(0.05)
        await busy
    finally:
        await budgeted.dispose()

    assert max(seen) == 8


def test_a_budget_too_small_for_every_pool_is_refused(database_url: URL) -> None:
    with pytest.raises(ValueError, match="at least 4"):
        Database(database_url, max_connections=3)


NUMBERED: Select[str, int] = select(
    literal_column("'a'", String).label("word"), bindparam("n", type_=Integer).label("number")
)
STAMPED: Select[datetime, Any] = select(func.now().label("at"), literal_column("2.5").label("half"))


async def test_statements_of_other_shapes_take_turns_on_one_pooled_connection(
    database_url: URL,
) -> None:
    """Each pooled connection keeps one cursor for every statement run on it: what one
    statement's columns were must not shape how the next one's are read."""
    one = Database(database_url, max_connections=4)
    try:
        for n in range(8):  # past the count at which the driver prepares a statement
            assert await one.execute(NUMBERED, {"n": n}) == [("a", n)]
            [(at, half)] = await one.execute(STAMPED, {})
            assert isinstance(at, datetime)
            assert at.tzinfo is not None
            assert half == Decimal("2.5")
    finally:
        await one.dispose()
