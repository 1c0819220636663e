"""Every media query in one place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFound
from models import Confession, ConfessionStatus, ConfessionStyle, Media, Reply


async def get_by_public_id(
    session: AsyncSession, public_id: str, *, for_update: bool = False
) -> Media:
    query = select(Media).where(Media.public_id == public_id)
    result = await session.exec(query.with_for_update() if for_update else query)
    media = result.first()
    if media is None:
        raise NotFound()
    return media


async def get_owned(
    session: AsyncSession, owner_id: int, public_id: str, *, for_update: bool = False
) -> Media:
    """The owner's media; someone else's is as absent as one that never existed."""
    media = await get_by_public_id(session, public_id, for_update=for_update)
    if media.owner_id != owner_id:
        raise NotFound()
    return media


async def stored_bytes(
    session: AsyncSession, owner_id: int, *, excluding: int | None = None
) -> int:
    """What the owner keeps in storage: finished files, and the cap of every upload link that
    can still write."""
    held = func.coalesce(Media.size_bytes, 0) + Media.upload_reserved_bytes
    query = select(func.coalesce(func.sum(held), 0)).where(
        Media.owner_id == owner_id, col(Media.storage_key).is_not(None)
    )
    if excluding is not None:
        query = query.where(Media.id != excluding)
    result = await session.exec(query)
    return int(result.one() or 0)


async def pending_created_before(session: AsyncSession, cutoff: datetime) -> Sequence[Media]:
    """Uploads begun before the cutoff and never completed."""
    query = select(Media).where(
        col(Media.storage_key).is_not(None),
        col(Media.content_type).is_(None),
        col(Media.created_at) < cutoff,
    )
    return (await session.exec(query)).all()


async def release_reservations(session: AsyncSession, *, created_before: datetime) -> None:
    """Give back the caps held for upload links begun before the cutoff."""
    await session.exec(
        update(Media)
        .where(col(Media.upload_reserved_bytes) > 0, col(Media.created_at) < created_before)
        .values(upload_reserved_bytes=0)
    )


async def revealed_with(session: AsyncSession, media_id: int, reader_id: int) -> bool:
    """Whether the media belongs to a confession the reader received and revealed."""
    query = select(Confession.id).where(
        Confession.media_id == media_id,
        Confession.recipient_id == reader_id,
        Confession.status == ConfessionStatus.REVEALED,
    )
    return (await session.exec(query.limit(1))).first() is not None


async def background_for(session: AsyncSession, media: Media, reader_id: int) -> bool:
    """The image dresses a confession this reader received: styling, shown with the envelope."""
    query = (
        select(Confession.id)
        .join(ConfessionStyle, col(ConfessionStyle.confession_id) == col(Confession.id))
        .where(
            ConfessionStyle.background_kind == "image",
            ConfessionStyle.background_value == media.public_id,
            Confession.sender_id == media.owner_id,
            Confession.recipient_id == reader_id,
            Confession.status != ConfessionStatus.DRAFT,
        )
    )
    return (await session.exec(query)).first() is not None


async def in_thread_of(session: AsyncSession, media_id: int, reader_id: int) -> bool:
    """Whether the media is in a reply under a confession the reader sent or received."""
    query = (
        select(Reply.id)
        .join(Confession, col(Confession.id) == col(Reply.confession_id))
        .where(
            Reply.media_id == media_id,
            or_(col(Confession.sender_id) == reader_id, col(Confession.recipient_id) == reader_id),
        )
    )
    return (await session.exec(query.limit(1))).first() is not None


async def unattached_before(session: AsyncSession, cutoff: datetime) -> Sequence[Media]:
    """Uploads nobody attached in time; anything a confession or reply names is kept."""
    query = select(Media).where(
        col(Media.attached_at).is_(None),
        col(Media.created_at) < cutoff,
        ~exists().where(col(Confession.media_id) == col(Media.id)),
        ~exists().where(col(Reply.media_id) == col(Media.id)),
    )
    return (await session.exec(query)).all()
