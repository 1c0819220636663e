"""A match: two people who confessed to each other, each having agreed to be named if it
was mutual. Without both agreeing nothing is said, so confessing back never unmasks anyone."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from core import lifecycle, moderation, read_model
from core.errors import NotFound, WrongState
from core.media import MediaStore
from core.notices import Notice
from core.settings import Settings
from tests.core.conftest import ConfessionFactory, Outbox, Queued, UserFactory

MATCH = Notice.MATCH.value


async def test_two_confessions_to_each_other_both_agreeing_match_and_tell_both(
    make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(alice, bob, mutual=True)
    await outbox.news()

    second = await send(bob, alice, mutual=True)

    assert first.matched_at is not None
    assert second.matched_at == first.matched_at
    assert sorted(n for n in await outbox.news() if n.kind == MATCH) == sorted(
        [Queued(MATCH, bob.id, second.id), Queued(MATCH, alice.id, first.id)]
    )


async def test_a_matched_confession_names_its_sender_once_revealed(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(alice, bob, mutual=True)
    await send(bob, alice, mutual=True)

    shown = await lifecycle.reveal(session, first.public_id, bob)

    assert shown.sender_shown
    assert (await read_model.for_reader(session, first.public_id, bob)).sender_name == "Alice"


async def test_confessing_back_without_the_first_senders_agreement_says_nothing(
    make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(alice, bob, mutual=False)
    await outbox.news()

    second = await send(bob, alice, mutual=True)

    assert (first.matched_at, second.matched_at) == (None, None)
    assert [n.kind for n in await outbox.news()] == [Notice.DELIVERY.value]


async def test_confessing_back_without_agreeing_oneself_says_nothing(
    make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(alice, bob, mutual=True)
    await outbox.news()

    second = await send(bob, alice, mutual=False)

    assert (first.matched_at, second.matched_at) == (None, None)
    assert MATCH not in [n.kind for n in await outbox.news()]


async def test_agreeing_after_sending_completes_a_match_at_once(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(alice, bob, mutual=False)
    second = await send(bob, alice, mutual=True)
    await outbox.news()

    await lifecycle.agree_to_mutual_reveal(session, settings, first.public_id, alice, True)

    assert first.matched_at is not None
    assert sorted(await outbox.news()) == sorted(
        [Queued(MATCH, alice.id, first.id), Queued(MATCH, bob.id, second.id)]
    )


async def test_a_withdrawn_confession_never_completes_a_match(
    session: AsyncSession,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(alice, bob, mutual=True)
    await lifecycle.withdraw(session, store, first.public_id, alice)
    await outbox.news()

    second = await send(bob, alice, mutual=True)

    assert second.matched_at is None
    assert MATCH not in [n.kind for n in await outbox.news()]


async def test_only_its_sender_may_agree_to_be_named(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)

    with pytest.raises(NotFound):
        await lifecycle.agree_to_mutual_reveal(session, settings, confession.public_id, bob, True)

    assert confession.reveal_if_mutual is False


async def test_a_withdrawn_confession_cannot_agree_to_a_match_afterwards(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.withdraw(session, store, confession.public_id, alice)

    with pytest.raises(WrongState):
        await lifecycle.agree_to_mutual_reveal(session, settings, confession.public_id, alice, True)


async def test_a_blocked_sender_confessing_back_gets_no_match(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    earlier = await send(bob, alice)
    await moderation.block_sender(session, settings, earlier.public_id, alice)
    await send(alice, bob, mutual=True)
    await outbox.news()

    back = await send(bob, alice, mutual=True)

    assert back.matched_at is None
    assert MATCH not in [n.kind for n in await outbox.news()]


async def test_a_blocked_sender_agreeing_after_sending_gets_no_match_either(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    earlier = await send(bob, alice)
    await moderation.block_sender(session, settings, earlier.public_id, alice)
    await send(alice, bob, mutual=True)
    back = await send(bob, alice, mutual=False)
    await outbox.news()

    await lifecycle.agree_to_mutual_reveal(session, settings, back.public_id, bob, True)

    assert back.matched_at is None
    assert MATCH not in [n.kind for n in await outbox.news()]


async def test_a_confession_withheld_by_a_block_never_completes_a_match(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    earlier = await send(bob, alice)
    await moderation.block_sender(session, settings, earlier.public_id, alice)
    withheld = await send(bob, alice, mutual=True)
    assert withheld.withheld_at is not None
    await outbox.news()

    mine = await send(alice, bob, mutual=True)

    assert (mine.matched_at, withheld.matched_at) == (None, None)
    assert MATCH not in [n.kind for n in await outbox.news()]
