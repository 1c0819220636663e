"""Pooled PostgreSQL connections: no round trip per checkout, yet a connection the server
closed is never handed to a request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from models.db import Database, sync_url

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(database_url: URL) -> AsyncIterator[Database]:
    opened = Database(database_url, pool_size=2, max_overflow=0)
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
