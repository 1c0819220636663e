"""How much one person may send, so nobody floods anybody, and how that holds when requests
arrive at once and several processes share one database.

Two kinds of limit, two mechanisms:

- **Durable limits** protect recipients: confessions in 24 hours, confessions to one person
  in 24 hours, replies in a minute. They count the stored confessions and replies over a
  sliding window, so "in 24 hours" means the 24 hours before this moment. Counting and then
  inserting is only exact when nobody else inserts in between, so the count is made while
  holding the sender's row (`hold`): `SELECT ... FOR NO KEY UPDATE` on PostgreSQL, the
  database's write lock on SQLite. A second request of the same person waits for the first
  to commit, then counts what it stored. It costs one statement, on writes only.
- **Flood guards** protect the service: API calls and bot updates in a minute, per user
  (`SharedThrottle`). They run on every request, reads included, so a database write per
  request is too dear. Each process takes a *batch* of a user's quota for the current clock
  minute from a shared counter (`rate_counters`, one atomic upsert) and spends it from
  memory, so a user costs one write per batch, not per request. Everything handed out in a
  minute never exceeds the limit, whatever the number of processes; the price is that a
  batch one process holds unspent is not available to another, so a user whose requests
  alternate between P processes may be refused up to (P - 1) * (batch - 1) requests early.
  The minutes are clock minutes, and each process also keeps the sliding minute in memory
  as before: one process never lets more than the limit through in any 60 seconds; across
  processes, at most the limit per clock minute (twice it across a minute's boundary).

Sending a confession with words from the operator's word list (`core.wordlist`) halves the
sender's durable limits for a day, once per such confession (`record_word_list_hit`).

`/deleteme` deletes what the durable limits count, so before it does, what they still look
back at is kept under keyed hashes (`keep_what_was_spent`, `SpentAllowance`): deleting one's
data and coming back does not start the limits afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Insert, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import LimitReached, PairLimitReached
from core.identity import keyed_hash
from core.settings import Settings
from models import (
    Confession,
    LimitPenalty,
    RateCounter,
    Reply,
    SpentAllowance,
    SpentKind,
    User,
)
from models.db import Database
from models.types import utcnow

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
PENALTY_LASTS = DAY

CountQuery = SelectOfScalar[int]


# durable limits


@dataclass(frozen=True, slots=True)
class Allowance:
    """One person's durable limits as they stand now, penalties applied."""

    confessions_per_day: int
    confessions_per_recipient_per_day: int
    replies_per_minute: int
    penalties: int


async def allowance(session: AsyncSession, settings: Settings, user_id: int) -> Allowance:
    """The settings' limits, halved (rounded down, never below one) for each word-list hit
    of the last 24 hours."""
    penalties = await penalties_in_force(session, settings, user_id)
    return Allowance(
        confessions_per_day=reduced(settings.confessions_per_day, penalties),
        confessions_per_recipient_per_day=reduced(
            settings.confessions_per_recipient_per_day, penalties
        ),
        replies_per_minute=reduced(settings.replies_per_minute, penalties),
        penalties=penalties,
    )


def reduced(limit: int, penalties: int) -> int:
    return max(1, limit >> min(penalties, 62))


async def penalties_in_force(session: AsyncSession, settings: Settings, user_id: int) -> int:
    since = utcnow() - PENALTY_LASTS
    imposed = (
        select(func.count())
        .select_from(LimitPenalty)
        .where(LimitPenalty.user_id == user_id, col(LimitPenalty.imposed_at) > since)
    )
    return await _spent(session, imposed, _kept(settings, user_id, SpentKind.PENALTY, since))


async def record_word_list_hit(session: AsyncSession, user_id: int) -> None:
    """Words from the operator's list went out in spite of the warning: for the next 24 hours
    this person's durable limits are halved once more."""
    session.add(LimitPenalty(user_id=user_id))
    await session.flush()


async def hold(session: AsyncSession, user_id: int) -> None:
    """Make this person's other requests wait until this unit of work ends, so what the
    limits count cannot change between the count and the insert.

    PostgreSQL locks the user's row (`FOR NO KEY UPDATE`, which still lets others insert
    rows that point to it). SQLite has no row locks: a write takes the database's write lock,
    and SQLite begins a transaction only at the first write, so a no-op update is what makes
    the counting that follows happen inside the transaction, after every earlier commit."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql":
        await session.exec(
            select(User.id).where(User.id == user_id).with_for_update(key_share=True)
        )
        return
    users = User.__table__  # type: ignore[attr-defined]
    await session.exec(
        sa.update(users).where(users.c.id == user_id).values(updated_at=users.c.updated_at)
    )


async def check_confession(
    session: AsyncSession, settings: Settings, sender: User, draft: Confession
) -> None:
    """At most so many confessions in 24 hours, and fewer to any one person; exact however
    many arrive at once."""
    await hold(session, sender.id)
    allowed = await allowance(session, settings, sender.id)
    since = utcnow() - DAY
    sent = (
        select(func.count())
        .select_from(Confession)
        .where(Confession.sender_id == sender.id, col(Confession.queued_at) >= since)
    )
    kept = _kept(settings, sender.id, SpentKind.CONFESSION, since)
    if await _spent(session, sent, kept) >= allowed.confessions_per_day:
        raise LimitReached(limit=allowed.confessions_per_day, retry_after=3600)
    recipient = await _recipient(session, draft)
    if recipient is None:
        return
    to_them = await _spent(
        session,
        sent.where(recipient.stored()),
        kept.where(recipient.kept(settings, sender.id)),
    )
    if to_them >= allowed.confessions_per_recipient_per_day:
        raise PairLimitReached(limit=allowed.confessions_per_recipient_per_day, retry_after=3600)


@dataclass(frozen=True, slots=True)
class _Recipient:
    """Whom a confession is for, as the pair limit tells people apart: by who they are, or
    by the @username it was addressed to."""

    user_id: int | None
    username_key: str | None

    def stored(self) -> sa.ColumnElement[bool]:
        return _any_equal(
            (col(Confession.recipient_id), self.user_id),
            (col(Confession.recipient_username_key), self.username_key),
        )

    def kept_keys(self, settings: Settings, sender_id: int) -> tuple[str | None, str | None]:
        """The sender paired with each of these, as keyed hashes: per pair, like a block's
        key, so one recipient's entries cannot be linked across senders."""
        return (
            None
            if self.user_id is None
            else keyed_hash(settings, TO_PURPOSE, sender_id, self.user_id),
            None
            if self.username_key is None
            else keyed_hash(settings, TO_NAME_PURPOSE, sender_id, self.username_key),
        )

    def kept(self, settings: Settings, sender_id: int) -> sa.ColumnElement[bool]:
        to_key, to_name_key = self.kept_keys(settings, sender_id)
        return _any_equal(
            (col(SpentAllowance.to_key), to_key), (col(SpentAllowance.to_name_key), to_name_key)
        )


def _any_equal(*pairs: tuple[Mapped[Any], object]) -> sa.ColumnElement[bool]:
    """Some column equals its value; a pair whose value is None matches nothing."""
    return or_(sa.false(), *(column == value for column, value in pairs if value is not None))


async def _recipient(session: AsyncSession, draft: Confession) -> _Recipient | None:
    """The person this draft is for, whether addressed by who they are or by their
    @username; None for an open link, whose recipient is nobody yet."""
    if draft.recipient_id is not None:
        recipient = await session.get(User, draft.recipient_id)
        return _Recipient(draft.recipient_id, recipient.username_key if recipient else None)
    if draft.recipient_username_key is not None:
        return _Recipient(None, draft.recipient_username_key)
    return None


async def check_reply_rate(session: AsyncSession, settings: Settings, author: User) -> None:
    """At most so many replies in any minute; exact however many arrive at once."""
    await hold(session, author.id)
    allowed = await allowance(session, settings, author.id)
    since = utcnow() - MINUTE
    written = (
        select(func.count())
        .select_from(Reply)
        .where(Reply.author_id == author.id, col(Reply.created_at) >= since)
    )
    kept = _kept(settings, author.id, SpentKind.REPLY, since)
    if await _spent(session, written, kept) >= allowed.replies_per_minute:
        raise LimitReached(limit=allowed.replies_per_minute, retry_after=60)


# what outlives /deleteme

SPENT_PURPOSE = "limits"
TO_PURPOSE = "limits-to"
TO_NAME_PURPOSE = "limits-to-name"


def _spender_key(settings: Settings, user_id: int) -> str:
    return keyed_hash(settings, SPENT_PURPOSE, user_id)


def _kept(settings: Settings, user_id: int, kind: SpentKind, since: datetime) -> CountQuery:
    return (
        select(func.count())
        .select_from(SpentAllowance)
        .where(
            SpentAllowance.key == _spender_key(settings, user_id),
            SpentAllowance.kind == kind,
            col(SpentAllowance.at) >= since,
        )
    )


async def _spent(session: AsyncSession, stored: CountQuery, kept: CountQuery) -> int:
    """What the person's own rows count, and what was kept of them from before a
    `/deleteme`, in one statement."""
    found = await session.exec(select(stored.scalar_subquery() + kept.scalar_subquery()))
    return int(found.one())


async def keep_what_was_spent(session: AsyncSession, settings: Settings, user: User) -> None:
    """Before the person's data is deleted: whatever of it a durable limit still looks back
    at is kept as `SpentAllowance` rows, which name nobody, so that deleting one's data does
    not start the limits afresh."""
    now = utcnow()
    key = _spender_key(settings, user.id)
    sent = await session.exec(
        select(Confession).where(
            Confession.sender_id == user.id, col(Confession.queued_at) >= now - DAY
        )
    )
    for confession in sent.all():
        assert confession.queued_at is not None
        recipient = _Recipient(confession.recipient_id, confession.recipient_username_key)
        to_key, to_name_key = recipient.kept_keys(settings, user.id)
        session.add(
            SpentAllowance(
                key=key,
                kind=SpentKind.CONFESSION,
                at=confession.queued_at,
                to_key=to_key,
                to_name_key=to_name_key,
            )
        )
    written = await session.exec(
        select(Reply.created_at).where(Reply.author_id == user.id, Reply.created_at >= now - MINUTE)
    )
    imposed = await session.exec(
        select(LimitPenalty.imposed_at).where(
            LimitPenalty.user_id == user.id, LimitPenalty.imposed_at > now - PENALTY_LASTS
        )
    )
    session.add_all(
        [SpentAllowance(key=key, kind=SpentKind.REPLY, at=at) for at in written.all()]
        + [SpentAllowance(key=key, kind=SpentKind.PENALTY, at=at) for at in imposed.all()]
    )
    await session.flush()


# flood guards


class Throttle:
    """At most `per_minute` actions per key in any minute, counted in this process.

    On its own, each process counts alone and a restart forgets; `SharedThrottle` adds the
    count all processes share."""

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    def check(self, key: int, *, now: float | None = None) -> None:
        """Count one action; raises LimitReached with the seconds until the next is allowed."""
        moment = time.monotonic() if now is None else now
        window = self._seen[key]
        while window and window[0] <= moment - 60:
            window.popleft()
        if len(window) >= self._per_minute:
            raise LimitReached(
                limit=self._per_minute, retry_after=max(1, int(window[0] + 60 - moment) + 1)
            )
        window.append(moment)
        if len(self._seen) > 100_000:
            self._forget_idle(moment)

    def uncount(self, key: int) -> None:
        """Take back the last action counted: it was refused elsewhere."""
        window = self._seen.get(key)
        if window:
            window.pop()

    def _forget_idle(self, moment: float) -> None:
        for key in [k for k, w in self._seen.items() if not w or w[-1] <= moment - 60]:
            del self._seen[key]


def batch_size(per_minute: int) -> int:
    """A tenth of the limit: one shared write per ten percent of a user's minute."""
    return max(1, math.ceil(per_minute / 10))


class SharedThrottle:
    """At most `per_minute` actions per user in a clock minute across every process on the
    database, spent from batches reserved in `rate_counters`; see the module's docstring for
    the trade-off. Also at most `per_minute` in any 60 seconds within this process."""

    def __init__(
        self, database: Database, *, scope: str, per_minute: int, batch: int | None = None
    ) -> None:
        self._database = database
        self._scope = scope
        self._per_minute = per_minute
        self._batch = batch or batch_size(per_minute)
        self._local = Throttle(per_minute)
        self._spare: dict[int, tuple[int, int]] = {}
        """Per user: the minute a reserved batch belongs to, and how much of it is left."""
        self._reserving = _reserving(database.autocommit_engine.dialect.name)
        self._one_at_a_time = asyncio.Lock() if database.is_sqlite else None
        """SQLite has one writer at a time and its waiters poll, unfairly: when this process's
        connections race each other for the lock, some wait past the busy timeout."""

    async def check(self, key: int) -> None:
        """Count one action; raises LimitReached with the seconds until the next is allowed."""
        self._local.check(key)
        now = time.time()
        minute = int(now // 60) * 60
        if self._take_spare(key, minute):
            return
        granted = await self._reserve(key, minute)
        held_minute, left = self._spare.get(key, (minute, 0))
        self._spare[key] = (minute, (left if held_minute == minute else 0) + granted)
        if self._take_spare(key, minute):  # ours, or what a request beside it reserved
            return
        self._local.uncount(key)
        raise LimitReached(limit=self._per_minute, retry_after=max(1, int(minute + 60 - now) + 1))

    def _take_spare(self, key: int, minute: int) -> bool:
        held = self._spare.get(key)
        if held is None or held[0] != minute or held[1] <= 0:
            return False
        self._spare[key] = (minute, held[1] - 1)
        return True

    async def _reserve(self, key: int, minute: int) -> int:
        """Add a batch to the shared count in one statement; what of it is still under the
        limit is ours."""
        values = {"scope": self._scope, "subject": key, "window_start": minute}
        async with self._one_at_a_time or contextlib.nullcontext():
            [(counted,)] = await self._database.execute(
                self._reserving, {**values, "count": self._batch}
            )
        total = int(counted)
        if len(self._spare) > 100_000:
            self._spare = {k: held for k, held in self._spare.items() if held[0] == minute}
        return max(0, min(self._batch, self._per_minute - (total - self._batch)))


def _reserving(dialect: str) -> Insert:
    """Built once: building the statement costs more than running it. Run on the driver
    (`Database.execute`), as the mini app's reads are: it is on their path."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    adding = insert(RateCounter).values(
        scope=sa.bindparam("scope"),
        subject=sa.bindparam("subject"),
        window_start=sa.bindparam("window_start"),
        count=sa.bindparam("count"),
    )
    return adding.on_conflict_do_update(
        index_elements=["scope", "subject", "window_start"],
        set_={"count": col(RateCounter.count) + adding.excluded.count},
    ).returning(col(RateCounter.count))


async def forget_old_counters(session: AsyncSession) -> None:
    """Counters of minutes gone by count nothing any more; they also name users. What was
    kept from before a `/deleteme` goes once no limit looks back at it."""
    before = int(time.time() // 60) * 60 - 60
    await session.exec(sa.delete(RateCounter).where(col(RateCounter.window_start) < before))
    await session.exec(
        sa.delete(SpentAllowance).where(col(SpentAllowance.at) < utcnow() - max(DAY, PENALTY_LASTS))
    )
