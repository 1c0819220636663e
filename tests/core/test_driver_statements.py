"""Statements run on the driver inside a unit of work (`execute_in`, `get_in`) and the
inbox's one-statement claim: as the ORM would have them, committed or undone with the unit
of work, and never handing one update to two claims."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select

from core import drafts, inbox, threads, users
from core.inbox import InboundUpdate, InboxWriter
from core.outbox import ApiCall
from core.settings import Settings
from models import (
    ComposeStep,
    Confession,
    ConfessionStatus,
    ConfessionStyle,
    InboxUpdate,
    OutboxMessage,
    User,
)
from models.db import (
    Database,
    driver_statement,
    execute_in,
    get_in,
    insert_in,
    update_in,
)
from tests.core.conftest import BackendState
from tests.core.renames import (
    RENAME,
    Rename,
    a_user,
    by_object,
    by_statement,
    first_name,
)
from tests.telegram import next_update_id


async def renamed_then_failed(database: Database, user_id: int, rename: Rename) -> None:
    async with database.session() as session:
        await rename(session, user_id)
        raise RuntimeError("the turn failed")


@pytest.mark.parametrize("rename", [by_statement, by_object])
async def test_a_write_on_the_driver_is_undone_with_its_unit_of_work(
    database: Database, rename: Rename
) -> None:
    await a_user(database, 7)

    with pytest.raises(RuntimeError):
        await renamed_then_failed(database, 7, rename)

    assert await first_name(database, 7) == "Ann"


async def test_a_statement_on_the_driver_sees_what_the_session_has_not_flushed_yet(
    database: Database,
) -> None:
    async with database.session() as session:
        session.add(User(id=8, first_name="Ann"))  # pending: flushed before the statement
        await execute_in(session, RENAME, {"id": 8, "name": "Bea"})

    assert await first_name(database, 8) == "Bea"


async def test_a_row_read_on_the_driver_is_the_sessions_own_object(database: Database) -> None:
    await a_user(database, 9)

    async with database.session() as session:
        user = await get_in(session, User, 9)
        assert user is not None
        assert await get_in(session, User, 9) is user
        assert await session.get(User, 9) is user
        user.first_name = "Cleo"  # changed as any loaded object is: flushed at commit

    assert await first_name(database, 9) == "Cleo"


async def test_reading_a_missing_row_on_the_driver_finds_nothing(database: Database) -> None:
    async with database.session() as session:
        assert await get_in(session, User, 404) is None


async def test_an_expired_object_of_the_session_is_loaded_again(database: Database) -> None:
    await a_user(database, 10)

    async with database.session() as session:
        user = await get_in(session, User, 10)
        assert user is not None
        session.expire(user)  # as a refresh or a rollback leaves it
        again = await get_in(session, User, 10)
        assert again is user
        assert again.first_name == "Ann", "read again, not lazily on first access"


async def a_composer(database: Database, settings: Settings, user_id: int) -> int:
    """A user composing a confession in the chat: the id of their draft."""
    await a_user(database, user_id)
    async with database.session() as session:
        sender = await session.get(User, user_id)
        assert sender is not None
        draft = await drafts.start(session, settings, sender)
        assert draft.id is not None
        return draft.id


async def test_a_composers_draft_read_along_is_the_sessions_own_object(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    draft_id = await a_composer(database, make_settings(), 12)

    async with database.session() as session:
        sender = await get_in(session, User, 12, along=drafts.IN_PROGRESS)
        assert sender is not None
        gc.collect()  # nothing but the session holds the draft now
        assert identity_key(Confession, draft_id) in session.identity_map
        draft = await drafts.current(session, sender)
        assert draft is not None
        assert draft.id == draft_id
        draft.hint = "the blue scarf"  # changed as any loaded object is: flushed at commit

    async with database.reading() as session:
        stored_draft = await session.get(Confession, draft_id)
        assert stored_draft is not None
        assert stored_draft.hint == "the blue scarf"


async def test_a_row_is_read_along_only_when_its_condition_holds(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    draft_id = await a_composer(database, make_settings(), 13)
    async with database.session() as session:
        sender = await session.get(User, 13)
        assert sender is not None
        users.set_chat_state(sender, "reply", draft_id)  # the same id, another meaning

    async with database.session() as session:
        assert await get_in(session, User, 13, along=drafts.IN_PROGRESS) is not None
        assert identity_key(Confession, draft_id) not in session.identity_map


async def test_a_row_with_nothing_to_read_along_is_still_found(database: Database) -> None:
    await a_user(database, 14)

    async with database.session() as session:
        sender = await get_in(session, User, 14, along=drafts.IN_PROGRESS)
        assert sender is not None
        assert sender.first_name == "Ann"
        assert not [each for each in session.identity_map.values() if each is not sender]


async def test_a_change_written_on_the_driver_leaves_nothing_to_flush(database: Database) -> None:
    await a_user(database, 15)

    async with database.session() as session:
        user = await get_in(session, User, 15)
        assert user is not None
        await update_in(session, user, first_name="Dee")
        assert user.first_name == "Dee"
        assert not session.dirty

    assert await first_name(database, 15) == "Dee"


async def test_a_value_unchanged_is_not_written_over_what_another_stored_since(
    database: Database,
) -> None:
    """As the unit of work writes only what changed: a turn that leaves a name as it read
    it does not undo a rename committed meanwhile."""
    await a_user(database, 16)

    async with database.session() as session:
        user = await get_in(session, User, 16)
        assert user is not None
        async with database.session() as meanwhile:
            await execute_in(meanwhile, RENAME, {"id": 16, "name": "Bob"})
        await update_in(session, user, first_name="Ann")

    assert await first_name(database, 16) == "Bob"


async def test_a_change_to_an_object_not_yet_stored_is_left_to_the_unit_of_work(
    database: Database,
) -> None:
    async with database.session() as session:
        user = User(id=17, first_name="Ann")
        session.add(user)
        await update_in(session, user, first_name="Eve")
        assert user in session.new

    assert await first_name(database, 17) == "Eve"


async def test_a_row_inserted_on_the_driver_is_the_sessions_own_object_as_stored(
    database: Database,
) -> None:
    await a_user(database, 18)

    async with database.session() as session:
        draft = await insert_in(session, Confession, sender_id=18)
        assert draft.id is not None
        assert not session.new
        assert await session.get(Confession, draft.id) is draft
        assert draft.status == ConfessionStatus.DRAFT
        assert draft.created_at.tzinfo is not None, "read back as the ORM reads it"
        draft_id = draft.id

    async with database.reading() as session:
        stored_draft = await session.get(Confession, draft_id)
        assert stored_draft is not None
        assert stored_draft.sender_id == 18


async def test_a_row_inserted_on_the_driver_holds_the_defaults_its_model_gives(
    database: Database,
) -> None:
    await a_user(database, 19)

    async with database.session() as session:
        first = await insert_in(session, Confession, sender_id=19)
        second = await insert_in(session, Confession, sender_id=19)
        assert first.id is not None
        style = await insert_in(session, ConfessionStyle, confession_id=first.id, font="mono")

    assert first.public_id, "a factory's value, as the constructor makes"
    assert first.public_id != second.public_id, "the factory called for each row"
    assert (style.theme, style.font) == ("classic", "mono")


async def test_a_new_start_lets_go_of_a_draft_left_for_something_else(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    await a_composer(database, settings, 19)

    async with database.session() as session:
        sender = await get_in(session, User, 19, along=drafts.IN_PROGRESS)
        assert sender is not None
        left = await drafts.current(session, sender)
        assert left is not None
        await users.change_chat_state(session, sender, threads.REPLYING, 1)
        second = await drafts.start(session, settings, sender)  # SQLite may reuse its id
        assert left not in session
        assert await drafts.current(session, sender) is second
        second_draft = second.id

    async with database.reading() as session:
        kept = await session.exec(select(Confession.id).where(Confession.sender_id == 19))
        assert kept.all() == [second_draft]


async def a_draft_half_written(database: Database, settings: Settings, sender_id: int) -> str:
    """A composer's draft with a recipient, words, a hint and a look of its own: its public
    id."""
    draft_id = await a_composer(database, settings, sender_id)
    async with database.session() as session:
        draft = await session.get(Confession, draft_id)
        assert draft is not None
        await update_in(
            session,
            draft,
            recipient_username_key="bob",
            text="what I never said",
            hint="the blue scarf",
            compose_step=ComposeStep.HINT,
            compose_review=True,
        )
        await insert_in(session, ConfessionStyle, confession_id=draft_id, font="mono")
        return draft.public_id


async def started_over(database: Database, settings: Settings, sender_id: int) -> None:
    async with database.unit_of_work() as session:
        sender = await get_in(session, User, sender_id, along=drafts.IN_PROGRESS)
        assert sender is not None
        await drafts.start(session, settings, sender)


async def test_a_new_start_over_the_draft_in_progress_leaves_nothing_of_it(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    old_link = await a_draft_half_written(database, settings, 19)

    await started_over(database, settings, 19)

    async with database.reading() as session:
        [draft] = (await session.exec(select(Confession).where(Confession.sender_id == 19))).all()
        style = await session.get(ConfessionStyle, draft.id)
    as_new = Confession(sender_id=19).model_dump(exclude=MADE_AT_START)
    assert draft.model_dump(exclude=MADE_AT_START) == as_new
    assert draft.public_id != old_link, "a link to the old draft finds nothing"
    assert style is None, "its look is the default again"


MADE_AT_START = {"id", "public_id", "created_at", "updated_at"}


async def test_a_new_start_over_the_draft_in_progress_is_as_new_in_the_chat(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    await a_draft_half_written(database, settings, 19)

    await started_over(database, settings, 19)

    async with database.reading() as session:
        sender = await get_in(session, User, 19, along=drafts.IN_PROGRESS)
        assert sender is not None
        draft = await drafts.current(session, sender)
    assert draft is not None
    assert (draft.compose_step, draft.text, draft.recipient_username_key) == (
        ComposeStep.RECIPIENT,
        "",
        None,
    )


@pytest.mark.postgres
async def test_a_new_start_over_the_draft_in_progress_begins_no_transaction(
    database: Database, make_settings: Callable[..., Settings], backend_state: BackendState
) -> None:
    """Its writes wait to ride in the turn's last write, so /new costs no BEGIN and COMMIT."""
    settings = make_settings()
    await a_draft_half_written(database, settings, 19)

    async with database.unit_of_work() as session:
        sender = await get_in(session, User, 19, along=drafts.IN_PROGRESS)
        assert sender is not None
        await drafts.start(session, settings, sender)
        state = await backend_state(session)

    assert state == "idle"


async def test_a_unit_of_work_on_the_driver_is_freed_without_the_garbage_collector(
    database: Database,
) -> None:
    """A session kept in a cycle waits for a full collection, with all it holds: one turn
    after another, that is the serve process's memory and its pauses."""
    await a_user(database, 20)
    gc.collect()
    gc.disable()
    try:
        async with database.session() as session:
            assert await get_in(session, User, 20) is not None
        unit = weakref.ref(session.sync_session)
        del session
        assert unit() is None
    finally:
        gc.enable()


async def stored(database: Database, *updates: tuple[int, int]) -> None:
    """Updates (update id, user id) as the webhook stores them."""
    writer = InboxWriter(database)
    for update_id, user_id in updates:
        payload: dict[str, Any] = {"update_id": update_id, "message": {"text": "hi"}}
        assert await writer.receive(InboundUpdate(update_id, user_id, payload))


async def test_a_claim_takes_each_users_oldest_update_only(database: Database) -> None:
    first, second, other = next_update_id(), next_update_id(), next_update_id()
    await stored(database, (first, 1), (second, 1), (other, 2))

    claimed = await inbox.claim(database, lease_seconds=60)

    assert [entry.update_id for entry in claimed] == [first, other]
    assert claimed[0].payload == {"update_id": first, "message": {"text": "hi"}}


async def test_an_update_claimed_is_not_claimed_again_while_leased(database: Database) -> None:
    await stored(database, (next_update_id(), 1))

    assert len(await inbox.claim(database, lease_seconds=60)) == 1
    assert await inbox.claim(database, lease_seconds=60) == []


async def test_a_users_next_update_waits_until_the_one_before_is_handled(
    database: Database,
) -> None:
    first, second = next_update_id(), next_update_id()
    await stored(database, (first, 1), (second, 1))
    await inbox.claim(database, lease_seconds=60)

    async with database.session() as session:
        await inbox.mark_handled(session, [first])

    assert [entry.update_id for entry in await inbox.claim(database, lease_seconds=60)] == [second]


async def test_claims_at_once_never_take_the_same_update(database: Database) -> None:
    ids = [next_update_id() for _ in range(40)]
    await stored(database, *((update_id, 1000 + n) for n, update_id in enumerate(ids)))

    batches = await asyncio.gather(
        *(inbox.claim(database, lease_seconds=60, limit=8) for _ in range(6))
    )

    rest = await inbox.claim(database, lease_seconds=60, limit=len(ids))  # any a claim skipped
    taken = [entry.update_id for batch in [*batches, rest] for entry in batch]
    assert len(taken) == len(set(taken)), "an update was claimed twice"
    assert sorted(taken) == ids


async def answers_queued(database: Database) -> list[str]:
    async with database.reading() as session:
        rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return [row.params["params"]["text"] for row in rows]


async def handled(database: Database, update_id: int) -> bool:
    async with database.reading() as session:
        stored = await session.get(InboxUpdate, update_id)
        assert stored is not None
        return stored.handled_at is not None


def answers(*texts: str) -> list[ApiCall]:
    return [ApiCall("sendMessage", {"chat_id": 1, "text": text}) for text in texts]


async def answered_then_failed(database: Database, update_id: int) -> None:
    async with database.session() as session:
        await inbox.queue_answers(session, answers("a"), update_id=update_id, lease_seconds=60)
        raise RuntimeError("the turn failed after queueing its answer")


async def test_a_turns_answers_are_committed_with_its_update_marked_handled(
    database: Database,
) -> None:
    update_id = next_update_id()
    await stored(database, (update_id, 1))
    await inbox.claim(database, lease_seconds=60)

    async with database.session() as session:
        await inbox.queue_answers(session, answers("a", "b"), update_id=update_id, lease_seconds=60)

    assert await answers_queued(database) == ["a", "b"]
    assert await handled(database, update_id)


async def handled_with_answers(database: Database, update_id: int) -> None:
    async with database.session() as session:
        await inbox.queue_answers(session, answers("a"), update_id=update_id, lease_seconds=60)


async def handled_without_answers(database: Database, update_id: int) -> None:
    async with database.session() as session:
        await inbox.queue_answers(session, [], update_id=update_id, lease_seconds=60)


async def handled_apart(database: Database, update_id: int) -> None:
    await inbox.mark_handled_apart(database, [update_id])


@pytest.mark.parametrize(
    "mark_handled", [handled_with_answers, handled_without_answers, handled_apart]
)
async def test_a_handled_update_keeps_neither_its_words_nor_its_sender(
    database: Database, mark_handled: Callable[[Database, int], Any]
) -> None:
    update_id = next_update_id()
    await stored(database, (update_id, 4242))
    await inbox.claim(database, lease_seconds=60)

    await mark_handled(database, update_id)

    async with database.reading() as session:
        kept = await session.get(InboxUpdate, update_id)
        assert kept is not None
        assert (kept.payload, kept.user_id) == ({}, None)


async def test_a_queued_reply_is_handed_back_as_its_row_is_stored(database: Database) -> None:
    async with database.session() as session:
        [reply] = await inbox.queue_answers(session, answers("a"), update_id=None, lease_seconds=60)

    async with database.reading() as session:
        row = await session.get(OutboxMessage, reply.id)
        assert row is not None
        assert reply.model_dump() == row.model_dump()


async def test_a_turn_without_answers_still_marks_its_update_handled(database: Database) -> None:
    update_id = next_update_id()
    await stored(database, (update_id, 1))
    await inbox.claim(database, lease_seconds=60)

    async with database.session() as session:
        await inbox.queue_answers(session, [], update_id=update_id, lease_seconds=60)

    assert await handled(database, update_id)


async def test_a_turn_undone_leaves_no_answers_and_its_update_to_handle_again(
    database: Database,
) -> None:
    update_id = next_update_id()
    await stored(database, (update_id, 1))
    await inbox.claim(database, lease_seconds=0)  # taken again as soon as it is let go

    with pytest.raises(RuntimeError):
        await answered_then_failed(database, update_id)

    assert await answers_queued(database) == []
    assert not await handled(database, update_id)
    assert [entry.update_id for entry in await inbox.claim(database, lease_seconds=60)] == [
        update_id
    ]


def test_the_claim_is_planned_for_the_inbox_as_it_is_at_each_claim() -> None:
    """Never from a plan PostgreSQL keeps: one kept from when the inbox was small walks a
    grown backlog (`make bench`: 54 updates/s handled after a webhook load, 120 planned
    each time)."""
    postgres = create_engine("postgresql+psycopg://").dialect  # connects to nothing

    on_postgres = driver_statement(inbox.CLAIM, postgres)

    assert on_postgres.driver_options["prepare"] is False
