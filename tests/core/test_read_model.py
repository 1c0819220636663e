"""The read model on the driver (`shown`, `listed`: what the mini app's reads use) shows each
reader exactly what the unit of work's reads (`for_reader`, `page_for`) show them, and
nothing to anyone else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.orm.exc import DetachedInstanceError
from sqlmodel.ext.asyncio.session import AsyncSession

from core import consent, lifecycle, reactions, read_model
from core.errors import NotFound
from core.read_model import PREVIEW_LENGTH, Listed, ReaderView
from core.settings import Settings
from models import Confession, Signature, User
from models.db import Database
from tests.core.conftest import ConfessionFactory, UserFactory


def _line(item: ReaderView | Listed) -> dict[str, object]:
    """What a line of a box shows, as plain values: a `Listed` has them, and a full view
    holds them."""
    if isinstance(item, Listed):
        return {
            "id": item.public_id,
            "role": item.role,
            "status": item.status,
            "preview": item.preview,
            "recipient": item.recipient_name,
            "created_at": item.created_at,
            "reaction": item.reaction,
        }
    confession, recipient = item.confession, item.view.recipient
    return {
        "id": confession.public_id,
        "role": item.role,
        "status": confession.status,
        "preview": confession.text[:PREVIEW_LENGTH] if item.content_visible else None,
        "recipient": recipient.display_name if recipient else None,
        "created_at": confession.created_at,
        "reaction": item.reaction,
    }


def _seen(view: ReaderView) -> dict[str, object]:
    """What showing a confession reads of a reader's view (`SHOWN_LAYOUT`), as plain values."""
    entities = (view.confession, view.style, view.view.sender, view.view.recipient, view.view.media)
    return {
        "entities": [
            {key: getattr(entity, key) for key in part.keys} if entity else None
            for part, entity in zip(read_model.SHOWN_LAYOUT, entities, strict=True)
        ],
        "reaction": view.reaction,
        "role": view.role,
        "can": view.can,
        "sender_name": view.sender_name,
        "content_visible": view.content_visible,
    }


@pytest.fixture
async def alice(make_user: UserFactory) -> User:
    return await make_user("Alice", username="alice_w")


@pytest.fixture
async def bob(make_user: UserFactory) -> User:
    return await make_user("Bob", username="bob_k")


@pytest.fixture
async def stranger(make_user: UserFactory) -> User:
    return await make_user("Mallory")


async def test_each_party_is_shown_on_the_driver_what_a_unit_of_work_shows_them(
    session: AsyncSession,
    database: Database,
    settings: Settings,
    send: ConfessionFactory,
    alice: User,
    bob: User,
) -> None:
    confession = await send(alice, bob, signature=Signature.SIGNED)
    await lifecycle.reveal(session, confession.public_id, bob)
    await reactions.react(session, settings, confession.public_id, bob, "heart")
    await session.commit()

    for reader in (alice, bob):
        in_unit = await read_model.for_reader(session, confession.public_id, reader)
        on_driver = await read_model.shown(database, confession.public_id, reader)
        assert _seen(on_driver) == _seen(in_unit)
    assert (await read_model.shown(database, confession.public_id, bob)).reaction == "heart"


async def test_a_column_the_driver_did_not_read_raises_rather_than_reading_as_none(
    session: AsyncSession, database: Database, send: ConfessionFactory, alice: User, bob: User
) -> None:
    confession = await send(alice, bob)
    await session.commit()

    view = await read_model.shown(database, confession.public_id, alice)

    assert view.confession.text == confession.text
    with pytest.raises(DetachedInstanceError):
        _ = view.confession.updated_at
    assert view.view.recipient is not None
    with pytest.raises(DetachedInstanceError):
        _ = view.view.recipient.can_message


async def test_the_recipient_is_shown_no_words_before_the_reveal_on_the_driver(
    session: AsyncSession, database: Database, send: ConfessionFactory, alice: User, bob: User
) -> None:
    confession = await send(alice, bob)
    await session.commit()

    view = await read_model.shown(database, confession.public_id, bob)

    assert view.role == read_model.Role.RECIPIENT
    assert not view.content_visible
    assert view.sender_name is None
    assert view.can.reveal


async def test_someone_else_is_shown_nothing_on_the_driver(
    session: AsyncSession,
    database: Database,
    send: ConfessionFactory,
    alice: User,
    bob: User,
    stranger: User,
) -> None:
    confession = await send(alice, bob)
    await session.commit()

    with pytest.raises(NotFound):
        await read_model.shown(database, confession.public_id, stranger)
    for not_an_id in ("", "x' OR '1'='1", "a" * 25, "abc\x00"):
        with pytest.raises(NotFound):
            await read_model.shown(database, not_an_id, alice)


Finder = Callable[[AsyncSession, str], Awaitable[Confession]]


@pytest.mark.parametrize(
    "find", [read_model.get_by_public_id, read_model.get_by_public_id_or_draft]
)
@pytest.mark.parametrize("not_an_id", ["", "x' OR '1'='1", "a" * 25, "abc\x00"])
async def test_what_is_not_a_public_id_finds_nothing_in_a_unit_of_work(
    session: AsyncSession, find: Finder, not_an_id: str
) -> None:
    """A pressed button or a request carries any id its sender wrote: one PostgreSQL would
    refuse (a NUL byte) is simply not found, as one that names nothing."""
    with pytest.raises(NotFound):
        await find(session, not_an_id)


@pytest.mark.settings(confessions_per_recipient_per_day=10)
async def test_pages_on_the_driver_are_the_pages_of_a_unit_of_work(
    session: AsyncSession,
    database: Database,
    send: ConfessionFactory,
    alice: User,
    bob: User,
) -> None:
    first = await send(alice, bob, text="the first one, a request")
    await consent.answer_request(session, first.public_id, bob, accepted=True)
    await lifecycle.mark_delivered(session, first.id or 0, chat_id=bob.id, message_id=None)
    for n in range(4):
        sent = await send(alice, bob, text=f"confession number {n}, " + "долгие слова 💌 " * 9)
        await lifecycle.mark_delivered(session, sent.id or 0, chat_id=bob.id, message_id=n + 1)
    await send(bob, alice, text="the other way, a request not answered")
    await session.commit()

    for reader, box in ((alice, "sent"), (bob, "received"), (alice, "received"), (bob, "sent")):
        cursor: str | None = None
        pages = 0
        while True:
            in_unit = await read_model.page_for(session, reader, box=box, limit=2, cursor=cursor)
            on_driver = await read_model.listed(database, reader, box=box, limit=2, cursor=cursor)
            assert [_line(item) for item in on_driver.items] == [
                _line(item) for item in in_unit.items
            ]
            assert on_driver.next_cursor == in_unit.next_cursor
            pages += 1
            cursor = on_driver.next_cursor
            if cursor is None:
                break
        assert pages == (3 if (reader, box) in ((alice, "sent"), (bob, "received")) else 1)


async def test_a_page_on_the_driver_lists_only_the_readers_own(
    session: AsyncSession,
    database: Database,
    send: ConfessionFactory,
    alice: User,
    bob: User,
    stranger: User,
) -> None:
    request = await send(alice, bob)
    await lifecycle.mark_delivered(session, request.id or 0, chat_id=bob.id, message_id=None)
    await session.commit()

    for box in ("sent", "received"):
        assert (await read_model.listed(database, stranger, box=box, limit=20)).items == []
    # a stranger's first confession waits to be let in: until then it is not Bob's to list
    assert (await read_model.listed(database, bob, box="received", limit=20)).items == []
    assert len((await read_model.listed(database, alice, box="sent", limit=20)).items) == 1
    bogus = await read_model.listed(database, bob, box="received", limit=20, cursor="x' OR 1=1")
    assert bogus.items == []
