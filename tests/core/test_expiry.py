"""Expiry: what was never opened ends after the configured days, its sender is told, and
nothing can be done with it any more."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from core import lifecycle
from core.errors import WrongState
from core.media import MediaStore
from core.notices import Notice
from core.settings import Settings
from models import ConfessionStatus, Signature
from tests.core.conftest import ConfessionFactory, Outbox, Queued, UserFactory, age

EXPIRED = Notice.EXPIRED.value
WITHDRAWN = Notice.WITHDRAWN.value


@pytest.mark.settings(confession_expiry_days=7)
async def test_an_unread_confession_older_than_the_setting_expires_and_its_sender_is_told(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    age(confession, days=7.01)
    await outbox.news()

    count = await lifecycle.expire_due(session, settings)

    assert count == 1
    assert confession.status == ConfessionStatus.EXPIRED
    assert confession.expired_at is not None
    assert await outbox.news() == [Queued(EXPIRED, alice.id, confession.id)]


@pytest.mark.settings(confession_expiry_days=7)
async def test_a_confession_younger_than_the_setting_does_not_expire(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    age(confession, days=6.99)
    await outbox.news()

    assert await lifecycle.expire_due(session, settings) == 0

    assert confession.status == ConfessionStatus.QUEUED
    assert await outbox.news() == []


async def test_a_revealed_confession_never_expires(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.reveal(session, confession.public_id, bob)
    age(confession, days=365)
    await outbox.news()

    assert await lifecycle.expire_due(session, settings) == 0

    assert confession.status == ConfessionStatus.REVEALED
    assert await outbox.news() == []


async def test_expiring_a_delivered_confession_edits_the_recipients_message(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    assert confession.id is not None
    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=42)
    age(confession, days=31)
    await outbox.news()

    await lifecycle.expire_due(session, settings)

    assert await outbox.news() == [
        Queued(EXPIRED, alice.id, confession.id),
        Queued(WITHDRAWN, bob.id, confession.id),
    ]
    assert (await outbox.rows())[-1].params == {"message_id": 42}


async def test_expiry_runs_once_per_confession(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    age(confession, days=31)
    await lifecycle.expire_due(session, settings)
    await outbox.news()

    assert await lifecycle.expire_due(session, settings) == 0

    assert await outbox.news() == []


async def test_an_expired_confession_cannot_be_revealed(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    age(confession, days=31)
    await lifecycle.expire_due(session, settings)

    with pytest.raises(WrongState):
        await lifecycle.reveal(session, confession.public_id, bob)

    assert confession.revealed_at is None


async def test_the_sender_cannot_sign_an_expired_confession(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    assert confession.id is not None
    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=3)
    age(confession, days=31)
    await lifecycle.expire_due(session, settings)
    await outbox.news()

    with pytest.raises(WrongState):
        await lifecycle.sign(session, settings, confession.public_id, alice)

    assert confession.signature == Signature.ANONYMOUS
    assert await outbox.news() == []


async def test_an_expired_confession_cannot_be_withdrawn(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    age(confession, days=31)
    await lifecycle.expire_due(session, settings)

    with pytest.raises(WrongState):
        await lifecycle.withdraw(session, store, confession.public_id, alice)

    assert confession.status == ConfessionStatus.EXPIRED
