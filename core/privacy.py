"""A user's own data: all of it on request, and gone on request.

Gone means no trace of their Telegram id in any table: what others keep about them (a block,
a ban, a report) holds only a keyed hash of it (`core.safety`), which is what lets a block or
a ban outlive the deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import limits, media, notices, outbox
from core.housekeeping import INBOX_KEPT
from core.media import MediaStore
from core.notices import Notice
from core.settings import Settings
from models import (
    UNREAD,
    Block,
    Confession,
    ConfessionStatus,
    HeldItem,
    InboxUpdate,
    LimitPenalty,
    Media,
    OutboxMessage,
    Preferences,
    RateCounter,
    Reaction,
    Reply,
    Report,
    User,
)


@dataclass(frozen=True, slots=True)
class Retention:
    """How long things are kept, as the privacy notice tells it: from the settings, so the
    notice cannot drift from what housekeeping does."""

    confession_expiry_days: int
    outbox_kept_days: int
    inbox_kept_days: int


def retention(settings: Settings) -> Retention:
    return Retention(
        confession_expiry_days=settings.confession_expiry_days,
        outbox_kept_days=settings.outbox_kept_days,
        inbox_kept_days=INBOX_KEPT.days,
    )


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def export(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything stored about the user; what others sent them only as far as they may see it."""
    sent = (await session.exec(select(Confession).where(Confession.sender_id == user.id))).all()
    received = (
        await session.exec(select(Confession).where(Confession.recipient_id == user.id))
    ).all()
    replies = (await session.exec(select(Reply).where(Reply.author_id == user.id))).all()
    reactions = (await session.exec(select(Reaction).where(Reaction.user_id == user.id))).all()
    blocks = (await session.exec(select(Block).where(Block.blocker_id == user.id))).all()
    reports = (await session.exec(select(Report).where(Report.reporter_id == user.id))).all()
    preferences = await session.get(Preferences, user.id) or Preferences(user_id=user.id)
    held = (await session.exec(select(HeldItem).where(HeldItem.holder_id == user.id))).all()
    penalties = (
        await session.exec(select(LimitPenalty).where(LimitPenalty.user_id == user.id))
    ).all()
    return {
        "user": {
            "id": user.id,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language_code": user.language_code,
            "started_at": _when(user.started_at),
            "created_at": _when(user.created_at),
        },
        "sent": [
            {
                "id": c.public_id,
                "status": c.status.value,
                "text": c.text,
                "signature": c.signature.value,
                "hint": c.hint,
                "created_at": _when(c.created_at),
                "revealed_at": _when(c.revealed_at),
            }
            for c in sent
        ],
        "received": [
            {
                "id": c.public_id,
                "status": c.status.value,
                "text": c.text if c.status == ConfessionStatus.REVEALED else None,
                "created_at": _when(c.created_at),
            }
            for c in received
            if c.status != ConfessionStatus.DRAFT and c.withheld_at is None
        ],
        "replies": [{"text": r.text, "created_at": _when(r.created_at)} for r in replies],
        "reactions": [{"kind": r.kind, "created_at": _when(r.created_at)} for r in reactions],
        "blocks": [{"created_at": _when(b.created_at)} for b in blocks],
        "reports": [{"status": r.status.value, "created_at": _when(r.created_at)} for r in reports],
        "settings": {
            "who_may_send": preferences.who_may_send.value,
            "filter_words": list(preferences.filter_words),
        },
        "held": [
            {
                "reason": h.reason.value,
                "decision": h.decision.value if h.decision else None,
                "created_at": _when(h.created_at),
            }
            for h in held
        ],
        "limits_halved": [{"since": _when(p.imposed_at)} for p in penalties],
    }


async def forget(session: AsyncSession, settings: Settings, store: MediaStore, user: User) -> None:
    """Delete the user: sent confessions withdrawn and deleted, their replies and reports left
    without an author, where confessions to them were delivered forgotten, every notice
    to them removed, everything else of theirs removed. Blocks against them, a ban and what
    they spent of their limits in the last day stay, as keyed hashes."""
    await limits.keep_what_was_spent(session, settings, user)
    sent = (await session.exec(select(Confession).where(Confession.sender_id == user.id))).all()
    for confession in sent:
        unread = confession.status in UNREAD
        if unread and confession.delivery_chat_id and confession.delivery_message_id:
            await notices.enqueue(
                session,
                Notice.WITHDRAWN,
                chat_id=confession.delivery_chat_id,
                message_id=confession.delivery_message_id,
            )
        await session.delete(confession)
    await session.flush()
    await session.exec(update(Reply).where(col(Reply.author_id) == user.id).values(author_id=None))
    await session.exec(
        update(Confession).where(col(Confession.recipient_id) == user.id).values(recipient_id=None)
    )
    await session.exec(
        update(Confession)
        .where(col(Confession.delivery_chat_id) == user.id)
        .values(delivery_chat_id=None, delivery_message_id=None)
    )
    await session.exec(
        update(Report).where(col(Report.reporter_id) == user.id).values(reporter_id=None)
    )
    owned = await session.exec(select(Media).where(Media.owner_id == user.id))
    for item in owned.all():
        await session.exec(
            update(Confession).where(col(Confession.media_id) == item.id).values(media_id=None)
        )
        await session.exec(
            update(Reply).where(col(Reply.media_id) == item.id).values(media_id=None)
        )
        await media.delete_media(session, store, item)
    for table, column in (
        (Reaction, Reaction.user_id),
        (Block, Block.blocker_id),
        (RateCounter, RateCounter.subject),
    ):
        await session.exec(delete(table).where(col(column) == user.id))
    # a handled update keeps no sender; the one being handled right now stays, nameless,
    # until it is handled and pruned
    await session.exec(
        update(InboxUpdate)
        .where(col(InboxUpdate.user_id) == user.id, col(InboxUpdate.handled_at).is_(None))
        .values(user_id=None)
    )
    for to_them in outbox.to_chat(user.id):
        await session.exec(delete(OutboxMessage).where(to_them))
    await session.delete(user)
    await session.flush()
