"""Updates from the messaging platform, stored before they are acknowledged and handled once.

The platform's adapter reads each update (`InboundUpdate`); its webhook only writes it here
and answers 200, so the platform never waits for our handlers and an update acknowledged is
never lost: a process that dies mid-update leaves it to be taken again when its lease runs
out. Updates of one user are handled one at a time, in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    column,
    exists,
    func,
    or_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import outbox
from core.outbox import ApiCall
from models import InboxUpdate, OutboxMessage
from models.db import PLANNED_EACH_TIME, Database, execute_in, insert_or_skip, on_postgres
from models.group_commit import GroupCommit
from models.types import utcnow

INT64 = range(-(2**63), 2**63)
"""What an id may be: the database's BIGINT, which Telegram's ids (52 bits) fit easily."""


class MalformedUpdate(ValueError):
    """Not an update the platform would send; answered 200 so it is not re-sent forever."""


@dataclass(frozen=True, slots=True)
class InboundUpdate:
    """An update as the platform's adapter read it: its id (the same when the platform sends
    it again), the user whose updates are handled in order (None when it has none), and the
    payload the adapter's handlers get back."""

    update_id: int
    user_id: int | None
    payload: dict[str, Any]


def _row(inbound: InboundUpdate) -> dict[str, Any]:
    """The inbox row of an update, or MalformedUpdate when the database could not hold it."""
    if isinstance(inbound.update_id, bool) or inbound.update_id not in INT64:
        raise MalformedUpdate("update_id must be an integer of at most 64 bits")
    if inbound.user_id is not None and inbound.user_id not in INT64:
        raise MalformedUpdate("the sender's id must be an integer of at most 64 bits")
    return {
        "update_id": inbound.update_id,
        "user_id": inbound.user_id,
        "payload": inbound.payload,
        "received_at": utcnow(),
        "attempts": 0,
    }


async def receive(session: AsyncSession, inbound: InboundUpdate) -> bool:
    """Store an update; False when that update id was already stored."""
    result = await session.exec(insert_or_skip(session, InboxUpdate).values(**_row(inbound)))
    return bool(result.rowcount)


class InboxWriter:
    """Group commit for the webhook (`GroupCommit`): updates arriving together are stored in
    one transaction, and each caller hears back only once its update is committed, so an
    acknowledged update is never lost."""

    MAX_BATCH = 500
    """Rows per INSERT, well below PostgreSQL's 65,535 parameters."""
    WRITERS = 2
    """Transactions in flight at once: one fills while the other waits for its commit."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._batches: GroupCommit[dict[str, Any], bool] = GroupCommit(
            self._write_batch, writers=self.WRITERS, most=self.MAX_BATCH
        )
        self._insert = insert_or_skip(database.autocommit_engine, InboxUpdate).returning(
            col(InboxUpdate.update_id)
        )
        self._write = self._write_as_one if database.is_sqlite else self._write_as_recordset

    async def receive(self, inbound: InboundUpdate) -> bool:
        """Store an update durably; False when that update id was already stored."""
        return await self._batches.submit(_row(inbound))

    async def close(self) -> None:
        """Finish the batches in hand (at shutdown)."""
        await self._batches.close()

    async def _write_batch(self, rows: list[dict[str, Any]]) -> list[bool | Exception]:
        """Store a batch; when the database refuses a value in it, store each update on its
        own, so the update at fault fails alone and the others are stored as usual. When the
        database is away, every caller hears so at once (503), without a retry each."""
        try:
            stored = await self._write(rows)
        except Exception as error:
            refusal = _refused(error)
            if not isinstance(refusal, MalformedUpdate):
                raise
            if len(rows) == 1:
                return [refusal]
            return [outcome for row in rows for outcome in await self._write_batch([row])]
        # the first of two equal ids in one batch stored it; the second is a repeat
        return [stored.pop(row["update_id"], False) for row in rows]

    async def _write_as_one(self, rows: Iterable[dict[str, Any]]) -> dict[int, bool]:
        """One INSERT ... ON CONFLICT DO NOTHING for the batch, committed as it runs: one
        statement is atomic on its own, and a BEGIN and a COMMIT around it would be two more
        round trips per batch (under light load, per update). Which update ids were new.

        Rows go in update id order, so two batches holding the same re-sent updates wait for
        each other instead of deadlocking."""
        unique = _unique(rows)
        async with self._database.autocommit_engine.connect() as connection:
            result = await connection.execute(self._insert, [unique[i] for i in sorted(unique)])
            return dict.fromkeys(result.scalars().all(), True)

    async def _write_as_recordset(self, rows: Iterable[dict[str, Any]]) -> dict[int, bool]:
        """`_write_as_one` on PostgreSQL: the batch goes as one JSON document that the
        statement reads as rows (STORE_BATCH), so its SQL is the same for every batch, and
        is prepared once, on the driver. A multi-row VALUES list is new SQL for every size
        of batch, built and parsed each time: a sixth of the webhook's CPU."""
        batch = [
            {
                **row,
                # as text inside the document: read as rows, its JSON is unescaped, and
                # PostgreSQL has no text for a \u0000, which Telegram may send
                "payload": json.dumps(row["payload"]),
                "received_at": row["received_at"].isoformat(),
            }
            for row in _unique(rows).values()
        ]
        stored = await self._database.execute(STORE_BATCH, {"batch": batch})
        return {update_id: True for (update_id,) in stored}


def _unique(rows: Iterable[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The first row of each update id: the others are the same update again."""
    unique: dict[int, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["update_id"], row)
    return unique


_BATCH = (
    func.json_to_recordset(bindparam("batch", type_=JSON))
    .table_valued(
        column("update_id", BigInteger),
        column("user_id", BigInteger),
        column("payload", Text),
        column("received_at", DateTime(timezone=True)),
        column("attempts", Integer),
    )
    .render_derived(name="batch", with_types=True)
)
STORE_BATCH = (
    pg_insert(InboxUpdate)
    .from_select(
        ["update_id", "user_id", "payload", "received_at", "attempts"],
        select(
            *(field if field.name != "payload" else cast(field, JSON) for field in _BATCH.c)
        ).order_by(_BATCH.c.update_id),  # as in _write_as_one: no deadlocks
    )
    .on_conflict_do_nothing()
    .returning(col(InboxUpdate.update_id))
)
"""A batch of inbox rows, given as one JSON array of objects, stored on PostgreSQL."""


def _refused(error: Exception) -> Exception:
    """An error that belongs to the update itself (a value the database will not take) is a
    malformed update; anything else (the database away) stays what it is."""
    if isinstance(error, DataError | IntegrityError | OverflowError | TypeError | ValueError):
        return MalformedUpdate(f"the database refused it ({type(error).__name__})")
    if isinstance(error, StatementError) and isinstance(error.orig, OverflowError | ValueError):
        return MalformedUpdate(f"the database refused it ({type(error.orig).__name__})")
    return error


class Claimed(NamedTuple):
    """An update taken to be handled, leased to this process."""

    update_id: int
    payload: dict[str, Any]


_due = aliased(InboxUpdate, name="due")
_earlier = aliased(InboxUpdate, name="earlier")
CLAIM = (
    update(InboxUpdate)
    .where(
        col(InboxUpdate.update_id).in_(
            select(_due.update_id)
            .where(
                col(_due.handled_at).is_(None),
                or_(col(_due.locked_until).is_(None), col(_due.locked_until) < bindparam("now")),
                ~exists().where(
                    and_(
                        col(_due.user_id).is_not(None),
                        col(_earlier.user_id) == col(_due.user_id),
                        col(_earlier.handled_at).is_(None),
                        col(_earlier.update_id) < col(_due.update_id),
                    )
                ),
                ~exists().where(  # the user's earlier answers first: Telegram may be away
                    outbox.answer_pending(OutboxMessage, col(_due.user_id))
                ),
            )
            .order_by(col(_due.update_id))
            .limit(bindparam("limit", type_=Integer))
            .with_for_update(skip_locked=True)
        )
    )
    .values(locked_until=bindparam("until"), attempts=InboxUpdate.attempts + 1)
    .returning(col(InboxUpdate.update_id), col(InboxUpdate.payload))
    .execution_options(**{PLANNED_EACH_TIME: True})
)
"""One statement, on its own: a claim is one round trip, and two processes claiming at
once skip each other's rows. Planned at each claim (one per batch): a plan kept from when
the inbox was small walked a backlog of 30,000 updates in 1 to 2 s a claim."""

HANDLED = (
    update(InboxUpdate)
    .where(col(InboxUpdate.update_id) == bindparam("update_id"))
    .values(handled_at=bindparam("now"), locked_until=None, payload={}, user_id=None)
)
"""A handled update is kept a while by its id alone, so that Telegram's sending it again is
known: neither its words nor who sent it."""


async def claim(database: Database, *, lease_seconds: int, limit: int = 20) -> list[Claimed]:
    """Take due updates, oldest first: each user's oldest unhandled one only, and only once
    the answers to their earlier ones are out, so a user's steps, and what the bot says to
    them, stay in order."""
    now = utcnow()
    rows = await database.execute(
        CLAIM, {"now": now, "until": now + timedelta(seconds=lease_seconds), "limit": limit}
    )
    return sorted(Claimed(update_id, payload) for update_id, payload in rows)


QUEUE_ANSWERS_HANDLED = outbox.QUEUE_ANSWERS.add_cte(HANDLED.cte("handled"))
"""A turn's replies queued and its update marked handled in one statement: on PostgreSQL
(SQLite takes no UPDATE in a WITH), a round trip fewer for nearly every update."""


async def queue_answers(
    session: AsyncSession,
    calls: Sequence[ApiCall],
    *,
    update_id: int | None,
    lease_seconds: float,
) -> list[OutboxMessage]:
    """A turn's replies queued (`outbox.queue_replies`) and, given its update, that update
    marked handled, in `session`'s unit of work."""
    if update_id is None or not calls or not on_postgres(session):
        replies = await outbox.queue_replies(session, calls, lease_seconds=lease_seconds)
        if update_id is not None:
            await mark_handled(session, [update_id])
        return replies
    rider = outbox.Rider(QUEUE_ANSWERS_HANDLED, {"update_id": update_id})
    return await outbox.queue_replies(session, calls, lease_seconds=lease_seconds, rider=rider)


async def mark_handled(session: AsyncSession, update_ids: Sequence[int]) -> None:
    """Done with these updates, in `session`'s unit of work; their words and their sender
    are not kept."""
    now = utcnow()
    for update_id in update_ids:
        await execute_in(session, HANDLED, {"update_id": update_id, "now": now})


async def mark_handled_apart(database: Database, update_ids: Sequence[int]) -> None:
    """Done with these updates, each mark committed on its own: for updates whose handling
    changed nothing (no handler, throttled, refused), so there is no turn for the mark to
    share. A unit of work around it would add a BEGIN and a COMMIT, two round trips, for one
    update in six in `make bench`'s mix."""
    now = utcnow()
    marks = [{"update_id": update_id, "now": now} for update_id in update_ids]
    await database.execute(HANDLED, marks[0] if len(marks) == 1 else marks)
