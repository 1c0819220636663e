"""The delivery worker acts on a Sender's outcomes alone: no Telegram, no error texts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import BigInteger, Engine, String, column, table
from sqlalchemy.engine import URL
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import background, outbox
from core.outbox import (
    ApiCall,
    Failed,
    OutboxWorker,
    Outcome,
    RetryAfter,
    Sent,
    Unchanged,
    Unreachable,
)
from core.settings import Settings
from models import OutboxMessage, OutboxStatus, User
from models.db import Database, Statement, execute_in
from models.types import utcnow
from tests.core.conftest import TransactionCounter
from tests.core.plans import tables_read_whole

CHAT = 7001


class ScriptedSender:
    """A messaging platform that answers each send with the next outcome it was given."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[ApiCall] = []

    async def send(self, call: ApiCall) -> Outcome:
        self.sent.append(call)
        return self.outcomes.pop(0)


async def render(session: AsyncSession, message: OutboxMessage) -> ApiCall | None:
    return ApiCall("post", {"chat_id": message.chat_id, "text": "a notice"})


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(outbox_rate_per_second=1000.0)


async def queued(database: Database, **fields: Any) -> int:
    """A notice waiting for a reader who may be written to."""
    async with database.session() as session:
        session.add(User(id=CHAT, first_name="Reader", can_message=True))
        entry = OutboxMessage(kind="note", chat_id=CHAT, **fields)
        session.add(entry)
        await session.flush()
        assert entry.id is not None
        return entry.id


async def entry_of(database: Database, entry_id: int) -> OutboxMessage:
    async with database.reading() as session:
        entry = await session.get(OutboxMessage, entry_id)
        assert entry is not None
        return entry


async def drained(database: Database, settings: Settings, *outcomes: Outcome) -> OutboxWorker:
    worker = OutboxWorker(database, settings, sender=ScriptedSender(*outcomes), render=render)
    await worker.drain_once()
    await worker.finish()
    return worker


async def test_sent_marks_the_entry_sent_and_keeps_the_platforms_reference(
    database: Database, settings: Settings
) -> None:
    entry_id = await queued(database)

    await drained(database, settings, Sent(reference=4242))

    entry = await entry_of(database, entry_id)
    assert (entry.status, entry.message_id, entry.attempts) == (OutboxStatus.SENT, 4242, 1)


async def test_retry_after_waits_as_asked_and_pauses_every_send(
    database: Database, settings: Settings
) -> None:
    entry_id = await queued(database)
    other_id = await queued_for_another_chat(database)

    # the other chat's send may already be on its way when the first answer comes back:
    # the platform, mid-flood, answers it the same
    slow_down = RetryAfter(30, "slow down")
    worker = await drained(database, settings, slow_down, slow_down)

    entry = await entry_of(database, entry_id)
    assert entry.status == OutboxStatus.PENDING
    assert entry.attempts == 0, "a pause asked for is not the entry's failure"
    assert entry.next_attempt_at - utcnow() > timedelta(seconds=25)
    assert (await entry_of(database, other_id)).status == OutboxStatus.PENDING
    assert await worker.drain_once() == 0, "nothing goes out during the pause"


async def queued_for_another_chat(database: Database) -> int:
    async with database.session() as session:
        entry = OutboxMessage(kind="note", chat_id=CHAT + 1)
        session.add(entry)
        await session.flush()
        assert entry.id is not None
        return entry.id


class GatheringPlatform:
    """Answers no send until `expected` are in flight at once, and then only once released:
    a worker that waits for each answer before its next send gets a failure instead."""

    def __init__(self, expected: int, *, released: bool = True) -> None:
        self.expected = expected
        self.in_flight: set[int] = set()
        self.chats_sent_twice_at_once: list[int] = []
        self.all_in_flight = asyncio.Event()
        self.released = asyncio.Event()
        if released:
            self.released.set()

    async def send(self, call: ApiCall) -> Outcome:
        chat = int(call.params["chat_id"])
        if chat in self.in_flight:
            self.chats_sent_twice_at_once.append(chat)
        self.in_flight.add(chat)
        if len(self.in_flight) >= self.expected:
            self.all_in_flight.set()
        try:
            async with asyncio.timeout(10):
                await self.all_in_flight.wait()
                await self.released.wait()
        except TimeoutError:
            return Failed(f"only {len(self.in_flight)} in flight at once", transient=True)
        finally:
            self.in_flight.discard(chat)
        return Sent(reference=1)


async def statuses(database: Database) -> list[OutboxStatus]:
    async with database.reading() as session:
        found = await session.exec(select(OutboxMessage.status).order_by(col(OutboxMessage.id)))
        return [OutboxStatus(status) for status in found.all()]


async def test_a_slow_platform_does_not_hold_back_the_sends_behind_it(
    database: Database, settings: Settings
) -> None:
    """At 30 a second a send starts every 33 ms, and one answered in more than that must not
    hold the next back; a chat's second entry still waits for its first."""
    for chat in (CHAT, CHAT + 1, CHAT + 2, CHAT + 3, CHAT):
        await queued_for(database, chat)
    platform = GatheringPlatform(expected=4)
    worker = OutboxWorker(database, settings, sender=platform, render=render)

    assert await worker.drain_once() == 4
    await worker.finish()

    assert platform.chats_sent_twice_at_once == []
    assert await statuses(database) == [OutboxStatus.SENT] * 4 + [OutboxStatus.PENDING]


async def test_stopping_waits_for_the_sends_in_flight_to_be_recorded(
    database: Database, settings: Settings
) -> None:
    """A send the platform accepted but nobody recorded would go out again after its lease."""
    for chat in (CHAT, CHAT + 1, CHAT + 2):
        await queued_for(database, chat)
    platform = GatheringPlatform(expected=3, released=False)
    worker = OutboxWorker(database, settings, sender=platform, render=render)
    stop = asyncio.Event()
    running = asyncio.create_task(background.run_until_stopped(worker, stop))
    async with asyncio.timeout(10):
        await platform.all_in_flight.wait()

    stop.set()
    await asyncio.sleep(0.1)  # time to return, for a worker that would not wait
    platform.released.set()
    await running

    assert await statuses(database) == [OutboxStatus.SENT] * 3


class BrokenForOneChat:
    """A sender that crashes on one chat's send and sends the others."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id

    async def send(self, call: ApiCall) -> Outcome:
        if call.params["chat_id"] == self.chat_id:
            raise RuntimeError("the adapter broke")
        return Sent(reference=1)


async def test_a_send_that_crashes_is_reported_and_the_rest_of_its_batch_is_recorded(
    database: Database, settings: Settings
) -> None:
    for chat in (CHAT, CHAT + 1, CHAT + 2):
        await queued_for(database, chat)
    worker = OutboxWorker(database, settings, sender=BrokenForOneChat(CHAT + 1), render=render)

    await worker.drain_once()
    with pytest.raises(RuntimeError, match="the adapter broke"):
        await worker.finish()

    assert await statuses(database) == [OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.SENT]


async def queued_for(database: Database, chat_id: int) -> None:
    async with database.session() as session:
        if await session.get(User, chat_id) is None:
            session.add(User(id=chat_id, first_name="Reader", can_message=True))
        session.add(OutboxMessage(kind="note", chat_id=chat_id))


class LateClock:
    """A clock whose every sleep wakes `late` seconds after it was due, as a busy loop's do."""

    def __init__(self, late: float) -> None:
        self.now = 0.0
        self.late = late

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


async def test_the_send_rate_holds_when_every_wake_up_is_late() -> None:
    clock = LateClock(late=0.005)
    limiter = outbox.RateLimiter(30, clock=clock, sleep=clock.sleep)

    for _ in range(301):
        await limiter.wait()

    assert clock.now == pytest.approx(10.0, abs=0.05), "300 intervals of 1/30 s"


async def test_unreachable_fails_the_entry_and_marks_the_reader(
    database: Database, settings: Settings
) -> None:
    entry_id = await queued(database)

    await drained(database, settings, Unreachable("blocked"))

    entry = await entry_of(database, entry_id)
    assert (entry.status, entry.last_error) == (OutboxStatus.FAILED, "blocked")
    async with database.reading() as session:
        reader = await session.get(User, CHAT)
    assert reader is not None
    assert reader.can_message is False


async def test_unchanged_counts_as_sent(database: Database, settings: Settings) -> None:
    entry_id = await queued(database)

    await drained(database, settings, Unchanged())

    assert (await entry_of(database, entry_id)).status == OutboxStatus.SENT


async def test_a_transient_failure_backs_off_and_counts_the_attempt(
    database: Database, settings: Settings
) -> None:
    entry_id = await queued(database, attempts=3)

    await drained(database, settings, Failed("502", transient=True))

    entry = await entry_of(database, entry_id)
    assert (entry.status, entry.attempts, entry.last_error) == (OutboxStatus.PENDING, 4, "502")
    assert entry.next_attempt_at - utcnow() > timedelta(seconds=7)  # 2 ** 3


async def test_a_transient_failure_past_the_give_up_age_fails_the_entry(
    database: Database, settings: Settings
) -> None:
    old = utcnow() - timedelta(seconds=settings.outbox_give_up_after_seconds + 60)
    entry_id = await queued(database, created_at=old)

    await drained(database, settings, Failed("502", transient=True))

    assert (await entry_of(database, entry_id)).status == OutboxStatus.FAILED


async def test_a_permanent_failure_fails_the_entry_at_once(
    database: Database, settings: Settings
) -> None:
    entry_id = await queued(database)

    await drained(database, settings, Failed("Bad Request: chat not found"))

    entry = await entry_of(database, entry_id)
    assert (entry.status, entry.last_error) == (OutboxStatus.FAILED, "Bad Request: chat not found")


async def test_a_reply_refused_hands_it_and_those_after_it_to_the_worker(
    database: Database, settings: Settings
) -> None:
    async with database.session() as session:
        replies = await outbox.queue_replies(
            session,
            [ApiCall("post", {"chat_id": CHAT, "text": str(n)}) for n in range(3)],
            lease_seconds=60,
        )
    sender = ScriptedSender(Sent(1), RetryAfter(5))

    assert await outbox.send_replies(database, sender, replies) is False

    assert [call.params["text"] for call in sender.sent] == ["0", "1"]
    async with database.reading() as session:
        first = await session.get(OutboxMessage, replies[0].id)
        waiting = [await session.get(OutboxMessage, reply.id) for reply in replies[1:]]
    assert first is None, "a reply sent is forgotten"
    for reply in waiting:
        assert reply is not None
        assert reply.locked_until is None
        assert reply.next_attempt_at - utcnow() > timedelta(seconds=4)


async def test_a_turns_replies_are_stored_in_order_exactly_as_written(
    database: Database, settings: Settings
) -> None:
    texts = ['a "quote", a \\ and a \\u0000', "a NUL \x00 and \u2028 and 🐯", "third"]
    async with database.session() as session:
        replies = await outbox.queue_replies(
            session,
            [ApiCall("post", {"chat_id": CHAT, "text": text}) for text in texts],
            lease_seconds=60,
        )

    async with database.reading() as session:
        stored = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [entry.id for entry in stored] == [reply.id for reply in replies]
    assert [entry.params["params"]["text"] for entry in stored] == texts


async def prompt_of(database: Database) -> int | None:
    async with database.reading() as session:
        user = await session.get(User, CHAT)
        assert user is not None
        return user.prompt_message_id


async def test_a_step_prompt_sent_at_once_is_recorded_on_its_user(
    database: Database, settings: Settings
) -> None:
    async with database.session() as session:
        session.add(User(id=CHAT, first_name="Writer", can_message=True, prompt_message_id=5))
        replies = await outbox.queue_replies(
            session,
            [
                ApiCall("post", {"chat_id": CHAT, "text": "the prompt"}, step_prompt=True),
                ApiCall("post", {"chat_id": CHAT, "text": "an aside"}),
            ],
            lease_seconds=60,
        )

    assert await outbox.send_replies(database, ScriptedSender(Sent(11), Sent(12)), replies)

    assert await prompt_of(database) == 11, "only the prompt is recorded, replacing the old one"
    async with database.reading() as session:
        assert [await session.get(OutboxMessage, reply.id) for reply in replies] == [None, None]


async def test_a_step_prompt_the_worker_sends_later_is_recorded_when_it_goes(
    database: Database, settings: Settings
) -> None:
    async with database.session() as session:
        session.add(User(id=CHAT, first_name="Writer", can_message=True))
        replies = await outbox.queue_replies(
            session,
            [ApiCall("post", {"chat_id": CHAT, "text": "the prompt"}, step_prompt=True)],
            lease_seconds=60,
        )
    assert not await outbox.send_replies(database, ScriptedSender(Failed("busy")), replies)
    assert await prompt_of(database) is None, "nothing was shown yet"

    await drained(database, settings, Sent(21))

    assert await prompt_of(database) == 21


async def test_replies_sent_together_record_only_their_step_prompts(
    database: Database, settings: Settings
) -> None:
    chats = [CHAT + n for n in range(1, 9)]
    prompting = set(chats[::2])
    async with database.session() as session:
        session.add_all(
            User(id=chat, first_name="Writer", can_message=True, prompt_message_id=5)
            for chat in chats
        )
    turns = []
    for chat in chats:
        async with database.session() as session:
            call = ApiCall("post", {"chat_id": chat, "text": "x"}, step_prompt=chat in prompting)
            turns.append(await outbox.queue_replies(session, [call], lease_seconds=60))

    await asyncio.gather(
        *(
            outbox.send_replies(database, ScriptedSender(Sent(100 + n)), replies)
            for n, replies in enumerate(turns)
        )
    )

    async with database.reading() as session:
        users = [await session.get(User, chat) for chat in chats]
        left = (await session.exec(select(OutboxMessage))).all()
    assert [user.prompt_message_id for user in users if user] == [
        100 + n if chat in prompting else 5 for n, chat in enumerate(chats)
    ], "a reply that asks for nothing leaves the user's prompt as it was"
    assert left == [], "every reply sent is forgotten"


async def test_replies_to_many_chats_sent_together_share_their_records_transactions(
    database: Database, settings: Settings, transactions: TransactionCounter
) -> None:
    chats = [CHAT + n for n in range(1, 13)]
    async with database.session() as session:
        session.add_all(User(id=chat, first_name="Writer", can_message=True) for chat in chats)
    turns = []
    for chat in chats:
        async with database.session() as session:
            turns.append(
                await outbox.queue_replies(
                    session,
                    [ApiCall("post", {"chat_id": chat, "text": "next?"}, step_prompt=True)],
                    lease_seconds=60,
                )
            )
    committed_before = transactions.committed

    sent = await asyncio.gather(
        *(
            outbox.send_replies(database, ScriptedSender(Sent(100 + n)), replies)
            for n, replies in enumerate(turns)
        )
    )

    assert all(sent)
    assert transactions.committed - committed_before < len(chats) / 2
    async with database.reading() as session:
        users = {chat: await session.get(User, chat) for chat in chats}
        left = [await session.get(OutboxMessage, turn[0].id) for turn in turns]
    assert {chat: user.prompt_message_id for chat, user in users.items() if user} == {
        chat: 100 + n for n, chat in enumerate(chats)
    }
    assert left == [None] * len(chats), "every reply sent is forgotten"


@pytest.mark.postgres
def test_a_look_for_notices_due_reads_no_table_whole(db_engine: Engine) -> None:
    """Twice a second when idle, and before every batch: a chat's recent sends are found
    through the index of notices, which leaves answers out (they are deleted once sent)."""
    now = utcnow()
    parameters = {"now": now, "written_since": now, "limit": 30}

    assert tables_read_whole(db_engine, outbox.DUE, parameters) == set()


KEPT_PLANS: Statement = select(
    column("statement", String), column("generic_plans", BigInteger)
).select_from(table("pg_prepared_statements"))
"""The statements prepared on the connection that runs it, and how often each ran on the
plan PostgreSQL keeps rather than one made for its parameters."""


@pytest.fixture
async def one_connection_each(clean_database: URL) -> AsyncIterator[Database]:
    """The product's database with one connection in each of its pools, so that what a test
    asks PostgreSQL runs on the connection the product's statements ran on; its outbox and
    users vacuumed and analyzed while empty, as autovacuum does at a quiet hour."""
    database = Database(clean_database, max_connections=Database.POOLS)
    async with database.autocommit_engine.connect() as connection:
        await connection.exec_driver_sql("VACUUM ANALYZE outbox, users")
    yield database
    await database.dispose()


def on_the_outbox(kept: list[tuple[Any, ...]]) -> list[str]:
    """The statements on the outbox that ran on a kept plan."""
    return [statement for statement, generic in kept if generic and "outbox" in statement]


@pytest.mark.postgres
async def test_forgetting_sent_replies_never_runs_a_plan_made_for_another_outbox(
    one_connection_each: Database,
) -> None:
    """A kept plan for the forget's array of ids reads the outbox whole when it was made
    while the outbox was small (here: empty), and it would go on reading it whole at every
    forget once a backlog of notices had grown it."""
    database = one_connection_each
    async with database.session() as session:
        session.add(User(id=CHAT, first_name="Writer", can_message=True))
    for turn in range(40):  # past psycopg's five runs and PostgreSQL's five custom plans,
        # half of them with a step prompt (both forget statements)
        async with database.session() as session:
            call = ApiCall("post", {"chat_id": CHAT, "text": "x"}, step_prompt=turn % 2 == 0)
            replies = await outbox.queue_replies(session, [call], lease_seconds=60)
        assert await outbox.send_replies(database, ScriptedSender(Sent(100 + turn)), replies)

    kept = await database.execute(KEPT_PLANS, {})

    assert on_the_outbox(kept) == []


@pytest.mark.postgres
async def test_an_idle_workers_looks_never_run_a_plan_made_for_an_empty_outbox(
    one_connection_each: Database, settings: Settings
) -> None:
    """The plan PostgreSQL would keep from an idle outbox reads the outbox whole once for
    each entry it finds: nothing while it is empty, 3.3 s a look (against 11 ms) once 5,000
    notices have piled up while Telegram was away, which delivery then sends 30 at a time."""
    database = one_connection_each
    for _ in range(40):  # twenty seconds of an idle worker
        await drained(database, settings)

    async with database.session() as session:
        kept = await execute_in(session, KEPT_PLANS, {})

    assert on_the_outbox(kept) == []
