"""A confession's life, in process: sent, delivered, revealed, withdrawn, signed; and what
each step tells whom, read from the outbox rows queued in the same unit of work."""

from __future__ import annotations

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import drafts, lifecycle, read_model
from core.errors import NotAllowed, NotForYou, NotFound, Withdrawn, WrongState
from core.media import MediaStore
from core.notices import Notice
from core.settings import Settings
from models import Confession, ConfessionStatus, Signature
from models.db import Database
from tests.core.conftest import ConfessionFactory, Outbox, Queued, UserFactory

DELIVERY = Notice.DELIVERY.value
DELIVERED = Notice.DELIVERED.value
REVEALED = Notice.REVEALED.value
SENDER_CONTROLS = Notice.SENDER_CONTROLS.value
SIGNED = Notice.SIGNED.value
WITHDRAWN = Notice.WITHDRAWN.value


async def test_sending_queues_one_delivery_to_a_recipient_the_bot_can_reach(
    make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")

    confession = await send(alice, bob)

    assert confession.status == ConfessionStatus.QUEUED
    assert confession.recipient_id == bob.id
    assert confession.queued_at is not None
    assert confession.compose_step is None
    assert await outbox.all() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_sending_ends_the_senders_compose_state(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")

    await send(alice, bob)

    assert alice.chat_state is None
    assert await drafts.current(session, alice) is None


async def test_to_someone_who_never_started_the_bot_nothing_is_queued_and_it_awaits_a_share(
    make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob", started=False)

    confession = await send(alice, bob)

    assert confession.status == ConfessionStatus.QUEUED
    assert read_model.awaits_share(confession, bob)
    assert await outbox.all() == []


async def test_a_draft_cannot_be_sent_twice(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)

    with pytest.raises(WrongState):
        await lifecycle.send(session, settings, confession, alice)

    assert await outbox.all() == [Queued(DELIVERY, bob.id, confession.id)]


async def test_nobody_sends_another_persons_draft(
    session: AsyncSession, settings: Settings, make_user: UserFactory
) -> None:
    alice, mallory = await make_user("Alice"), await make_user("Mallory")
    draft = await drafts.start(session, settings, alice)
    await drafts.set_open_recipient(session, draft)
    await drafts.set_text(session, draft, settings, text="mine", text_html="mine")

    with pytest.raises(WrongState):
        await lifecycle.send(session, settings, draft, mallory)

    assert draft.status == ConfessionStatus.DRAFT


async def test_the_worker_delivering_it_tells_the_sender_once(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await outbox.news()
    assert confession.id is not None

    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=501)
    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=501)

    assert confession.status == ConfessionStatus.DELIVERED
    assert (confession.delivery_chat_id, confession.delivery_message_id) == (bob.id, 501)
    assert await outbox.news() == [Queued(DELIVERED, alice.id, confession.id)]


async def test_revealing_shows_the_recipient_and_tells_the_sender(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob, text="You make Mondays bearable")
    await outbox.news()

    shown = await lifecycle.reveal(session, confession.public_id, bob)

    assert shown.confession.text == "You make Mondays bearable"
    assert shown.confession.status == ConfessionStatus.REVEALED
    assert shown.confession.revealed_at is not None
    assert shown.confession.delivered_at == shown.confession.revealed_at
    assert not shown.sender_shown
    assert await outbox.news() == [
        Queued(REVEALED, alice.id, confession.id),
        Queued(SENDER_CONTROLS, alice.id, confession.id),  # Withdraw leaves her message
    ]


async def test_revealing_again_tells_the_sender_nothing_more(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.reveal(session, confession.public_id, bob)
    await outbox.news()

    again = await lifecycle.reveal(session, confession.public_id, bob)

    assert again.confession.status == ConfessionStatus.REVEALED
    assert await outbox.news() == []


async def test_a_reveal_that_must_be_the_first_is_refused_once_opened(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.reveal(session, confession.public_id, bob, again=False)
    await outbox.news()

    with pytest.raises(WrongState):
        await lifecycle.reveal(session, confession.public_id, bob, again=False)

    assert await outbox.news() == []


async def test_a_stranger_cannot_reveal_someone_elses_confession(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory, outbox: Outbox
) -> None:
    alice, bob, mallory = await make_user("Alice"), await make_user("Bob"), await make_user("M")
    confession = await send(alice, bob)
    await outbox.news()

    with pytest.raises(NotForYou):
        await lifecycle.reveal(session, confession.public_id, mallory)

    assert confession.status == ConfessionStatus.QUEUED
    assert await outbox.news() == []


async def test_the_sender_cannot_reveal_their_own_confession_to_themselves(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)

    with pytest.raises(NotForYou):
        await lifecycle.reveal(session, confession.public_id, alice)

    assert confession.status == ConfessionStatus.QUEUED


async def test_a_stranger_is_told_nothing_exists_when_asking_for_a_confession(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob, mallory = await make_user("Alice"), await make_user("Bob"), await make_user("M")
    confession = await send(alice, bob)

    with pytest.raises(NotFound) as raised:
        await read_model.for_reader(session, confession.public_id, mallory)

    assert raised.value.code == "not_found"


async def test_withdrawing_an_unread_confession_edits_the_recipients_delivery_message(
    session: AsyncSession,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    assert confession.id is not None
    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=777)
    await outbox.news()

    withdrawn = await lifecycle.withdraw(session, store, confession.public_id, alice)

    assert withdrawn.status == ConfessionStatus.WITHDRAWN
    assert withdrawn.withdrawn_at is not None
    assert await outbox.news() == [Queued(WITHDRAWN, bob.id, confession.id)]
    edit = (await outbox.rows())[-1]
    assert edit.params == {"message_id": 777}


async def test_a_withdrawn_confession_cannot_be_revealed(
    session: AsyncSession, store: MediaStore, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.withdraw(session, store, confession.public_id, alice)

    with pytest.raises(Withdrawn):
        await lifecycle.reveal(session, confession.public_id, bob)


async def test_withdrawing_after_it_was_read_is_refused_and_changes_nothing(
    database: Database,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
    session: AsyncSession,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.reveal(session, confession.public_id, bob)
    await session.commit()

    with pytest.raises(WrongState):
        async with database.session() as attempt:
            await lifecycle.withdraw(attempt, store, confession.public_id, alice)

    async with database.session() as check:
        stored = (await check.exec(select(Confession).where(Confession.id == confession.id))).one()
    assert stored.status == ConfessionStatus.REVEALED
    assert stored.withdrawn_at is None


async def test_only_the_sender_may_withdraw(
    session: AsyncSession, store: MediaStore, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob, mallory = await make_user("Alice"), await make_user("Bob"), await make_user("M")
    confession = await send(alice, bob)

    with pytest.raises(NotAllowed):
        await lifecycle.withdraw(session, store, confession.public_id, bob)
    with pytest.raises(NotFound):
        await lifecycle.withdraw(session, store, confession.public_id, mallory)

    assert confession.status == ConfessionStatus.QUEUED


async def test_signing_a_delivered_confession_tells_the_recipient_and_drops_the_hint(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob, signature=Signature.HINT, hint="we met at the library")
    assert confession.id is not None
    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=1)
    await outbox.news()

    signed = await lifecycle.sign(session, settings, confession.public_id, alice)

    assert signed.signature == Signature.SIGNED
    assert signed.hint is None
    assert await outbox.news() == [Queued(SIGNED, bob.id, confession.id)]


async def test_signing_before_delivery_tells_nobody_as_the_delivery_will_carry_the_name(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await outbox.news()

    await lifecycle.sign(session, settings, confession.public_id, alice)

    assert confession.signature == Signature.SIGNED
    assert await outbox.news() == []


async def test_signing_twice_tells_the_recipient_once(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.reveal(session, confession.public_id, bob)
    await outbox.news()

    await lifecycle.sign(session, settings, confession.public_id, alice)
    await lifecycle.sign(session, settings, confession.public_id, alice)

    assert await outbox.news() == [Queued(SIGNED, bob.id, confession.id)]


async def test_a_signed_revealed_confession_names_its_sender_to_the_recipient(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.reveal(session, confession.public_id, bob)
    before = await read_model.for_reader(session, confession.public_id, bob)
    assert before.sender_name is None

    await lifecycle.sign(session, settings, confession.public_id, alice)

    after = await read_model.for_reader(session, confession.public_id, bob)
    assert after.sender_name == "Alice"


async def test_the_recipient_cannot_sign_in_the_senders_name(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.reveal(session, confession.public_id, bob)

    with pytest.raises(NotAllowed):
        await lifecycle.sign(session, settings, confession.public_id, bob)

    assert confession.signature == Signature.ANONYMOUS


async def test_a_withdrawn_confession_cannot_be_signed(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    await lifecycle.withdraw(session, store, confession.public_id, alice)
    await outbox.news()

    with pytest.raises(WrongState):
        await lifecycle.sign(session, settings, confession.public_id, alice)

    assert confession.signature == Signature.ANONYMOUS
    assert await outbox.news() == []
