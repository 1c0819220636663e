"""Media for confessions: checked by content, stored privately, read by sender and recipient."""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from core import metrics
from core.errors import DomainError, MediaNotAllowed, NotFound, WrongState
from core.media import memory, repository
from core.media.config import MediaConfig, media_config
from core.media.errors import MediaQuotaExceeded, MissingObject, StorageUnavailable, UploadMissing
from core.media.storage import MediaStore, UploadTarget
from core.media.validation import THUMBNAIL_CONTENT_TYPE, Family, Prepared, limit_for, prepare
from core.settings import Settings
from core.users import Party
from models import Media, User
from models.types import utcnow

log = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(days=1)
UPLOAD_PREFIX = "u/"
STORY_PREFIX = "stories/"
"""Story images of cards (webapp_api/story.py): Telegram fetches them at once; swept hourly."""
STORY_KEPT = timedelta(hours=1)
# Past a link's expiry: an upload begun just before may still be arriving, and clocks differ.
UPLOAD_SWEEP_MARGIN = timedelta(minutes=10)
# One image decode holds up to ~260 MB (a 24 MP RGBA PNG: decoded, premultiplied to resize, and
# resized; a JPEG far less); this many at once bound a process's peak. Files waiting their turn
# hold only their compressed bytes.
PREPARED_AT_ONCE = 2
_preparing = ThreadPoolExecutor(max_workers=PREPARED_AT_ONCE, thread_name_prefix="media-prepare")
Download = Callable[[str], Awaitable[bytes]]
"""A file sent in the chat, by its Telegram file id; the adapter that talks to Telegram makes
it, and raises `ChatFileUnavailable` when the file cannot be had."""

# What each kind of chat media may turn out to be; Telegram sends GIFs as animations.
TELEGRAM_FAMILIES: dict[str, frozenset[Family]] = {
    "photo": frozenset({Family.IMAGE}),
    "video": frozenset({Family.VIDEO}),
    "video_note": frozenset({Family.VIDEO}),
    "animation": frozenset({Family.VIDEO, Family.IMAGE}),
    "voice": frozenset({Family.AUDIO}),
}


class UploadKind(enum.StrEnum):
    """What the mini app says it uploads; the bytes still decide what is accepted."""

    IMAGE = "image"
    VIDEO = "video"

    @property
    def family(self) -> Family:
        return Family.IMAGE if self is UploadKind.IMAGE else Family.VIDEO

    @property
    def media_kind(self) -> str:
        """The `Media.kind` of an upload of this kind until its bytes are seen."""
        return "photo" if self is UploadKind.IMAGE else "video"

    @classmethod
    def of(cls, media: Media) -> UploadKind:
        return cls.VIDEO if media.kind == "video" else cls.IMAGE


@dataclass(frozen=True, slots=True)
class PendingUpload:
    media: Media
    target: UploadTarget
    max_bytes: int


@dataclass(frozen=True, slots=True)
class MediaUrls:
    """Short-lived links; a new call gives new ones when these expire."""

    url: str
    thumbnail_url: str | None
    expires_in: int


def is_ready(media: Media) -> bool:
    """Stored and checked: only then has it a content type (pending uploads have none)."""
    return media.storage_key is not None and media.content_type is not None


def is_pending(media: Media) -> bool:
    """Begun in the mini app: the upload key is reserved, the bytes not yet checked."""
    return media.storage_key is not None and media.content_type is None


async def save_upload(
    session: AsyncSession,
    store: MediaStore,
    settings: Settings,
    *,
    owner: User,
    data: bytes,
    kind: UploadKind,
) -> Media:
    """Keep bytes already in hand; a refused file leaves neither object nor row."""
    config = media_config(settings)
    prepared = await _prepare(data, frozenset({kind.family}), config)
    await _check_quota(session, config, owner.id, adding=prepared.size)
    media = Media(owner_id=owner.id, kind=_kind_of(prepared))
    await _keep(session, store, media, prepared)
    return media


async def begin_upload(
    session: AsyncSession, store: MediaStore, settings: Settings, *, owner: User, kind: UploadKind
) -> PendingUpload:
    """Reserve a key and the quota for a direct upload from the phone to the storage."""
    config = media_config(settings)
    max_bytes = limit_for(kind.family, config)
    await _check_quota(session, config, owner.id, adding=max_bytes)
    key = f"{UPLOAD_PREFIX}{secrets.token_urlsafe(18)}"
    target = await store.upload_target(
        key, max_bytes=max_bytes, expires_in=config.upload_ttl_seconds
    )
    media = Media(
        owner_id=owner.id, kind=kind.media_kind, storage_key=key, upload_reserved_bytes=max_bytes
    )
    session.add(media)
    await session.flush()
    return PendingUpload(media=media, target=target, max_bytes=max_bytes)


async def complete_upload(
    session: AsyncSession, store: MediaStore, settings: Settings, owner: User, media_public_id: str
) -> Media:
    """Check what arrived; refused bytes are deleted, accepted ones re-stored under a new key."""
    config = media_config(settings)
    # Locked, so two completions of one upload cannot both store it (PostgreSQL).
    media = await repository.get_owned(session, owner.id, media_public_id, for_update=True)
    if is_ready(media):
        return media
    if not is_pending(media) or media.storage_key is None:
        raise WrongState()
    upload_key = media.storage_key
    family = UploadKind.of(media).family
    try:
        data = await store.get(upload_key, max_bytes=limit_for(family, config))
        prepared = await _prepare(data, frozenset({family}), config)
        await _check_quota(session, config, owner.id, adding=prepared.size, excluding=media.id)
    except MissingObject:
        raise UploadMissing() from None
    except StorageUnavailable:
        raise
    except DomainError:
        await store.close_upload(upload_key)
        raise
    media.kind = _kind_of(prepared)
    # A fresh key, so nothing sent to the upload link again can replace the checked bytes.
    await _keep(session, store, media, prepared)
    if await _close_upload(store, upload_key):
        media.upload_reserved_bytes = 0
        await session.flush()
    return media


async def readable_url(
    session: AsyncSession, store: MediaStore, settings: Settings, media: Media, reader: Party
) -> MediaUrls:
    """Links for the owner, or the recipient after the reveal; for anyone else it is not there."""
    if media.storage_key is None or not is_ready(media):
        raise NotFound()
    if not await may_read(session, media, reader):
        raise NotFound()
    ttl = media_config(settings).url_ttl_seconds
    url = await store.read_url(media.storage_key, expires_in=ttl)
    thumbnail_url = (
        await store.read_url(media.thumbnail_key, expires_in=ttl) if media.thumbnail_key else None
    )
    return MediaUrls(url=url, thumbnail_url=thumbnail_url, expires_in=ttl)


async def open_media(
    session: AsyncSession, store: MediaStore, settings: Settings, *, reader: Party, public_id: str
) -> tuple[Media, MediaUrls]:
    """The media a link in the mini app names, if this reader may see it."""
    media = await repository.get_by_public_id(session, public_id)
    return media, await readable_url(session, store, settings, media, reader)


async def may_read(session: AsyncSession, media: Media, reader: Party) -> bool:
    """Only the two people of a confession: its owner, and whoever it was revealed to."""
    if media.owner_id == reader.id:
        return True
    if media.id is None:
        return False
    return (
        await repository.revealed_with(session, media.id, reader.id)
        or await repository.in_thread_of(session, media.id, reader.id)
        or await repository.background_for(session, media, reader.id)
    )


async def attach_upload(session: AsyncSession, *, owner: User, media_public_id: str) -> Media:
    """Mark a finished upload as used, so the sweep keeps it."""
    media = await repository.get_owned(session, owner.id, media_public_id)
    if not is_ready(media):
        raise WrongState()
    media.attached_at = media.attached_at or utcnow()
    await session.flush()
    return media


async def store_from_telegram(
    session: AsyncSession, store: MediaStore, settings: Settings, media: Media, download: Download
) -> Media:
    """Copy a file sent in the bot chat into our storage, checked like any upload."""
    if media.storage_key is not None:
        return media
    if media.telegram_file_id is None:
        raise WrongState()
    families = TELEGRAM_FAMILIES.get(media.kind)
    if families is None:
        raise MediaNotAllowed()
    data = await download(media.telegram_file_id)
    prepared = await _prepare(data, families, media_config(settings))
    await _keep(session, store, media, prepared)
    return media


async def delete_media(session: AsyncSession, store: MediaStore, media: Media) -> None:
    """Objects first, then the row: if the storage fails, the row stays for the next sweep."""
    for key in (media.storage_key, media.thumbnail_key):
        if key is not None:
            await store.delete(key)
    await session.delete(media)
    await session.flush()


async def sweep_unattached(
    session: AsyncSession, store: MediaStore, *, older_than: timedelta = SWEEP_AFTER
) -> int:
    """Remove uploads that were never attached to anything; returns how many."""
    stale = await repository.unattached_before(session, utcnow() - older_than)
    for media in stale:
        await delete_media(session, store, media)
    return len(stale)


async def sweep_uploads(
    session: AsyncSession, store: MediaStore, settings: Settings, *, now: datetime | None = None
) -> int:
    """Once upload links can write no more, remove what they wrote that no media holds
    (uploads never completed, bytes left or sent again under an upload key) and give their
    caps back to the quota; returns how many uploads were never completed."""
    ttl = timedelta(seconds=media_config(settings).upload_ttl_seconds)
    cutoff = (now or utcnow()) - ttl - UPLOAD_SWEEP_MARGIN
    abandoned = await repository.pending_created_before(session, cutoff)
    for media in abandoned:
        await delete_media(session, store, media)
    await repository.release_reservations(session, created_before=cutoff)
    await store.remove_written_before(UPLOAD_PREFIX, cutoff)
    await store.remove_written_before(STORY_PREFIX, (now or utcnow()) - STORY_KEPT)
    return len(abandoned)


async def _prepare(data: bytes, allowed: frozenset[Family], config: MediaConfig) -> Prepared:
    """Sniffing and re-encoding are CPU work: off the event loop, and a few at a time."""
    loop = asyncio.get_running_loop()
    work = functools.partial(_prepare_and_release, data, allowed=allowed, config=config)
    return await loop.run_in_executor(_preparing, work)


def _prepare_and_release(
    data: bytes, *, allowed: frozenset[Family], config: MediaConfig
) -> Prepared:
    try:
        return prepare(data, allowed=allowed, config=config)
    finally:
        memory.give_back()


async def _check_quota(
    session: AsyncSession,
    config: MediaConfig,
    owner_id: int,
    *,
    adding: int,
    excluding: int | None = None,
) -> None:
    used = await repository.stored_bytes(session, owner_id, excluding=excluding)
    if used + adding > config.quota_bytes:
        raise MediaQuotaExceeded()


def _kind_of(prepared: Prepared) -> str:
    family = prepared.file_type.family
    if family is Family.IMAGE:
        return "animation" if prepared.animated else "photo"
    return "video" if family is Family.VIDEO else "voice"


async def _keep(session: AsyncSession, store: MediaStore, media: Media, prepared: Prepared) -> None:
    """Write the objects, then the row; if anything fails, the objects written go again."""
    token = secrets.token_urlsafe(18)
    storage_key, thumbnail_key = f"m/{token}", f"t/{token}"
    written: list[str] = []
    try:
        await store.put(storage_key, prepared.data, prepared.file_type.content_type)
        written.append(storage_key)
        if prepared.thumbnail is not None:
            await store.put(thumbnail_key, prepared.thumbnail, THUMBNAIL_CONTENT_TYPE)
            written.append(thumbnail_key)
        media.storage_key = storage_key
        media.thumbnail_key = thumbnail_key if prepared.thumbnail is not None else None
        media.content_type = prepared.file_type.content_type
        media.size_bytes = prepared.size
        session.add(media)
        await session.flush()
    except Exception:
        await _forget(store, written)
        raise
    metrics.MEDIA_BYTES.inc(prepared.size + len(prepared.thumbnail or b""))


async def _close_upload(store: MediaStore, key: str) -> bool:
    """Close an upload link after completion; if the storage fails, the sweep clears up later."""
    try:
        return await store.close_upload(key)
    except StorageUnavailable:
        log.warning("could not close an upload; its bytes wait for the sweep")
        return False


async def _forget(store: MediaStore, keys: Iterable[str]) -> None:
    """Best-effort clean-up; an object left behind is unreachable, which is safe."""
    for key in keys:
        try:
            await store.delete(key)
        except StorageUnavailable:
            log.warning("could not remove a media object; it is left unreferenced")
