"""The delivery worker: sends queued notices within the platform's limits and loses none.

Each entry is claimed with a lease and marked sent in its own transaction right after
the platform accepts it. The one window no design closes is a process dying between
its answer and that commit: the entry is then sent again once, after its lease.

Sending goes through a `Sender` (the messaging platform's adapter), which answers with an
`Outcome`; the worker decides from outcomes alone and knows no platform's error texts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any, NamedTuple, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, aliased
from sqlalchemy.orm.util import AliasedClass
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import lifecycle, users
from core.notices import Notice
from core.settings import Settings
from models import OutboxMessage, OutboxStatus
from models.db import (
    PLANNED_EACH_TIME,
    Database,
    Statement,
    all_in,
    as_loaded,
    execute_in,
    on_postgres,
)
from models.group_commit import GroupCommit
from models.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
ANSWER = "answer"
"""A bot's direct answer to an update, stored whole (method and parameters) with the turn
that decided it; sent at once by the process that handled the update, by the worker when
that failed. A user's next update waits until their pending answers are out, and so does
every notice to their chat, even one queued before them in the same turn: what a turn says
comes before what it caused (a withheld confession is said "delivered" by the very turn that
sends it; said before "Sent to", it would give the block away). It is deleted
once sent or given up: an answer is kept for nothing after that, and may be the last word to
someone who has just deleted their data."""


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One call to the messaging platform, as its adapter built it: opaque to the core,
    which stores it, hands it back to the `Sender`, and reads only the chat it goes to."""

    method: str
    params: dict[str, Any]
    step_prompt: bool = False
    """The message it sends is the chat's current step prompt: once sent, its id is recorded
    on the user (`users.record_step_prompts`), so that when the step is done another way its
    buttons can be taken away."""


@dataclass(frozen=True, slots=True)
class Sent:
    """Delivered; `reference` is the platform's id for the message, to edit it later."""

    reference: int | None = None


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """The platform asks for a pause of `seconds` before anything more is sent."""

    seconds: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The recipient cannot be written to (blocked the bot, deleted their account)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class Unchanged:
    """An edit that would change nothing: as good as sent."""


@dataclass(frozen=True, slots=True)
class Failed:
    """Refused; `transient` when trying again later may succeed (the platform's or the
    network's trouble), else for good."""

    reason: str
    transient: bool = False


Outcome = Sent | RetryAfter | Unreachable | Unchanged | Failed


class Sender(Protocol):
    """The messaging platform's way out: sends a call and says how it went, never raising
    for the platform's refusals."""

    async def send(self, call: ApiCall) -> Outcome: ...


class NoticeRenderer(Protocol):
    """Turns a stored notice into the platform call that shows it (the bot's texts live
    there, in the platform's adapter)."""

    async def __call__(self, session: AsyncSession, message: OutboxMessage) -> ApiCall | None: ...


SentEffect = Callable[[AsyncSession, OutboxMessage, int | None], Awaitable[None]]
FailedEffect = Callable[[AsyncSession, OutboxMessage], Awaitable[None]]


async def _delivered(session: AsyncSession, message: OutboxMessage, message_id: int | None) -> None:
    assert message.confession_id is not None
    await lifecycle.mark_delivered(
        session, message.confession_id, chat_id=message.chat_id, message_id=message_id
    )


async def _undeliverable(session: AsyncSession, message: OutboxMessage) -> None:
    assert message.confession_id is not None
    await lifecycle.mark_undeliverable(session, message.confession_id, chat_id=message.chat_id)


ON_SENT: dict[str, SentEffect] = {Notice.DELIVERY.value: _delivered}
ON_FORBIDDEN: dict[str, FailedEffect] = {Notice.DELIVERY.value: _undeliverable}
ON_GIVEN_UP: dict[str, FailedEffect] = {Notice.DELIVERY.value: _undeliverable}


class RateLimiter:
    """At most `rate` sends a second overall, smoothly spaced, and no fewer: a sleep that
    wakes late (the loop was busy) is made up on the next one, up to half an interval, so
    the lateness of every wake-up is not lost from the rate."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = clock()

    async def wait(self) -> None:
        now = self._clock()
        if self._next > now:
            await self._sleep(self._next - now)
        self._next = max(self._next, now - self._interval / 2) + self._interval


def answer_pending(
    entry: type[OutboxMessage] | AliasedClass[OutboxMessage],
    chat_id: ColumnElement[Any] | Mapped[Any],
) -> ColumnElement[bool]:
    """`entry` is an answer still to be sent to `chat_id`: what a chat's notices and later
    answers, and its user's next update, wait for. Its constants are written into the SQL,
    not bound, so that a prepared statement's generic plan can still use
    `ix_outbox_pending_answers`."""
    return and_(
        col(entry.chat_id) == chat_id,
        col(entry.sent_at).is_(None),
        col(entry.kind) == _constant(ANSWER),
        col(entry.status) == _constant(OutboxStatus.PENDING.value),
    )


def to_chat(chat_id: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Every entry to `chat_id`, as two conditions that each an index serves: the notices
    (`ix_outbox_chat_sent`) and the answers, pending until they are deleted
    (`ix_outbox_pending_answers`). One condition on the chat alone would read the whole
    outbox: neither index holds every entry."""
    return (
        and_(col(OutboxMessage.chat_id) == chat_id, col(OutboxMessage.kind) != _constant(ANSWER)),
        answer_pending(OutboxMessage, literal(chat_id)),
    )


def _constant(word: str) -> ColumnElement[str]:
    """A fixed word of ours as an SQL string literal (never a value from outside)."""
    assert word.isidentifier()
    return literal_column(f"'{word}'")


_recent = aliased(OutboxMessage, name="recent")
_earlier = aliased(OutboxMessage, name="earlier")
DUE = (
    select(OutboxMessage)
    .where(
        OutboxMessage.status == OutboxStatus.PENDING,
        col(OutboxMessage.next_attempt_at) <= bindparam("now"),
        or_(
            col(OutboxMessage.locked_until).is_(None),
            col(OutboxMessage.locked_until) < bindparam("now"),
        ),
        ~exists().where(
            and_(
                col(_recent.chat_id) == col(OutboxMessage.chat_id),
                col(_recent.kind) != _constant(ANSWER),  # deleted once sent; see the index
                col(_recent.sent_at) > bindparam("written_since"),
            )
        ),
        ~exists().where(  # a chat's answers go in order, and its notices after them all
            answer_pending(_earlier, col(OutboxMessage.chat_id)),
            or_(
                col(_earlier.id) < col(OutboxMessage.id),
                col(OutboxMessage.kind) != _constant(ANSWER),
            ),
        ),
    )
    .order_by(col(OutboxMessage.id))
    .limit(bindparam("limit", type_=Integer))
    .with_for_update(skip_locked=True)
    .execution_options(**{PLANNED_EACH_TIME: True})
)
"""Built once, like the inbox's claim: building it on every look cost more than running it,
and an idle worker looks twice a second. Planned at each look, as the inbox's claim is: the
plan PostgreSQL keeps from an idle outbox reads it whole once for every entry it finds, and
the outbox swings from empty to a backlog (Telegram away) faster than it is analyzed again."""


async def claim_due(
    session: AsyncSession,
    *,
    limit: int,
    chat_interval: float,
    lease_seconds: float,
    busy_chats: set[int] | None = None,
) -> list[OutboxMessage]:
    """Due entries, one per chat, skipping chats written to within the per-chat interval
    and `busy_chats`, which have a send in flight."""
    now = utcnow()
    due = await all_in(
        session,
        OutboxMessage,
        DUE,
        {"now": now, "written_since": now - timedelta(seconds=chat_interval), "limit": limit * 4},
    )
    seen_chats: set[int] = set(busy_chats or ())
    claimed: list[OutboxMessage] = []
    for message in due:
        if message.chat_id in seen_chats:
            continue
        seen_chats.add(message.chat_id)
        claimed.append(message)
        if len(claimed) == limit:
            break
    if claimed:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_([message.id for message in claimed]))
            .values(locked_until=now + timedelta(seconds=lease_seconds))
        )
    return claimed


QUEUE_ANSWER = (
    insert(OutboxMessage)
    .values(
        kind=ANSWER,
        chat_id=bindparam("chat_id"),
        params=bindparam("params"),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=bindparam("now"),
        locked_until=bindparam("until"),
        created_at=bindparam("now"),
    )
    .returning(col(OutboxMessage.id))
)


_REPLIES = (
    func.json_to_recordset(bindparam("replies", type_=JSON))
    .table_valued(
        column("position", Integer), column("chat_id", BigInteger), column("params", Text)
    )
    .render_derived(name="reply", with_types=True)
)
_ANSWER_ROW: tuple[ColumnElement[Any], ...] = (
    literal(ANSWER),
    _REPLIES.c.chat_id,
    cast(_REPLIES.c.params, JSON),
    literal(OutboxStatus.PENDING.value),
    literal(0),
    bindparam("now", type_=UTCDateTime),
    bindparam("until", type_=UTCDateTime),
    bindparam("now", type_=UTCDateTime),
)
"""An answer's row, in the order `QUEUE_ANSWERS` names its columns."""
QUEUE_ANSWERS = (
    insert(OutboxMessage)
    .from_select(
        [
            "kind",
            "chat_id",
            "params",
            "status",
            "attempts",
            "next_attempt_at",
            "locked_until",
            "created_at",
        ],
        select(*_ANSWER_ROW).order_by(_REPLIES.c.position),
    )
    .returning(col(OutboxMessage.id))
)
"""`QUEUE_ANSWER` for all of a turn's replies in one statement (PostgreSQL), given as one
JSON array: a turn that answers with two calls (a keyboard edited away and the next step)
made two round trips. The ids come in the replies' order, as the rows are numbered as they
are inserted, in `position` order."""


class Rider(NamedTuple):
    """Another write of the turn's transaction that goes in the round trip of its replies:
    `QUEUE_ANSWERS` with that write added as a data-modifying CTE (PostgreSQL), and the
    CTE's own parameters."""

    statement: Statement
    parameters: Mapping[str, Any]


async def queue_replies(
    session: AsyncSession,
    calls: Sequence[ApiCall],
    *,
    lease_seconds: float,
    rider: Rider | None = None,
) -> list[OutboxMessage]:
    """Store a turn's replies in its transaction, leased to the process that sends them next.
    What is returned is what was stored, for `send_replies`; the session does not hold it.
    A `rider` is for PostgreSQL alone."""
    now = utcnow()
    until = now + timedelta(seconds=lease_seconds)
    replies = [
        as_loaded(  # every column, as the row is stored: its id comes once it is
            OutboxMessage,
            {
                "id": None,
                "kind": ANSWER,
                "chat_id": int(call.params["chat_id"]),
                "confession_id": None,
                "params": {"method": call.method, "params": call.params}
                | ({"step_prompt": True} if call.step_prompt else {}),
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "locked_until": until,
                "created_at": now,
                "sent_at": None,
                "message_id": None,
                "last_error": None,
            },
        )
        for call in calls
    ]
    if not replies:
        return replies
    if not on_postgres(session):
        for reply in replies:
            [(reply.id,)] = await execute_in(
                session,
                QUEUE_ANSWER,
                {"chat_id": reply.chat_id, "params": reply.params, "now": now, "until": until},
            )
        return replies
    statement, more = rider or (QUEUE_ANSWERS, {})
    batch = [
        # as text inside the document, as the inbox stores a batch (`inbox.STORE_BATCH`)
        {"position": position, "chat_id": reply.chat_id, "params": json.dumps(reply.params)}
        for position, reply in enumerate(replies)
    ]
    ids = await execute_in(
        session, statement, {**more, "replies": batch, "now": now, "until": until}
    )
    for reply, (reply_id,) in zip(replies, sorted(ids), strict=True):
        reply.id = reply_id
    return replies


async def send_replies(
    database: Database, sender: Sender, replies: Sequence[OutboxMessage]
) -> bool:
    """Send a committed turn's replies in order, each recorded as sent right after the
    platform's answer (so a process killed meanwhile sends again only the call in flight). On
    a failure the rest are handed to the worker, which retries, backs off and gives up as for
    any notice; False then."""
    for index, reply in enumerate(replies):
        outcome = await sender.send(ApiCall(reply.params["method"], reply.params["params"]))
        if not isinstance(outcome, Sent | Unchanged):
            await _hand_to_worker(database, replies[index:], outcome, delay=_reply_delay(outcome))
            return False
        await _answered(database, reply, outcome)
    return True


FORGET = delete(OutboxMessage).where(col(OutboxMessage.id) == bindparam("id"))
FORGET_ALL = (
    delete(OutboxMessage)
    .where(col(OutboxMessage.id) == any_(bindparam("ids", type_=ARRAY(Integer))))
    .execution_options(**{PLANNED_EACH_TIME: True})
)
"""Replies forgotten, a batch in one statement (PostgreSQL). Planned at each run: a plan
PostgreSQL keeps for an array of ids reads the outbox whole when it was made while the outbox
was small, and would go on doing so at every forget once a backlog of notices has grown it."""
ANSWERED = users.STEP_PROMPTS.add_cte(FORGET_ALL.cte("forgotten")).execution_options(
    **{PLANNED_EACH_TIME: True}
)
"""`FORGET_ALL` with step prompts recorded, in one statement, atomic on its own
(PostgreSQL): one round trip for a batch, where a DELETE for each reply and an UPDATE for
each prompt in a transaction were a statement per row and four round trips. Planned at each
run as `FORGET_ALL` is (its kept plan reads the outbox and the users whole); a batch without
a prompt goes as `FORGET_ALL` alone, which plans in a third of the time."""


@dataclass(frozen=True, slots=True)
class _Answered:
    """A reply that is out, to be forgotten; `prompt` is its message id when it asks the
    user for their step (recorded then, for `users.take_step_prompt`)."""

    database: Database
    reply_id: int
    chat_id: int
    prompt: int | None


_answered_together: WeakKeyDictionary[Database, GroupCommit[_Answered, None]] = WeakKeyDictionary()
"""Per database, the replies sent at about the same moment, recorded in one transaction:
under load, a commit per reply was a third of the database's work for an update. One batch
is written at a time, so what is sent while it commits joins the next: with two at a time,
6,000 updates of the benchmark's mix forgot their 7,500 replies in 3,163 statements, with
one in 2,244. The wait is one commit at most, and the handling of the batch the reply
belongs to waits for its record anyway."""


async def _answered(database: Database, reply: OutboxMessage, outcome: Outcome) -> None:
    """A reply is out: forgotten, and when it is a step prompt its message id is recorded,
    in one transaction right after the platform's answer (the user's next update waits for
    it, so it finds the prompt recorded). Replies sent meanwhile share the transaction; the
    next call to this chat waits for it, so a process killed at any moment sends again only
    the call in flight."""
    assert reply.id is not None, "a reply is stored before it is sent"
    reference = outcome.reference if isinstance(outcome, Sent) else None
    together = _answered_together.get(database)
    if together is None:
        together = _answered_together[database] = GroupCommit(_record_answered, writers=1)
    await together.submit(
        _Answered(
            database,
            reply.id,
            reply.chat_id,
            reference if reply.params.get("step_prompt") else None,
        )
    )


async def _record_answered(answered: list[_Answered]) -> list[None]:
    database = answered[0].database
    prompts = {each.chat_id: each.prompt for each in answered if each.prompt is not None}
    if not database.is_sqlite:
        ids = [each.reply_id for each in answered]
        if not prompts:
            await database.execute(FORGET_ALL, {"ids": ids})
        else:
            await database.execute(
                ANSWERED,
                {"ids": ids, "user_ids": list(prompts), "message_ids": list(prompts.values())},
            )
        return [None] * len(answered)
    forgotten = [{"id": each.reply_id} for each in answered]
    if not prompts:  # each on its own is done or not: no transaction needed
        await database.execute(FORGET, forgotten)
    else:
        async with database.session() as session:
            await execute_in(session, FORGET, forgotten)
            await users.record_step_prompts(session, prompts)
    return [None] * len(answered)


def _reply_delay(outcome: Outcome) -> float:
    """When the worker takes up a reply that could not go at once: after the pause asked
    for, a second later when it may pass then, at once when the worker decides its fate."""
    if isinstance(outcome, RetryAfter):
        return outcome.seconds
    if isinstance(outcome, Failed) and outcome.transient:
        return 1.0
    return 0.0


def _reason(outcome: Outcome) -> str:
    """What an entry's `last_error` says about the outcome of its last try."""
    if isinstance(outcome, RetryAfter | Unreachable | Failed) and outcome.reason:
        return outcome.reason
    return type(outcome).__name__


async def _hand_to_worker(
    database: Database, replies: Sequence[OutboxMessage], outcome: Outcome, *, delay: float
) -> None:
    async with database.reading() as session:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_([reply.id for reply in replies]))
            .values(
                locked_until=None,
                next_attempt_at=utcnow() + timedelta(seconds=delay),
                last_error=_reason(outcome)[:500],
            )
        )


class OutboxWorker:
    """One per process; several processes on one PostgreSQL never send an entry twice."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        sender: Sender,
        render: NoticeRenderer,
        wakeup: asyncio.Event | None = None,
    ) -> None:
        self._database = database
        self._settings = settings
        self._sender = sender
        self._render = render
        self._limiter = RateLimiter(settings.outbox_rate_per_second)
        # a batch must be sent well within its lease, or another worker could take it too
        self._batch_size = max(
            1, min(30, int(settings.outbox_rate_per_second * settings.outbox_lease_seconds / 3))
        )
        self._paused_until = 0.0
        self.wakeup = wakeup or asyncio.Event()
        """Set when a notice was queued in this process, to send it without waiting."""
        self._sending: dict[int, asyncio.Task[None]] = {}
        """Sends in flight, by chat."""

    async def drain_once(self) -> int:
        """Claim a batch and start its sends, spaced by the limiter; returns how many entries
        were claimed, or how many sends in flight it waited for when none was due.

        A batch's sends overlap, and run on while the next batch is claimed: each send
        (render, call, record) takes longer than the spacing at full rate, so one after
        another, or a batch at a time, they would fall short of it. A chat with a send in
        flight is left out of the claim, so each chat's entries still go one at a time."""
        self._forget_finished()
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(min(pause, 1.0))
            return 0
        async with self._database.session() as session:
            batch = await claim_due(
                session,
                limit=self._batch_size,
                chat_interval=self._settings.outbox_chat_interval_seconds,
                lease_seconds=self._settings.outbox_lease_seconds,
                busy_chats=set(self._sending),
            )
        if not batch:
            return await self.finish()
        for message in batch:
            if time.monotonic() < self._paused_until:
                await self._release(message)
                continue
            await self._limiter.wait()
            self._sending[message.chat_id] = asyncio.create_task(self._send(message))
        return len(batch)

    async def finish(self) -> int:
        """Wait until every send in flight is recorded (before stopping, so none is left
        half done); returns how many there were."""
        waited = len(self._sending)
        if waited:
            await asyncio.wait(list(self._sending.values()))
        self._forget_finished()
        return waited

    def _forget_finished(self) -> None:
        """Let go of the sends that are done, raising the first error among them."""
        errors: list[BaseException] = []
        for chat_id, task in list(self._sending.items()):
            if task.done():
                del self._sending[chat_id]
                error = None if task.cancelled() else task.exception()
                if error is not None:
                    errors.append(error)
        if errors:
            raise errors[0]

    async def _send(self, message: OutboxMessage) -> None:
        if message.kind == ANSWER:
            call: ApiCall | None = ApiCall(message.params["method"], message.params["params"])
        else:
            async with self._database.session() as session:
                call = await self._render(session, message)
        if call is None:
            await self._finish(message, OutboxStatus.DROPPED, error="nothing to send any more")
            return
        if time.monotonic() < self._paused_until:  # asked to slow down while this rendered
            await self._release(message)
            return
        outcome = await self._sender.send(call)
        if not isinstance(outcome, Sent):
            await self._failed(message, outcome)
            return
        if message.kind == ANSWER:
            await _answered(self._database, message, outcome)
            return
        async with self._database.session() as session:
            entry = await session.get(OutboxMessage, message.id)
            assert entry is not None
            entry.status = OutboxStatus.SENT
            entry.sent_at = utcnow()
            entry.locked_until = None
            entry.attempts += 1
            if outcome.reference is not None:
                entry.message_id = outcome.reference
            effect = ON_SENT.get(entry.kind)
            if effect is not None:
                await effect(session, entry, outcome.reference)

    async def _failed(
        self, message: OutboxMessage, outcome: RetryAfter | Unreachable | Unchanged | Failed
    ) -> None:
        """What a refusal means for the entry: wait (everyone), give up on this recipient,
        count it as sent, back off, or give up on the entry."""
        match outcome:
            case RetryAfter(seconds=wait):
                self._paused_until = time.monotonic() + wait
                log.warning("the platform asked to slow down for %.0f s", wait)
                await self._retry(message, outcome, delay=wait, count_attempt=False)
            case Unreachable(reason=reason):
                async with self._database.session() as session:
                    await users.mark_unreachable(session, message.chat_id)
                await self._finish(message, OutboxStatus.FAILED, error=reason, effects=ON_FORBIDDEN)
            case Unchanged():
                await self._finish(message, OutboxStatus.SENT)
            case Failed(reason=reason, transient=True):
                age = (utcnow() - message.created_at).total_seconds()
                if age > self._settings.outbox_give_up_after_seconds:
                    await self._finish(
                        message, OutboxStatus.FAILED, error=reason, effects=ON_GIVEN_UP
                    )
                else:
                    delay = min(MAX_BACKOFF_SECONDS, 2.0 ** max(message.attempts, 0))
                    await self._retry(message, outcome, delay=delay, count_attempt=True)
            case Failed(reason=reason):
                log.error("outbox %s %s refused: %s", message.id, message.kind, reason)
                await self._finish(message, OutboxStatus.FAILED, error=reason, effects=ON_GIVEN_UP)

    async def _retry(
        self, message: OutboxMessage, outcome: Outcome, *, delay: float, count_attempt: bool
    ) -> None:
        async with self._database.session() as session:
            entry = await session.get(OutboxMessage, message.id)
            assert entry is not None
            entry.locked_until = None
            entry.next_attempt_at = utcnow() + timedelta(seconds=delay)
            entry.last_error = _reason(outcome)[:500]
            if count_attempt:
                entry.attempts += 1

    async def _forget(self, message: OutboxMessage) -> None:
        await self._database.execute(FORGET, {"id": message.id})

    async def _release(self, message: OutboxMessage) -> None:
        async with self._database.session() as session:
            entry = await session.get(OutboxMessage, message.id)
            assert entry is not None
            entry.locked_until = None

    async def _finish(
        self,
        message: OutboxMessage,
        status: OutboxStatus,
        *,
        error: str | None = None,
        effects: dict[str, FailedEffect] | None = None,
    ) -> None:
        if message.kind == ANSWER:
            await self._forget(message)
            return
        async with self._database.session() as session:
            entry = await session.get(OutboxMessage, message.id)
            assert entry is not None
            entry.status = status
            entry.locked_until = None
            entry.last_error = error[:500] if error else None
            effect = (effects or {}).get(entry.kind)
            if effect is not None:
                await effect(session, entry)


async def backlog(session: AsyncSession) -> tuple[int, float]:
    """How many notices wait, and how long the oldest has waited, in seconds."""
    found = await session.exec(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    count, oldest = found.one()
    if not count or oldest is None:
        return 0, 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), max(0.0, (utcnow() - oldest).total_seconds())
