"""Block, report, ban: the recipient's protection and the operator's, in process. A block is
silent (its sender sees what an unopened confession shows), a ban is plain and lasting."""

from __future__ import annotations

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import drafts, lifecycle, moderation, read_model
from core.errors import Banned, NotAllowed, NotFound
from core.notices import Notice
from core.settings import Settings
from models import Ban, ConfessionStatus, ReportStatus
from tests.core.conftest import ConfessionFactory, Outbox, Queued, UserFactory

OPERATOR = 8_900_001


async def test_a_blocked_sender_sending_again_sees_it_delivered_and_the_blocker_gets_nothing(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)
    await outbox.news()

    again = await send(bob, alice)

    assert again.status == ConfessionStatus.DELIVERED
    assert again.withheld_at is not None
    assert await outbox.news() == [Queued(Notice.DELIVERED.value, bob.id, again.id)]


async def test_a_withheld_confession_is_invisible_to_the_blocker(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)
    await lifecycle.reveal(session, first.public_id, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)
    again = await send(bob, alice)

    received = await read_model.page_for(session, alice, box="received", limit=10)
    with pytest.raises(NotFound):
        await lifecycle.reveal(session, again.public_id, alice)

    assert [item.confession.public_id for item in received.items] == [first.public_id]


async def test_a_blocked_sender_signing_tells_the_blocker_nothing(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)
    await lifecycle.reveal(session, first.public_id, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)
    await outbox.news()

    await lifecycle.sign(session, settings, first.public_id, bob)

    assert await outbox.news() == []


async def test_blocking_twice_keeps_one_block_that_names_nobody(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)

    await moderation.block_sender(session, settings, first.public_id, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)

    blocks = await moderation.blocks_of(session, alice)
    assert len(blocks) == 1
    assert blocks[0].preview is None  # never revealed: not even its words name it


async def test_after_unblocking_the_sender_reaches_the_recipient_again(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)
    [block] = await moderation.blocks_of(session, alice)
    await moderation.unblock(session, alice, block.id)
    await outbox.news()

    again = await send(bob, alice)

    assert again.withheld_at is None
    assert await outbox.news() == [Queued(Notice.DELIVERY.value, alice.id, again.id)]


async def test_nobody_removes_someone_elses_block(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)
    [block] = await moderation.blocks_of(session, alice)

    with pytest.raises(NotFound):
        await moderation.unblock(session, bob, block.id)

    assert len(await moderation.blocks_of(session, alice)) == 1


async def test_the_sender_cannot_block_or_report_through_their_own_confession(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(bob, alice)

    with pytest.raises(NotAllowed):
        await moderation.block_sender(session, settings, confession.public_id, bob)
    with pytest.raises(NotAllowed):
        await moderation.report(session, settings, confession.public_id, bob)


@pytest.mark.settings(operator_ids=[OPERATOR, OPERATOR + 1])
async def test_a_report_goes_to_every_operator_once(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(bob, alice)
    await outbox.news()

    filed = await moderation.report(session, settings, confession.public_id, alice)
    again = await moderation.report(session, settings, confession.public_id, alice)

    assert again.id == filed.id
    assert filed.status == ReportStatus.OPEN
    assert await outbox.news() == [
        Queued(Notice.REPORT.value, OPERATOR, confession.id),
        Queued(Notice.REPORT.value, OPERATOR + 1, confession.id),
    ]


@pytest.mark.settings(operator_ids=[OPERATOR])
async def test_a_ban_tells_the_sender_once_and_stops_them_composing(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    operator = await make_user("Operator", user_id=OPERATOR)
    confession = await send(bob, alice)
    filed = await moderation.report(session, settings, confession.public_id, alice)
    assert filed.id is not None
    await outbox.news()

    resolved = await moderation.resolve(
        session, settings, filed.id, operator, moderation.Verdict.BAN
    )

    assert resolved.status == ReportStatus.BANNED
    assert await outbox.news() == [Queued(Notice.BANNED.value, bob.id, None)]
    with pytest.raises(Banned):
        await drafts.start(session, settings, bob)


@pytest.mark.settings(operator_ids=[OPERATOR])
async def test_a_banned_user_cannot_send_a_draft_written_before_the_ban(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    operator = await make_user("Operator", user_id=OPERATOR)
    confession = await send(bob, alice)
    draft = await drafts.start(session, settings, bob)
    await drafts.set_recipient(session, draft, alice)
    await drafts.set_text(session, draft, settings, text="one more", text_html="one more")
    filed = await moderation.report(session, settings, confession.public_id, alice)
    assert filed.id is not None
    await moderation.resolve(session, settings, filed.id, operator, moderation.Verdict.BAN)
    await outbox.news()

    with pytest.raises(Banned):
        await lifecycle.send(session, settings, draft, bob)

    assert draft.status == ConfessionStatus.DRAFT
    assert confession.status == ConfessionStatus.QUEUED
    assert await outbox.news() == []


@pytest.mark.settings(operator_ids=[OPERATOR])
async def test_a_banned_user_cannot_start_their_draft_in_progress_over(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    operator = await make_user("Operator", user_id=OPERATOR)
    confession = await send(bob, alice)
    draft = await drafts.start(session, settings, bob)
    await drafts.set_text(session, draft, settings, text="one more", text_html="one more")
    filed = await moderation.report(session, settings, confession.public_id, alice)
    assert filed.id is not None
    await moderation.resolve(session, settings, filed.id, operator, moderation.Verdict.BAN)

    with pytest.raises(Banned):
        await drafts.start(session, settings, bob)

    assert await drafts.current(session, bob) is draft
    assert draft.text == "one more"


@pytest.mark.settings(operator_ids=[OPERATOR])
async def test_only_an_operator_resolves_a_report(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    await make_user("Operator", user_id=OPERATOR)
    confession = await send(bob, alice)
    filed = await moderation.report(session, settings, confession.public_id, alice)
    assert filed.id is not None

    with pytest.raises(NotAllowed):
        await moderation.resolve(session, settings, filed.id, alice, moderation.Verdict.BAN)

    assert filed.status == ReportStatus.OPEN
    assert (await session.exec(select(Ban))).all() == []


@pytest.mark.settings(operator_ids=[OPERATOR])
async def test_a_banned_user_cannot_report_and_the_operators_hear_nothing(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob, carol = await make_user("Alice"), await make_user("Bob"), await make_user("Carol")
    operator = await make_user("Operator", user_id=OPERATOR)
    reported = await send(bob, alice)
    filed = await moderation.report(session, settings, reported.public_id, alice)
    assert filed.id is not None
    await moderation.resolve(session, settings, filed.id, operator, moderation.Verdict.BAN)
    to_bob = await send(carol, bob)
    await outbox.news()

    with pytest.raises(Banned):
        await moderation.report(session, settings, to_bob.public_id, bob)

    assert await outbox.news() == []
