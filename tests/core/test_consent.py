"""The recipient decides: a stranger's first confession is a request, their setting may keep
strangers or everyone out, their word filter holds what it catches; and whatever is declined,
refused or filtered looks to its sender like a confession delivered and not opened yet."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from core import consent, lifecycle
from core.errors import NotFound
from core.notices import Notice
from core.settings import Settings
from models import ConfessionStatus, HoldDecision, HoldReason, WhoMaySend
from tests.core.conftest import ConfessionFactory, Outbox, Queued, UserFactory

DELIVERY = Notice.DELIVERY.value
DELIVERED = Notice.DELIVERED.value


async def test_a_strangers_first_confession_arrives_as_a_request(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")

    confession = await send(alice, bob)

    assert await consent.is_request(session, confession)
    assert [held.item.reason for held in await consent.held_for(session, bob)] == [
        HoldReason.REQUEST
    ]
    assert await outbox.all() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_someone_with_a_thread_is_not_a_stranger(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    earlier = await send(alice, bob)
    await lifecycle.reveal(session, earlier.public_id, bob)

    again = await send(alice, bob)

    assert not await consent.is_request(session, again)


async def test_declining_a_request_tells_the_sender_nothing(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await outbox.news()

    await consent.answer_request(session, confession.public_id, bob, accepted=False)

    assert confession.status == ConfessionStatus.QUEUED
    assert await outbox.news() == []
    assert await consent.held_for(session, bob) == []


async def test_accepting_a_request_sends_the_usual_notice_once(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await outbox.news()

    await consent.answer_request(session, confession.public_id, bob, accepted=True)
    await consent.answer_request(session, confession.public_id, bob, accepted=True)

    assert not await consent.is_request(session, confession)
    assert await outbox.news() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_nobody_answers_a_request_meant_for_someone_else(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob, mallory = await make_user("Alice"), await make_user("Bob"), await make_user("M")
    confession = await send(alice, bob)
    await outbox.news()

    with pytest.raises(NotFound):
        await consent.answer_request(session, confession.public_id, mallory, accepted=True)
    with pytest.raises(NotFound):
        await consent.answer_request(session, confession.public_id, alice, accepted=False)

    assert await consent.is_request(session, confession)
    assert await outbox.news() == []


async def test_with_the_inbox_paused_a_confession_is_held_and_its_sender_sees_it_delivered(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    await consent.update_preferences(session, bob, who_may_send=WhoMaySend.NOBODY)

    confession = await send(alice, bob)

    assert confession.status == ConfessionStatus.DELIVERED
    assert await outbox.all() == [Queued(DELIVERED, alice.id, confession.id)]
    assert [held.item.reason for held in await consent.held_for(session, bob)] == [
        HoldReason.SETTING
    ]


async def test_a_filter_word_holds_a_confession_even_from_a_link_the_recipient_opened(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    await consent.add_filter_words(session, bob, "Horoscope, crypto")
    confession = await send(alice, text="My horoscopes say we belong together")

    await lifecycle.open_shared(session, settings, confession.public_id, bob)

    assert confession.status == ConfessionStatus.DELIVERED
    assert confession.recipient_id == bob.id
    assert await outbox.all() == [Queued(DELIVERED, alice.id, confession.id)]
    assert [held.item.reason for held in await consent.held_for(session, bob)] == [
        HoldReason.FILTER
    ]


async def test_showing_a_held_confession_delivers_it_as_usual(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    await consent.update_preferences(session, bob, who_may_send=WhoMaySend.NOBODY)
    confession = await send(alice, bob)
    [held] = await consent.held_for(session, bob)
    assert held.item.id is not None
    await outbox.news()

    released = await consent.release(session, bob, held.item.id)

    assert released.item.decision == HoldDecision.ACCEPTED
    assert await outbox.news() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_nobody_releases_what_is_held_for_someone_else(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    await consent.update_preferences(session, bob, who_may_send=WhoMaySend.NOBODY)
    await send(alice, bob)
    [held] = await consent.held_for(session, bob)
    assert held.item.id is not None
    await outbox.news()

    with pytest.raises(NotFound):
        await consent.release(session, alice, held.item.id)

    assert held.item.decision is None
    assert await outbox.news() == []
