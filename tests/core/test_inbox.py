"""The webhook's group commit: updates arriving together share a transaction, and nobody
hears an update was stored before it was."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from core import inbox
from core.inbox import InboundUpdate, InboxWriter
from models import InboxUpdate
from models.db import Database, driver_statement
from models.types import utcnow
from tests.core.conftest import TransactionCounter
from tests.telegram import next_update_id


def update(update_id: int, user_id: int = 42) -> InboundUpdate:
    payload: dict[str, Any] = {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
            "text": "hello",
        },
    }
    return InboundUpdate(update_id=update_id, user_id=user_id, payload=payload)


def stored(engine: Engine, update_ids: list[int]) -> set[int]:
    with Session(engine) as session:
        found = session.exec(
            select(InboxUpdate.update_id).where(col(InboxUpdate.update_id).in_(update_ids))
        )
        return set(found.all())


async def test_updates_arriving_together_are_stored_in_a_few_transactions(
    database: Database, transactions: TransactionCounter, db_engine: Engine
) -> None:
    writer = InboxWriter(database)
    ids = [next_update_id() for _ in range(50)]

    answers = await asyncio.gather(*(writer.receive(update(i, user_id=i)) for i in ids))

    assert answers == [True] * 50
    assert stored(db_engine, ids) == set(ids)
    assert 1 <= transactions.committed <= InboxWriter.WRITERS + 1


async def test_no_caller_hears_back_before_its_update_is_committed(
    database: Database, db_engine: Engine
) -> None:
    writer = InboxWriter(database)
    ids = [next_update_id() for _ in range(20)]
    missing_when_answered: list[int] = []

    async def receive(update_id: int) -> None:
        await writer.receive(update(update_id, user_id=update_id))
        if stored(db_engine, [update_id]) != {update_id}:  # read from another connection
            missing_when_answered.append(update_id)

    await asyncio.gather(*(receive(i) for i in ids))

    assert missing_when_answered == []


async def test_the_same_update_twice_at_once_counts_once(
    database: Database, db_engine: Engine
) -> None:
    writer = InboxWriter(database)
    update_id = next_update_id()

    answers = await asyncio.gather(
        writer.receive(update(update_id)), writer.receive(update(update_id))
    )
    again = await writer.receive(update(update_id))

    assert sorted(answers) == [False, True]
    assert again is False
    with Session(db_engine) as session:
        count = session.exec(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.update_id == update_id)
        ).one()
    assert count == 1


async def test_when_the_database_fails_every_waiting_caller_hears_it() -> None:
    unreachable = Database(
        make_url("postgresql+psycopg://nobody@127.0.0.1:1/none"), connect_timeout=1
    )
    writer = InboxWriter(unreachable)
    try:
        answers = await asyncio.gather(
            *(writer.receive(update(next_update_id())) for _ in range(5)), return_exceptions=True
        )
    finally:
        await unreachable.dispose()

    assert len(answers) == 5
    assert all(isinstance(answer, DBAPIError) for answer in answers)


async def test_a_malformed_update_is_refused_before_it_joins_a_batch(database: Database) -> None:
    writer = InboxWriter(database)

    with pytest.raises(inbox.MalformedUpdate, match="update_id"):
        await writer.receive(update(2**64))


async def test_an_update_the_database_refuses_fails_alone_in_its_batch(
    database: Database, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the checks before the batch miss, the batch is stored update by update."""
    monkeypatch.setattr(inbox, "INT64", range(-(2**80), 2**80))  # let one through to the INSERT
    writer = InboxWriter(database)
    ids = [next_update_id() for _ in range(20)]
    refused = update(2**70)

    answers = await asyncio.gather(
        *(writer.receive(update(i, user_id=i)) for i in ids[:10]),
        writer.receive(refused),
        *(writer.receive(update(i, user_id=i)) for i in ids[10:]),
        return_exceptions=True,
    )

    assert answers[:10] + answers[11:] == [True] * 20
    assert isinstance(answers[10], inbox.MalformedUpdate)
    assert stored(db_engine, ids) == set(ids)


async def test_a_stored_payload_is_claimed_back_exactly_as_it_came(database: Database) -> None:
    writer = InboxWriter(database)
    update_id = next_update_id()
    payload: dict[str, Any] = {
        "update_id": update_id,
        "message": {
            "text": 'Ünter "den" Linden \\ 💌 \u2028 я\tты \x00 \u001b',
            "entities": [{"offset": 0, "length": 5, "type": "bold"}],
            "chat": {"id": -(2**62), "type": "private"},
            "from": {"id": 2**62, "is_bot": False, "first_name": ""},
            "location": {"latitude": -0.5, "longitude": 1e-7},
            "empty": {},
            "none": None,
        },
    }

    assert await writer.receive(InboundUpdate(update_id, 2**62, payload))

    [claimed] = await inbox.claim(database, lease_seconds=60)
    assert claimed == (update_id, payload)


@pytest.mark.postgres
async def test_a_claim_reads_none_of_the_updates_already_handled(
    database: Database, db_engine: Engine
) -> None:
    """Handled updates are kept a while (a re-sent one is known by its id), and a claim must
    not read them, whatever the table's statistics say. Taken during a backlog, they made
    PostgreSQL walk every kept update in id order at each claim, twice a second even with
    nothing to do: 37 ms a claim with 65,000 kept, after `make bench`."""
    writer = InboxWriter(database)
    ids = [next_update_id() for _ in range(2000)]
    await asyncio.gather(*(writer.receive(update(i, user_id=i)) for i in ids))
    with db_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE inbox_updates")  # while all 2,000 wait
        connection.exec_driver_sql("UPDATE inbox_updates SET handled_at = now()")
        connection.exec_driver_sql("VACUUM inbox_updates")  # old versions gone, statistics kept

    assert await inbox.claim(database, lease_seconds=60) == []
    assert updates_passed_over_by_a_claim(db_engine) == 0


def updates_passed_over_by_a_claim(engine: Engine) -> int:
    """The rows PostgreSQL reads and then drops for one claim, over its whole plan."""
    claim = driver_statement(inbox.CLAIM, engine.dialect)
    now = utcnow()
    with engine.connect() as connection:  # rolled back: EXPLAIN ANALYZE runs the UPDATE
        [(plan,)] = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + claim.sql,
            claim.bind({"now": now, "until": now, "limit": 20}),
        ).all()
    return passed_over(plan[0]["Plan"])


def passed_over(node: dict[str, Any]) -> int:
    return int(node.get("Rows Removed by Filter", 0)) + sum(
        passed_over(child) for child in node.get("Plans", [])
    )
