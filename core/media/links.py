"""Short-lived links to what a confession's card shows: its media and its background image."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import DomainError, NotFound
from core.media.errors import StorageUnavailable
from core.media.service import Download, MediaUrls, open_media, readable_url, store_from_telegram
from core.media.storage import MediaStore
from core.read_model import ReaderView
from core.settings import Settings
from core.users import Party
from models import Media

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CardLinks:
    media: MediaUrls | None
    """None when there is none, the reader may not see it yet, or it cannot be shown now."""
    background: str | None


def links_to_show(shown: ReaderView) -> bool:
    """Whether the card shows anything that needs a link: media this reader may see, or a
    background image. Most cards need none, and are shown without touching storage."""
    return _visible_media(shown) is not None or _background_image(shown) is not None


def _visible_media(shown: ReaderView) -> Media | None:
    """The media attached, once this reader may see the words it goes with."""
    return shown.view.media if shown.content_visible else None


def _background_image(shown: ReaderView) -> str | None:
    """The public id of the card's background image, if it has one."""
    style = shown.style
    return (style.background_value or None) if style.background_kind == "image" else None


async def card_links(
    session: AsyncSession,
    store: MediaStore,
    settings: Settings,
    shown: ReaderView,
    *,
    reader: Party,
    chat_files: Download | None,
) -> CardLinks:
    """What the card links to, where this reader may see it. A card shows without what cannot
    be linked now, so nothing here fails the request: it is logged instead."""
    media = None
    attached = _visible_media(shown)
    if attached is not None:
        media = await _media_links(session, store, settings, attached, reader, chat_files)
    background = None
    image = _background_image(shown)
    if image is not None:
        try:
            _, links = await open_media(session, store, settings, reader=reader, public_id=image)
            background = links.url
        except (NotFound, StorageUnavailable):
            background = None
    return CardLinks(media=media, background=background)


async def _media_links(
    session: AsyncSession,
    store: MediaStore,
    settings: Settings,
    media: Media,
    reader: Party,
    chat_files: Download | None,
) -> MediaUrls | None:
    """Media sent in the chat is copied from there (`chat_files`, the adapter's downloader)
    the first time the mini app shows it."""
    try:
        if media.storage_key is None and media.telegram_file_id and chat_files is not None:
            await store_from_telegram(session, store, settings, media, chat_files)
        return await readable_url(session, store, settings, media, reader)
    except DomainError as error:
        log.warning("media %s not shown: %s", media.public_id, type(error).__name__)
        return None
