"""The sender's later choices, and time: withdraw, sign, expire."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import confessions, media, notices, safety
from core.confessions import ReaderView, Role
from core.errors import NotAllowed, WrongState
from core.media import MediaStore
from core.notices import Notice
from core.settings import Settings
from models import Confession, ConfessionStatus, Signature, User
from models.types import utcnow

UNREAD = (ConfessionStatus.QUEUED, ConfessionStatus.DELIVERED)


async def _as_sender(session: AsyncSession, public_id: str, user: User) -> ReaderView:
    current = await confessions.for_reader(session, public_id, user)
    if current.role != Role.SENDER:
        raise NotAllowed("Only its sender can do that.")
    return current


async def withdraw(
    session: AsyncSession, store: MediaStore, public_id: str, sender: User
) -> Confession:
    """Take back what was not read yet: the recipient's message says so, the media is gone."""
    current = await _as_sender(session, public_id, sender)
    confession = current.confession
    if confession.status not in UNREAD:
        raise WrongState("It was already read, so it cannot be taken back.")
    if current.view.media is not None:
        confession.media_id = None
        await media.delete_media(session, store, current.view.media)
    confession.status = ConfessionStatus.WITHDRAWN
    confession.withdrawn_at = confession.updated_at = utcnow()
    await _retire_delivery_message(session, confession)
    await session.flush()
    return confession


async def sign(
    session: AsyncSession, settings: Settings, public_id: str, sender: User
) -> Confession:
    """The sender says who they are, at any time; the recipient is told, unless they blocked
    the sender: a block means nothing more from them, a name included."""
    confession = (await _as_sender(session, public_id, sender)).confession
    if confession.status in (ConfessionStatus.WITHDRAWN, ConfessionStatus.EXPIRED):
        raise WrongState()
    if confession.signature == Signature.SIGNED:
        return confession
    confession.signature = Signature.SIGNED
    confession.hint = None
    confession.updated_at = utcnow()
    if (
        confession.recipient_id is not None
        and confession.status != ConfessionStatus.QUEUED
        and confession.withheld_at is None
        and not await safety.is_blocked(
            session, settings, sender_id=sender.id, recipient_id=confession.recipient_id
        )
    ):
        await notices.enqueue(
            session, Notice.SIGNED, chat_id=confession.recipient_id, confession_id=confession.id
        )
    await session.flush()
    return confession


async def expire_due(session: AsyncSession, settings: Settings) -> int:
    """Unread confessions older than the expiry setting expire; each sender is told."""
    deadline = utcnow() - timedelta(days=settings.confession_expiry_days)
    due = await session.exec(
        select(Confession)
        .where(col(Confession.status).in_(UNREAD), col(Confession.queued_at) < deadline)
        .limit(200)
    )
    count = 0
    for confession in due.all():
        confession.status = ConfessionStatus.EXPIRED
        confession.expired_at = confession.updated_at = utcnow()
        await notices.enqueue(
            session, Notice.EXPIRED, chat_id=confession.sender_id, confession_id=confession.id
        )
        await _retire_delivery_message(session, confession)
        count += 1
    await session.flush()
    return count


async def _retire_delivery_message(session: AsyncSession, confession: Confession) -> None:
    """The recipient's "someone has a confession" message is edited to say it is gone."""
    if confession.delivery_message_id is not None and confession.delivery_chat_id is not None:
        await notices.enqueue(
            session,
            Notice.WITHDRAWN,
            chat_id=confession.delivery_chat_id,
            confession_id=confession.id,
            message_id=confession.delivery_message_id,
        )
