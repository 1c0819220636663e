"""What a reader is offered is what the domain accepts: for every state a confession can be
in and either side of it, each permission in the reader's view (`read_model.permissions`)
holds exactly when the step it names goes through and changes something, and the rest are
refused or change nothing. Whoever gets no view at all may do nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import editing, lifecycle, moderation, reactions, read_model, threads
from core.errors import DomainError, NotFound
from core.media import build_media_store
from core.read_model import Permissions, Role
from core.settings import Settings
from models import (
    Block,
    Confession,
    ConfessionStatus,
    Reaction,
    Reply,
    Report,
    Signature,
    User,
)
from models.db import Database
from models.types import utcnow

SENDER_ID = 8_100_001
RECIPIENT_ID = 8_100_002
Step = Callable[[AsyncSession, Settings, str, User], Awaitable[object]]


async def _withdraw(session: AsyncSession, settings: Settings, public_id: str, user: User) -> None:
    store = build_media_store(settings, base_url="")
    await lifecycle.withdraw(session, store, public_id, user)


async def _edit(session: AsyncSession, settings: Settings, public_id: str, user: User) -> None:
    await editing.edit_content(session, settings, public_id, user, text="Other words")


async def _reply(session: AsyncSession, settings: Settings, public_id: str, user: User) -> None:
    await threads.post(session, settings, public_id, user, text="and you?")


async def _react(session: AsyncSession, settings: Settings, public_id: str, user: User) -> None:
    await reactions.react(session, settings, public_id, user, "heart")


async def _reveal(session: AsyncSession, _settings: Settings, public_id: str, user: User) -> None:
    await lifecycle.reveal(session, public_id, user)


STEPS: dict[str, Step] = {
    "reveal": _reveal,
    "edit": _edit,
    "sign": lifecycle.sign,
    "withdraw": _withdraw,
    "reply": _reply,
    "react": _react,
    "block": moderation.block_sender,
    "report": moderation.report,
}


@dataclass(frozen=True)
class Case:
    status: ConfessionStatus
    signature: Signature = Signature.ANONYMOUS
    matched: bool = False
    withheld: bool = False

    def __str__(self) -> str:
        extras = [self.signature.value] + ["matched"] * self.matched + ["withheld"] * self.withheld
        return f"{self.status.value}-{'-'.join(extras)}"


CASES = [
    *(Case(status) for status in ConfessionStatus),
    *(Case(status, Signature.SIGNED) for status in ConfessionStatus),
    *(Case(status, matched=True) for status in ConfessionStatus),
    Case(ConfessionStatus.DELIVERED, withheld=True),
]


async def _confession(database: Database, case: Case) -> str:
    now = utcnow()
    reached = case.status != ConfessionStatus.DRAFT
    async with database.session() as session:
        for user_id, name in ((SENDER_ID, "Sender"), (RECIPIENT_ID, "Recipient")):
            if await session.get(User, user_id) is None:
                session.add(User(id=user_id, first_name=name))
        await session.flush()
        confession = Confession(
            sender_id=SENDER_ID,
            recipient_id=RECIPIENT_ID,
            text="I think about you",
            text_html="I think about you",
            status=case.status,
            signature=case.signature,
            queued_at=now if reached else None,
            delivered_at=now if reached and case.status != ConfessionStatus.QUEUED else None,
            revealed_at=now if case.status == ConfessionStatus.REVEALED else None,
            matched_at=now if case.matched else None,
            withheld_at=now if case.withheld else None,
            created_at=now - timedelta(minutes=1),
        )
        session.add(confession)
        await session.flush()
        return confession.public_id


async def _effects(session: AsyncSession, public_id: str) -> tuple[object, ...]:
    """Everything a step could change: the confession's state and what hangs off it."""
    confession = (
        await session.exec(select(Confession).where(Confession.public_id == public_id))
    ).one()
    counts = [
        (await session.exec(select(func.count()).select_from(table))).one()
        for table in (Reply, Reaction, Block, Report)
    ]
    return (confession.status, confession.signature, confession.text, *counts)


async def _offered(database: Database, public_id: str, user: User) -> Permissions | None:
    async with database.reading() as session:
        try:
            return (await read_model.for_reader(session, public_id, user)).can
        except NotFound:
            return None


async def _try(
    database: Database, settings: Settings, step: Step, public_id: str, user: User
) -> bool:
    """Whether the step went through and changed something."""
    try:
        async with database.session() as session:
            before = await _effects(session, public_id)
            await step(session, settings, public_id, user)
            return await _effects(session, public_id) != before
    except DomainError:
        return False


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", list(Role))
async def test_what_is_offered_is_what_goes_through(
    database: Database, settings: Settings, case: Case, role: Role
) -> None:
    """Each step on a confession of its own in that state, so one step's effect is not
    another's starting point."""
    user = User(
        id=SENDER_ID if role == Role.SENDER else RECIPIENT_ID, first_name=role.value.title()
    )
    disagreements = {}
    for action, step in STEPS.items():
        public_id = await _confession(database, case)
        offered = await _offered(database, public_id, user)
        expected = offered is not None and getattr(offered, action)
        accepted = await _try(database, settings, step, public_id, user)
        if accepted != expected:
            disagreements[action] = {"offered": expected, "went through": accepted}

    assert disagreements == {}


def test_every_permission_has_its_step() -> None:
    assert set(STEPS) == set(Permissions.__dataclass_fields__)
