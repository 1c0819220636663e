"""A user's own data: what the export shows of what others sent them, what /deleteme
(`privacy.forget`) removes, and what outlives it: blocks, bans and what the daily limits still
count, kept as keyed hashes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import drafts, lifecycle, limits, moderation, privacy, read_model, threads, users
from core import outbox as core_outbox
from core.errors import Banned, LimitReached, PairLimitReached
from core.media import MediaStore
from core.notices import Notice
from core.outbox import ApiCall
from core.settings import Settings
from core.wordlist import fingerprint
from models import Confession, ConfessionStatus, OutboxMessage, SpentAllowance, User
from models.types import utcnow
from tests.core.conftest import ConfessionFactory, Outbox, Queued, UserFactory
from tests.core.plans import tables_read_whole

OPERATOR = 8_900_101


StartOver = Callable[[User], Awaitable[User]]


@pytest.fixture
def start_over(session: AsyncSession, settings: Settings, store: MediaStore) -> StartOver:
    """`/deleteme`, and then the same Telegram account writing to the bot again."""

    async def again(user: User) -> User:
        await privacy.forget(session, settings, store, user)
        return await come_back(session, user)

    return again


async def come_back(session: AsyncSession, gone: User) -> User:
    """The same Telegram account writing to the bot again after /deleteme."""
    identity = users.TelegramIdentity(id=gone.id, first_name=gone.first_name)
    again = await users.sync_user(session, identity)
    await users.mark_started(session, again)
    return again


async def test_the_export_shows_no_words_of_a_confession_not_yet_revealed(
    session: AsyncSession, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    unread = await send(alice, bob, text="still sealed")
    read = await send(alice, bob, text="already open")
    await lifecycle.reveal(session, read.public_id, bob)

    exported = await privacy.export(session, bob)

    assert sorted((c["id"], c["text"]) for c in exported["received"]) == sorted(
        [(unread.public_id, None), (read.public_id, "already open")]
    )


async def test_the_export_leaves_out_what_a_block_withheld(
    session: AsyncSession, settings: Settings, make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)
    await send(bob, alice, text="you will never see this")

    exported = await privacy.export(session, alice)

    assert [c["id"] for c in exported["received"]] == [first.public_id]
    assert len(exported["blocks"]) == 1


async def test_forgetting_a_sender_deletes_what_they_sent_and_edits_unread_deliveries(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    assert confession.id is not None
    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=88)
    await outbox.news()

    await privacy.forget(session, settings, store, alice)

    assert (await session.exec(select(Confession))).all() == []
    assert await session.get(User, alice.id) is None
    assert await outbox.all() == [Queued(Notice.WITHDRAWN.value, bob.id, None)]
    assert (await outbox.rows())[0].params == {"message_id": 88}


async def test_forgetting_a_recipient_removes_every_notice_to_them_and_their_name_from_confessions(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    confession = await send(alice, bob)
    assert confession.id is not None
    await lifecycle.mark_delivered(session, confession.id, chat_id=bob.id, message_id=9)

    await privacy.forget(session, settings, store, bob)

    stored = (await session.exec(select(Confession))).one()
    assert (stored.recipient_id, stored.delivery_chat_id, stored.delivery_message_id) == (
        None,
        None,
        None,
    )
    assert await outbox.all() == [Queued(Notice.DELIVERED.value, alice.id, confession.id)]


async def test_forgetting_a_user_removes_the_bots_answers_still_to_go_to_them(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    to_each = [ApiCall("sendMessage", {"chat_id": user.id, "text": "hi"}) for user in (alice, bob)]
    await core_outbox.queue_replies(session, to_each, lease_seconds=60)

    await privacy.forget(session, settings, store, bob)

    assert await outbox.all() == [Queued(core_outbox.ANSWER, alice.id, None)]


@pytest.mark.postgres
def test_forgetting_a_user_reads_only_the_outbox_entries_to_them(db_engine: Engine) -> None:
    """Neither of the outbox's indexes by chat holds every entry (an answer, deleted once
    sent, is only in the one of pending answers), so each condition must be one that an
    index serves, or every `/deleteme` reads the whole outbox."""
    for to_them in core_outbox.to_chat(42):
        assert tables_read_whole(db_engine, delete(OutboxMessage).where(to_them)) == set()


async def test_forgetting_drops_an_unfinished_draft(
    session: AsyncSession, settings: Settings, store: MediaStore, make_user: UserFactory
) -> None:
    alice = await make_user("Alice")
    await drafts.start(session, settings, alice)

    await privacy.forget(session, settings, store, alice)

    remaining = await session.exec(select(Confession).where(col(Confession.sender_id) == alice.id))
    assert remaining.all() == []


async def test_a_block_holds_after_the_blocked_sender_deletes_their_data_and_comes_back(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
    start_over: StartOver,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    first = await send(bob, alice)
    await moderation.block_sender(session, settings, first.public_id, alice)
    bob = await start_over(bob)
    await outbox.news()

    again = await send(bob, alice)

    assert again.withheld_at is not None
    assert await outbox.news() == [Queued(Notice.DELIVERED.value, bob.id, again.id)]


@pytest.mark.settings(operator_ids=[OPERATOR])
async def test_a_ban_holds_after_the_banned_user_deletes_their_data_and_comes_back(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    start_over: StartOver,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    operator = await make_user("Operator", user_id=OPERATOR)
    confession = await send(bob, alice)
    filed = await moderation.report(session, settings, confession.public_id, alice)
    assert filed.id is not None
    await moderation.resolve(session, settings, filed.id, operator, moderation.Verdict.BAN)
    bob = await start_over(bob)

    with pytest.raises(Banned):
        await drafts.start(session, settings, bob)


@pytest.mark.settings(operator_ids=[OPERATOR])
async def test_a_sender_who_deleted_their_data_after_a_report_can_still_be_banned(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    operator = await make_user("Operator", user_id=OPERATOR)
    confession = await send(bob, alice)
    filed = await moderation.report(session, settings, confession.public_id, alice)
    assert filed.id is not None
    await privacy.forget(session, settings, store, bob)

    await moderation.resolve(session, settings, filed.id, operator, moderation.Verdict.BAN)
    bob = await come_back(session, bob)

    with pytest.raises(Banned):
        await drafts.start(session, settings, bob)


@pytest.mark.settings(confessions_per_day=2)
async def test_deleting_ones_data_does_not_start_the_daily_limit_afresh(
    make_user: UserFactory,
    send: ConfessionFactory,
    start_over: StartOver,
) -> None:
    alice = await make_user("Alice")
    await send(alice, await make_user())
    await send(alice, await make_user())
    alice = await start_over(alice)

    with pytest.raises(LimitReached):
        await send(alice, await make_user())


@pytest.mark.settings(confessions_per_day=10, confessions_per_recipient_per_day=2)
async def test_deleting_ones_data_does_not_start_the_limit_to_one_person_afresh(
    make_user: UserFactory,
    send: ConfessionFactory,
    start_over: StartOver,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob", username="bob_k")
    await send(alice, bob)
    await send(alice, username="bob_k")
    alice = await start_over(alice)

    with pytest.raises(PairLimitReached):
        await send(alice, bob)
    with pytest.raises(PairLimitReached):
        await send(alice, username="BOB_K")
    assert (await send(alice, await make_user())).status == ConfessionStatus.QUEUED


@pytest.mark.settings(confessions_per_day=2, confessions_per_recipient_per_day=1)
async def test_what_one_sender_left_behind_counts_against_nobody_else(
    make_user: UserFactory, send: ConfessionFactory, start_over: StartOver
) -> None:
    alice, bob, carol = await make_user("Alice"), await make_user("Bob"), await make_user()
    await send(alice, bob)
    await send(alice, await make_user())
    await start_over(alice)

    assert (await send(carol, bob)).status == ConfessionStatus.QUEUED
    assert (await send(carol, await make_user())).status == ConfessionStatus.QUEUED


@pytest.mark.settings(confessions_per_day=4, confessions_per_recipient_per_day=4)
async def test_deleting_ones_data_does_not_lift_a_penalty_for_hurtful_words(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    start_over: StartOver,
) -> None:
    alice = await make_user("Alice")
    hurtful = "you idiot"
    await send(alice, await make_user(), text=hurtful, words_confirmed=fingerprint(hurtful))
    alice = await start_over(alice)

    assert (await limits.allowance(session, settings, alice.id)).confessions_per_day == 2
    await send(alice, await make_user())
    with pytest.raises(LimitReached):
        await send(alice, await make_user())


@pytest.mark.settings(replies_per_minute=1)
async def test_deleting_ones_data_does_not_start_the_reply_limit_afresh(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    start_over: StartOver,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    before = await send(alice, bob)
    await lifecycle.reveal(session, before.public_id, bob)
    await threads.post(session, settings, before.public_id, bob, text="who is this?")
    bob = await start_over(bob)
    after = await send(alice, bob)
    await lifecycle.reveal(session, after.public_id, bob)

    with pytest.raises(LimitReached):
        await threads.post(session, settings, after.public_id, bob, text="and you?")


@pytest.mark.settings(confessions_per_day=1)
async def test_what_is_kept_of_the_limits_names_nobody_and_goes_after_a_day(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob", username="bob_k")
    await send(alice, bob)
    await privacy.forget(session, settings, store, alice)

    kept = (await session.exec(select(SpentAllowance))).all()
    assert len(kept) == 1
    values = " ".join(str(value) for value in kept[0].model_dump().values())
    for trace in (alice.id, bob.id, "bob_k", "Alice"):
        assert str(trace) not in values
    kept[0].at = utcnow() - timedelta(days=1, minutes=1)
    await limits.forget_old_counters(session)

    assert (await session.exec(select(SpentAllowance))).all() == []
    alice = await come_back(session, alice)
    assert (await send(alice, bob)).status == ConfessionStatus.QUEUED


async def test_after_deleting_their_data_a_sender_starts_again_with_nothing(
    session: AsyncSession,
    make_user: UserFactory,
    send: ConfessionFactory,
    start_over: StartOver,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    await send(alice, bob)
    alice = await start_over(alice)

    again = await send(alice, bob)
    page = await read_model.page_for(session, alice, box="sent", limit=10)

    assert again.status == ConfessionStatus.QUEUED
    assert [item.confession.public_id for item in page.items] == [again.public_id]
    outbox_to_alice = await session.exec(
        select(OutboxMessage).where(col(OutboxMessage.chat_id) == alice.id)
    )
    assert outbox_to_alice.all() == []
