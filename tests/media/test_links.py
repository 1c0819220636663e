"""What a card links to (`core.media.card_links`): media sent in the chat is copied from the
chat once, shown only where its reader may see it, and a file the chat cannot give leaves
the card without it instead of failing it."""

from __future__ import annotations

from core import read_model
from core.media import CardLinks, ChatFileUnavailable, Download, MediaStore, card_links
from core.settings import Settings
from models import Confession, ConfessionStatus, Media, User
from models.db import Database
from models.types import utcnow
from tests.media.samples import jpeg

SENDER, RECIPIENT = 8_200_001, 8_200_002


class ChatFiles:
    """A stand-in for Telegram's file API that counts what was asked of it."""

    def __init__(self, data: bytes | None) -> None:
        self.data = data
        self.asked: list[str] = []

    async def __call__(self, file_id: str) -> bytes:
        self.asked.append(file_id)
        if self.data is None:
            raise ChatFileUnavailable()
        return self.data


async def a_photo_from_the_chat(database: Database, status: ConfessionStatus) -> str:
    now = utcnow()
    async with database.session() as session:
        session.add_all([User(id=SENDER, first_name="S"), User(id=RECIPIENT, first_name="R")])
        await session.flush()
        photo = Media(owner_id=SENDER, kind="photo", telegram_file_id="chat-file-1")
        session.add(photo)
        await session.flush()
        confession = Confession(
            sender_id=SENDER,
            recipient_id=RECIPIENT,
            text="us",
            text_html="us",
            status=status,
            media_id=photo.id,
            queued_at=now,
            delivered_at=now,
            revealed_at=now if status == ConfessionStatus.REVEALED else None,
        )
        session.add(confession)
        await session.flush()
        return confession.public_id


async def links(
    database: Database,
    store: MediaStore,
    settings: Settings,
    public_id: str,
    reader_id: int,
    chat_files: Download,
) -> CardLinks:
    reader = User(id=reader_id, first_name="Reader")
    async with database.session() as session:
        shown = await read_model.for_reader(session, public_id, reader)
        return await card_links(
            session, store, settings, shown, reader=reader, chat_files=chat_files
        )


async def test_a_photo_from_the_chat_is_copied_once_and_linked(
    database: Database, store: MediaStore, settings: Settings
) -> None:
    public_id = await a_photo_from_the_chat(database, ConfessionStatus.REVEALED)
    chat = ChatFiles(jpeg())

    first = await links(database, store, settings, public_id, RECIPIENT, chat)
    second = await links(database, store, settings, public_id, RECIPIENT, chat)

    assert first.media is not None
    assert second.media is not None
    assert chat.asked == ["chat-file-1"]


async def test_a_file_the_chat_cannot_give_leaves_the_card_without_it(
    database: Database, store: MediaStore, settings: Settings
) -> None:
    public_id = await a_photo_from_the_chat(database, ConfessionStatus.REVEALED)
    chat = ChatFiles(None)

    shown = await links(database, store, settings, public_id, RECIPIENT, chat)

    assert shown == CardLinks(media=None, background=None)
    assert chat.asked == ["chat-file-1"]


async def test_a_recipient_who_has_not_revealed_it_fetches_nothing(
    database: Database, store: MediaStore, settings: Settings
) -> None:
    public_id = await a_photo_from_the_chat(database, ConfessionStatus.DELIVERED)
    chat = ChatFiles(jpeg())

    shown = await links(database, store, settings, public_id, RECIPIENT, chat)

    assert shown.media is None
    assert chat.asked == []
