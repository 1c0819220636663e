"""Claiming: a confession addressed by @username to someone the bot does not know yet, or
left open for whoever follows its link, belongs to the first person it may belong to, and to
nobody else after that."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from core import drafts, lifecycle
from core.errors import BadRecipient, NotForYou, NotYourOwn, SelfRecipient
from core.notices import Notice
from core.settings import Settings
from models import ConfessionStatus
from tests.core.conftest import ConfessionFactory, Outbox, Queued, UserFactory

DELIVERY = Notice.DELIVERY.value


async def test_a_confession_to_an_unknown_username_waits_for_that_username(
    make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice = await make_user("Alice")

    confession = await send(alice, username="@Bob_K")

    assert confession.recipient_id is None
    assert confession.recipient_username_key == "bob_k"
    assert confession.status == ConfessionStatus.QUEUED
    assert await outbox.all() == []


async def test_a_typed_username_of_someone_known_addresses_them_directly(
    make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob", username="bob_k")

    confession = await send(alice, username="BOB_K")

    assert confession.recipient_id == bob.id
    assert confession.recipient_username_key is None
    assert await outbox.all() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_the_username_holder_opening_the_link_claims_it_whatever_the_case(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice = await make_user("Alice")
    confession = await send(alice, username="bob_k")
    bob = await make_user("Bob", username="Bob_K")

    opened = await lifecycle.open_shared(session, settings, confession.public_id, bob)

    assert opened.confession.recipient_id == bob.id
    assert await outbox.all() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_someone_with_another_username_cannot_claim_it(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice = await make_user("Alice")
    confession = await send(alice, username="bob_k")
    carol = await make_user("Carol", username="carol_x")

    with pytest.raises(NotForYou):
        await lifecycle.open_shared(session, settings, confession.public_id, carol)

    assert confession.recipient_id is None
    assert await outbox.all() == []


async def test_once_claimed_a_second_username_cannot_claim_it_again(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice = await make_user("Alice")
    confession = await send(alice, username="bob_k")
    bob = await make_user("Bob", username="bob_k")
    await lifecycle.open_shared(session, settings, confession.public_id, bob)
    await outbox.news()
    carol = await make_user("Carol", username="carol_x")

    with pytest.raises(NotForYou):
        await lifecycle.open_shared(session, settings, confession.public_id, carol)

    assert confession.recipient_id == bob.id
    assert await outbox.news() == []


async def test_a_new_holder_of_the_claimed_username_cannot_take_it_over(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice = await make_user("Alice")
    confession = await send(alice, username="bob_k")
    bob = await make_user("Bob", username="bob_k")
    await lifecycle.open_shared(session, settings, confession.public_id, bob)
    bob.username, bob.username_key = "bob_new", "bob_new"
    impostor = await make_user("Not Bob", username="bob_k")

    with pytest.raises(NotForYou):
        await lifecycle.open_shared(session, settings, confession.public_id, impostor)

    assert confession.recipient_id == bob.id


async def test_opening_the_link_again_queues_no_second_delivery(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob", username="bob_k")
    confession = await send(alice)

    await lifecycle.open_shared(session, settings, confession.public_id, bob)
    await lifecycle.open_shared(session, settings, confession.public_id, bob)

    assert await outbox.all() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_an_open_link_belongs_to_whoever_opens_it_first(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob, carol = await make_user("Alice"), await make_user("Bob"), await make_user("Carol")
    confession = await send(alice)
    await lifecycle.open_shared(session, settings, confession.public_id, bob)

    with pytest.raises(NotForYou):
        await lifecycle.open_shared(session, settings, confession.public_id, carol)

    assert confession.recipient_id == bob.id


async def test_the_sender_opening_their_own_link_claims_nothing(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice = await make_user("Alice")
    confession = await send(alice)

    with pytest.raises(NotYourOwn):
        await lifecycle.open_shared(session, settings, confession.public_id, alice)

    assert confession.recipient_id is None


async def test_starting_the_bot_delivers_what_waited_for_ones_username(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice = await make_user("Alice")
    confession = await send(alice, username="bob_k")
    bob = await make_user("Bob", username="bob_k")

    count = await lifecycle.deliver_waiting(session, settings, bob)

    assert count == 1
    assert confession.recipient_id == bob.id
    assert await outbox.all() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_a_bots_username_is_not_a_recipient(
    session: AsyncSession, settings: Settings, make_user: UserFactory
) -> None:
    alice = await make_user("Alice")
    draft = await drafts.start(session, settings, alice)

    with pytest.raises(BadRecipient):
        await drafts.set_recipient_username(session, draft, alice, "@helpful_bot")


async def test_ones_own_username_is_not_a_recipient(
    session: AsyncSession, settings: Settings, make_user: UserFactory
) -> None:
    alice = await make_user("Alice", username="alice_w")
    draft = await drafts.start(session, settings, alice)

    with pytest.raises(SelfRecipient):
        await drafts.set_recipient_username(session, draft, alice, "@ALICE_W")

    assert draft.recipient_username_key is None
