"""A unit of work begun at its first write (`Database.unit_of_work`), as a turn runs in one:
all or nothing once it writes, no transaction held open while it only reads, and a lock
taken by a read held to its commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Engine, bindparam, insert, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import RateCounter, User
from models.db import Database, delete_in, execute_in, get_in, last_write, update_in
from tests.core.conftest import BackendState
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


@pytest.mark.postgres
async def test_a_unit_that_has_only_read_holds_no_transaction_open(
    database: Database, backend_state: BackendState
) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await get_in(session, User, 7)
        await session.exec(select(User).where(col(User.id) == 7))
        while_reading = await backend_state(session)
        await by_statement(session, 7)
        once_written = await backend_state(session)

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
    clean_database: URL, backend_state: BackendState
) -> None:
    database = Database(clean_database, max_connections=4)
    try:
        await a_user(database, 7)
        async with database.unit_of_work() as session:
            await by_statement(session, 7)  # this one began a transaction, and committed it

        async with database.unit_of_work() as session:
            await get_in(session, User, 8)
            state = await backend_state(session)
    finally:
        await database.dispose()

    assert state == "idle"


async def written_after_the_last_write(database: Database, rename: Rename) -> None:
    async with database.unit_of_work() as session:
        async with last_write(session):
            await by_statement(session, 8)
        await rename(session, 7)


@pytest.mark.postgres
@pytest.mark.parametrize("rename", [by_statement, by_object, by_flush])
async def test_a_write_after_the_units_last_is_refused(database: Database, rename: Rename) -> None:
    await a_user(database, 7)
    await a_user(database, 8)

    with pytest.raises(RuntimeError, match="after its last write"):
        await written_after_the_last_write(database, rename)


# A change made to an object the unit holds (`update_in`) waits, in a unit not begun, for its
# next statement, or rides in its last write: what follows must be as if it had been sent at
# once.

FIRST_NAME = select(User.first_name).where(col(User.id) == bindparam("id"))


async def read_by_statement(session: AsyncSession, user_id: int) -> str | None:
    [(name,)] = await execute_in(session, FIRST_NAME, {"id": user_id})
    return cast(str | None, name)


async def read_by_query(session: AsyncSession, user_id: int) -> str | None:
    return (await session.exec(select(User.first_name).where(col(User.id) == user_id))).one()


@pytest.mark.parametrize("read", [read_by_statement, read_by_query])
async def test_a_units_read_sees_the_change_it_made_before(
    database: Database, read: Callable[[AsyncSession, int], Awaitable[str | None]]
) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await by_object(session, 7)
        seen = await read(session, 7)

    assert seen == "Mallory"


A_DAY = datetime(2026, 12, 7, tzinfo=UTC)
COUNTED = insert(RateCounter).values(
    scope="test", subject=bindparam("subject"), window_start=0, count=1
)
"""A last write to another table than the change's, as a turn's is (its answers, its mark):
the change rides in it. A last write to the same table is sent after the change instead."""
NEW_USER = insert(User).values(
    id=bindparam("subject"), first_name="Eve", can_message=True, created_at=A_DAY, updated_at=A_DAY
)

LastWrite = Callable[[AsyncSession, int], Awaitable[object]]


async def counted(session: AsyncSession, subject: int) -> object:
    return await execute_in(session, COUNTED, {"subject": subject})


async def added(session: AsyncSession, subject: int) -> object:
    return await execute_in(session, NEW_USER, {"subject": subject})


async def is_counted(database: Database, subject: int) -> bool:
    async with database.reading() as session:
        return await session.get(RateCounter, ("test", subject, 0)) is not None


async def is_added(database: Database, subject: int) -> bool:
    return await first_name(database, subject) == "Eve"


@pytest.mark.parametrize(
    ("write", "landed"),
    [(counted, is_counted), (added, is_added)],
    ids=["another table", "the same table"],
)
async def test_a_change_is_committed_with_the_units_last_write(
    database: Database, write: LastWrite, landed: Callable[[Database, int], Awaitable[bool]]
) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await by_object(session, 7)
        async with last_write(session):
            await write(session, 8)

    assert (await first_name(database, 7), await landed(database, 8)) == ("Mallory", True)


async def changed_then_failed_at_the_last_write(database: Database, write: LastWrite) -> None:
    async with database.unit_of_work() as session:
        await by_object(session, 7)
        async with last_write(session):
            await write(session, 8)  # a second time: refused


@pytest.mark.parametrize("write", [counted, added], ids=["another table", "the same table"])
async def test_a_change_is_undone_when_the_last_write_fails(
    database: Database, write: LastWrite
) -> None:
    await a_user(database, 7)
    async with database.unit_of_work() as session:
        await write(session, 8)
    assert await first_name(database, 7) == "Ann"

    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        await changed_then_failed_at_the_last_write(database, write)

    assert await first_name(database, 7) == "Ann"


async def test_a_change_is_committed_when_the_unit_ends_without_a_last_write(
    database: Database,
) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await by_object(session, 7)

    assert await first_name(database, 7) == "Mallory"


async def test_two_changes_of_one_row_end_as_the_second_left_it(database: Database) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        user = await get_in(session, User, 7)
        assert user is not None
        await update_in(session, user, first_name="Bea")
        await update_in(session, user, first_name="Cy")
        async with last_write(session):
            await counted(session, 8)

    assert await first_name(database, 7) == "Cy"


async def test_a_change_then_a_new_object_are_both_committed(database: Database) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await by_object(session, 7)
        session.add(User(id=9, first_name="Dan"))
        async with last_write(session):
            await counted(session, 8)

    assert [await first_name(database, 7), await first_name(database, 9)] == ["Mallory", "Dan"]


async def test_a_last_write_to_the_changed_table_keeps_both_changes_of_one_row(
    database: Database,
) -> None:
    """One statement changing a row twice keeps one change: a last write that writes where
    the held change did must not carry it."""
    await a_user(database, 7)
    surname = update(User).where(col(User.id) == bindparam("id")).values(last_name="Smith")

    async with database.unit_of_work() as session:
        await by_object(session, 7)
        async with last_write(session):
            await execute_in(session, surname, {"id": 7})

    async with database.reading() as session:
        user = await session.get(User, 7)
    assert user is not None
    assert (user.first_name, user.last_name) == ("Mallory", "Smith")


@pytest.mark.postgres
async def test_a_change_and_the_last_write_cost_no_transaction(
    database: Database, backend_state: BackendState
) -> None:
    await a_user(database, 7)
    await a_user(database, 8)

    async with database.unit_of_work() as session:
        await by_object(session, 7)
        before_the_last_write = await backend_state(session)
        async with last_write(session):
            await counted(session, 8)
        after_it = await backend_state(session)

    assert (before_the_last_write, after_it) == ("idle", "idle")
    assert (await first_name(database, 7), await is_counted(database, 8)) == ("Mallory", True)


async def by_flushing_a_new_object(session: AsyncSession) -> None:
    session.add(User(id=9, first_name="Dan"))
    await session.flush()


async def by_reading(session: AsyncSession) -> None:
    await read_by_statement(session, 7)


async def by_committing(session: AsyncSession) -> None:
    return None


Sending = Callable[[AsyncSession], Awaitable[None]]


async def refused_change_then(database: Database, sent_by: Sending) -> None:
    async with database.unit_of_work() as session:
        user = await get_in(session, User, 7)
        assert user is not None
        await update_in(session, user, first_name="Bea", can_message=None)  # NOT NULL
        await sent_by(session)


@pytest.mark.parametrize("sent_by", [by_flushing_a_new_object, by_reading, by_committing])
async def test_a_change_the_database_refuses_fails_its_unit_as_any_write_does(
    database: Database, sent_by: Sending
) -> None:
    await a_user(database, 7)

    with pytest.raises(IntegrityError):
        await refused_change_then(database, sent_by)

    assert (await first_name(database, 7), await first_name(database, 9)) == ("Ann", None)


# A row deleted by its key (`delete_in`) is held back as a change is.


async def deleted(session: AsyncSession, user_id: int) -> None:
    await delete_in(session, User, user_id)


@pytest.mark.parametrize(
    ("write", "landed"),
    [(counted, is_counted), (added, is_added)],
    ids=["another table", "the same table"],
)
async def test_a_deletion_is_committed_with_the_units_last_write(
    database: Database, write: LastWrite, landed: Callable[[Database, int], Awaitable[bool]]
) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await deleted(session, 7)
        async with last_write(session):
            await write(session, 8)

    assert (await first_name(database, 7), await landed(database, 8)) == (None, True)


async def deleted_then_failed_at_the_last_write(database: Database, write: LastWrite) -> None:
    async with database.unit_of_work() as session:
        await deleted(session, 7)
        async with last_write(session):
            await write(session, 8)  # a second time: refused


@pytest.mark.parametrize("write", [counted, added], ids=["another table", "the same table"])
async def test_a_deletion_is_undone_when_the_last_write_fails(
    database: Database, write: LastWrite
) -> None:
    await a_user(database, 7)
    async with database.unit_of_work() as session:
        await write(session, 8)

    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        await deleted_then_failed_at_the_last_write(database, write)

    assert await first_name(database, 7) == "Ann"


async def test_a_units_read_no_longer_finds_the_row_it_deleted(database: Database) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await deleted(session, 7)
        by_statement = await execute_in(session, FIRST_NAME, {"id": 7})
        by_query = (await session.exec(select(User.first_name).where(col(User.id) == 7))).all()

    assert (by_statement, by_query) == ([], [])


async def test_a_deleted_rows_object_leaves_the_session(database: Database) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        user = await get_in(session, User, 7)
        await deleted(session, 7)
        assert user not in session
        assert await get_in(session, User, 7) is None


@pytest.mark.postgres
async def test_a_deletion_and_the_last_write_cost_no_transaction(
    database: Database, backend_state: BackendState
) -> None:
    await a_user(database, 7)

    async with database.unit_of_work() as session:
        await deleted(session, 7)
        before_the_last_write = await backend_state(session)
        async with last_write(session):
            await counted(session, 8)
        after_it = await backend_state(session)

    assert (before_the_last_write, after_it) == ("idle", "idle")
    assert (await first_name(database, 7), await is_counted(database, 8)) == (None, True)
