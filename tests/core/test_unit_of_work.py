"""A unit of work begun at its first write (`Database.unit_of_work`), as a turn runs in one:
all or nothing once it writes, no transaction held open while it only reads, and a lock
taken by a read held to its commit."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from models.db import Database, get_in, last_write
from tests.core.renames import (
    Rename,
    a_user,
    by_object,
    by_statement,
    first_name,
)


async def by_flush(session: AsyncSession, user_id: int) -> None:
    user = await session.get(User, user_id)
    assert user is not None
    user.first_name = "Mallory"
    await session.flush()


async def both_renamed_then_failed(database: Database, rename: Rename) -> None:
    async with database.unit_of_work() as session:
        await rename(session, 7)
        await rename(session, 8)
        raise RuntimeError("the turn failed")


@pytest.mark.parametrize("rename", [by_statement, by_object, by_flush])
async def test_a_unit_that_fails_after_its_first_write_leaves_no_trace(
    database: Database, rename: Rename
) -> None:
    await a_user(database, 7)
    await a_user(database, 8)

    with pytest.raises(RuntimeError, match="the turn failed"):
        await both_renamed_then_failed(database, rename)

    assert [await first_name(database, 7), await first_name(database, 8)] == ["Ann", "Ann"]


async def test_a_units_last_write_is_committed_with_the_writes_before_it(
    database: Database,
) -> None:
    await a_user(database, 7)
    await a_user(database, 8)

    async with database.unit_of_work() as session:
        await by_statement(session, 7)
        async with last_write(session):
            await by_statement(session, 8)

    assert [await first_name(database, 7), await first_name(database, 8)] == [
        "Mallory",
        "Mallory",
    ]


async def test_a_unit_whose_one_write_is_its_last_commits_it(database: Database) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        assert await session.get(User, 7) is not None
        async with last_write(session):
            await by_statement(session, 7)

    assert await first_name(database, 7) == "Mallory"


async def backend_state(db_engine: Engine, session: AsyncSession) -> str:
    """What PostgreSQL says the session's connection is doing, asked on another."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    pid = raw.driver_connection.info.backend_pid  # type: ignore[union-attr]
    with db_engine.connect() as watcher:
        state = watcher.execute(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar_one()
    return str(state)


@pytest.mark.postgres
async def test_a_unit_that_has_only_read_holds_no_transaction_open(
    database: Database, db_engine: Engine
) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await get_in(session, User, 7)
        await session.exec(select(User).where(col(User.id) == 7))
        while_reading = await backend_state(db_engine, session)
        await by_statement(session, 7)
        once_written = await backend_state(db_engine, session)

    assert (while_reading, once_written) == ("idle", "idle in transaction")


@pytest.mark.postgres
async def test_a_locking_read_holds_its_lock_until_the_unit_commits(
    database: Database, db_engine: Engine
) -> None:
    await a_user(database, 7)
    locked = select(User.id).where(col(User.id) == 7).with_for_update()

    async with database.unit_of_work() as session:
        await session.exec(locked)
        with db_engine.connect() as other, pytest.raises(Exception, match="could not obtain"):
            other.execute(text("SELECT id FROM users WHERE id = 7 FOR UPDATE NOWAIT"))


@pytest.mark.postgres
async def test_the_next_unit_on_a_connection_starts_without_a_transaction(
    clean_database: URL, db_engine: Engine
) -> None:
    database = Database(clean_database, max_connections=4)
    try:
        await a_user(database, 7)
        async with database.unit_of_work() as session:
            await by_statement(session, 7)  # this one began a transaction, and committed it

        async with database.unit_of_work() as session:
            await get_in(session, User, 8)
            state = await backend_state(db_engine, session)
    finally:
        await database.dispose()

    assert state == "idle"


async def written_after_the_last_write(database: Database, rename: Rename) -> None:
    async with database.unit_of_work() as session:
        async with last_write(session):
            await by_statement(session, 7)
        await rename(session, 7)


@pytest.mark.postgres
@pytest.mark.parametrize("rename", [by_statement, by_flush])
async def test_a_write_after_the_units_last_is_refused(database: Database, rename: Rename) -> None:
    await a_user(database, 7)

    with pytest.raises(RuntimeError, match="after its last write"):
        await written_after_the_last_write(database, rename)
