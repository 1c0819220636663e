"""The durable limits hold exactly when one person's sends arrive at once; the per-process
flood guard's batches never hand out more than the limit."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import pytest

from core import lifecycle, limits
from core.errors import LimitReached, PairLimitReached
from core.settings import Settings
from models import ComposeStep, Confession, User
from models.db import Database

AT_ONCE = 12


async def people(database: Database, count: int) -> list[User]:
    async with database.session() as session:
        made = [User(id=7_000_000 + n, first_name=f"P{n}") for n in range(count)]
        session.add_all(made)
    return made


async def drafts_to(database: Database, sender: User, recipients: list[User]) -> list[int]:
    async with database.session() as session:
        made = [
            Confession(
                sender_id=sender.id,
                recipient_id=recipient.id,
                text="I think about you",
                compose_step=ComposeStep.PREVIEW,
            )
            for recipient in recipients
        ]
        session.add_all(made)
        await session.flush()
        return [draft.id or 0 for draft in made]


async def send_at_once(
    database: Database, settings: Settings, draft_ids: list[int]
) -> Counter[str]:
    """Each draft sent in its own unit of work, all at the same moment."""

    async def one(draft_id: int) -> str:
        try:
            async with database.session() as session:
                draft = await session.get(Confession, draft_id)
                assert draft is not None
                sender = await session.get(User, draft.sender_id)
                assert sender is not None
                await lifecycle.send(session, settings, draft, sender)
        except PairLimitReached:
            return "pair limit"
        except LimitReached:
            return "limit"
        return "sent"

    return Counter(await asyncio.gather(*(one(draft_id) for draft_id in draft_ids)))


async def test_confessions_sent_at_once_stop_exactly_at_the_daily_limit(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(confessions_per_day=3)
    sender, *recipients = await people(database, AT_ONCE + 1)

    outcome = await send_at_once(database, settings, await drafts_to(database, sender, recipients))

    assert outcome == {"sent": 3, "limit": AT_ONCE - 3}


async def test_confessions_to_one_person_at_once_stop_exactly_at_the_pair_limit(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(confessions_per_day=50, confessions_per_recipient_per_day=3)
    sender, recipient = await people(database, 2)

    drafts = await drafts_to(database, sender, [recipient] * AT_ONCE)
    outcome = await send_at_once(database, settings, drafts)

    assert outcome == {"sent": 3, "pair limit": AT_ONCE - 3}


@pytest.mark.parametrize(
    ("limit", "penalties", "left"), [(10, 1, 5), (10, 2, 2), (3, 1, 1), (1, 5, 1)]
)
def test_each_penalty_halves_a_limit_rounding_down_but_never_to_nothing(
    limit: int, penalties: int, left: int
) -> None:
    assert limits.reduced(limit, penalties) == left


def inside_one_clock_minute(margin: float = 5.0) -> None:
    """The shared count is per clock minute, so attempts that straddle a minute's boundary
    may rightly get the limit twice: a test of one minute's limit starts well inside one."""
    into = time.time() % 60
    if into > 60 - margin:
        time.sleep(60 - into + 0.1)


async def test_shared_batches_from_many_processes_never_exceed_the_limit(
    database: Database,
) -> None:
    inside_one_clock_minute()
    processes = [
        limits.SharedThrottle(database, scope="test", per_minute=25, batch=4) for _ in range(3)
    ]

    async def attempt(throttle: limits.SharedThrottle) -> bool:
        try:
            await throttle.check(42)
        except LimitReached:
            return False
        return True

    allowed = await asyncio.gather(*(attempt(p) for p in processes * 20))

    assert sum(allowed) <= 25
