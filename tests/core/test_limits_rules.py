"""The durable limits under repeated sends, one after another: how many, to whom, over which
window, and how words from the operator's list halve them. (Sends arriving at once are in
test_limits.py.)"""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from core import drafts, lifecycle, limits, wordlist
from core.errors import LimitReached, PairLimitReached, WordsMayHurt
from core.media import MediaStore
from core.settings import Settings
from models import Confession, ConfessionStatus, User
from tests.core.conftest import ConfessionFactory, Outbox, UserFactory, age

HURTFUL = "you are an idiot and I love you"


async def draft_to(session: AsyncSession, settings: Settings, sender: User, to: User) -> Confession:
    draft = await drafts.start(session, settings, sender)
    await drafts.set_recipient(session, draft, to)
    await drafts.set_text(session, draft, settings, text="once more", text_html="once more")
    return draft


@pytest.mark.settings(confessions_per_day=3)
async def test_the_send_past_the_daily_limit_is_refused_and_changes_nothing(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
    outbox: Outbox,
) -> None:
    alice = await make_user("Alice")
    for _ in range(3):
        await send(alice, await make_user())
    draft = await draft_to(session, settings, alice, await make_user())
    await outbox.news()

    with pytest.raises(LimitReached) as refused:
        await lifecycle.send(session, settings, draft, alice)

    assert refused.value.details == {"limit": 3, "retry_after": 3600}
    assert draft.status == ConfessionStatus.DRAFT
    assert await outbox.news() == []


@pytest.mark.settings(confessions_per_day=2)
async def test_withdrawing_gives_no_allowance_back(
    session: AsyncSession,
    settings: Settings,
    store: MediaStore,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice = await make_user("Alice")
    for _ in range(2):
        sent = await send(alice, await make_user())
        await lifecycle.withdraw(session, store, sent.public_id, alice)

    with pytest.raises(LimitReached):
        await send(alice, await make_user())


@pytest.mark.settings(confessions_per_day=2)
async def test_the_daily_limit_is_a_sliding_window_of_24_hours(
    make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice = await make_user("Alice")
    first = await send(alice, await make_user())
    await send(alice, await make_user())
    age(first, days=1.01)

    third = await send(alice, await make_user())

    assert third.status == ConfessionStatus.QUEUED


@pytest.mark.settings(confessions_per_day=2)
async def test_one_senders_limit_is_not_anothers(
    make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, carol, bob = await make_user("Alice"), await make_user("Carol"), await make_user("Bob")
    await send(alice, bob)
    await send(alice, await make_user())

    sent = await send(carol, bob)

    assert sent.status == ConfessionStatus.QUEUED


@pytest.mark.settings(confessions_per_day=10, confessions_per_recipient_per_day=2)
async def test_the_pair_limit_stops_a_third_confession_to_one_person_but_not_to_another(
    make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob, carol = await make_user("Alice"), await make_user("Bob"), await make_user("Carol")
    await send(alice, bob)
    await send(alice, bob)

    with pytest.raises(PairLimitReached) as refused:
        await send(alice, bob)
    to_carol = await send(alice, carol)

    assert refused.value.details == {"limit": 2, "retry_after": 3600}
    assert to_carol.status == ConfessionStatus.QUEUED


@pytest.mark.settings(confessions_per_day=10, confessions_per_recipient_per_day=2)
async def test_the_pair_limit_counts_one_person_whether_addressed_by_username_or_by_id(
    make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice = await make_user("Alice")
    await send(alice, username="bob_k")
    bob = await make_user("Bob", username="bob_k")
    await send(alice, bob)

    with pytest.raises(PairLimitReached):
        await send(alice, username="@BOB_K")


async def test_words_from_the_operators_list_are_sent_only_once_confirmed(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    outbox: Outbox,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")
    draft = await drafts.start(session, settings, alice)
    await drafts.set_recipient(session, draft, bob)
    await drafts.set_text(session, draft, settings, text=HURTFUL, text_html=HURTFUL)

    with pytest.raises(WordsMayHurt) as asked:
        await lifecycle.send(session, settings, draft, alice)

    assert asked.value.details == {"confirm": wordlist.fingerprint(HURTFUL)}
    assert draft.status == ConfessionStatus.DRAFT
    assert await outbox.all() == []
    assert await limits.penalties_in_force(session, settings, alice.id) == 0


async def test_a_confirmation_for_other_words_does_not_send_these(
    make_user: UserFactory, send: ConfessionFactory
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")

    with pytest.raises(WordsMayHurt):
        await send(alice, bob, text=HURTFUL, words_confirmed=wordlist.fingerprint("you idiot"))


@pytest.mark.settings(confessions_per_day=4, confessions_per_recipient_per_day=4)
async def test_sending_confirmed_hurtful_words_halves_the_senders_limits_for_a_day(
    session: AsyncSession,
    settings: Settings,
    make_user: UserFactory,
    send: ConfessionFactory,
) -> None:
    alice, bob = await make_user("Alice"), await make_user("Bob")

    sent = await send(alice, bob, text=HURTFUL, words_confirmed=wordlist.fingerprint(HURTFUL))

    assert sent.status == ConfessionStatus.QUEUED
    assert await limits.allowance(session, settings, alice.id) == limits.Allowance(
        confessions_per_day=2,
        confessions_per_recipient_per_day=2,
        replies_per_minute=5,
        penalties=1,
    )
    await send(alice, await make_user())
    with pytest.raises(LimitReached):
        await send(alice, await make_user())
