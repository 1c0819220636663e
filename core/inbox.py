"""Updates from Telegram, stored before they are acknowledged and handled once.

The webhook only writes here and answers 200, so Telegram never waits for our handlers and
an update acknowledged is never lost: a process that dies mid-update leaves it to be taken
again when its lease runs out. Updates of one user are handled one at a time, in order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import InboxUpdate
from models.db import insert_or_skip
from models.types import utcnow

USER_FIELDS = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "pre_checkout_query",
    "message_reaction",
)


class MalformedUpdate(ValueError):
    """Not an update Telegram would send; answered 200 so it is not re-sent forever."""


def update_user_id(payload: dict[str, Any]) -> int | None:
    """The user whose updates must be handled in order: the sender of this one."""
    for field in USER_FIELDS:
        body = payload.get(field)
        if isinstance(body, dict):
            sender = body.get("from") or body.get("user")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
    return None


async def receive(session: AsyncSession, payload: Any) -> bool:
    """Store an update; False when that update id was already stored."""
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise MalformedUpdate("an update is a JSON object with an integer update_id")
    if isinstance(payload["update_id"], bool):
        raise MalformedUpdate("update_id must be an integer")
    values = {
        "update_id": payload["update_id"],
        "user_id": update_user_id(payload),
        "payload": payload,
        "received_at": utcnow(),
        "attempts": 0,
    }
    result = await session.exec(insert_or_skip(session, InboxUpdate).values(**values))
    return bool(result.rowcount)


async def claim(session: AsyncSession, *, lease_seconds: int, limit: int = 20) -> list[InboxUpdate]:
    """Take due updates: each user's oldest unhandled one only, so a user's steps stay in order."""
    now = utcnow()
    earlier = aliased(InboxUpdate)
    query = (
        select(InboxUpdate)
        .where(
            col(InboxUpdate.handled_at).is_(None),
            or_(col(InboxUpdate.locked_until).is_(None), col(InboxUpdate.locked_until) < now),
            ~exists().where(
                and_(
                    col(InboxUpdate.user_id).is_not(None),
                    col(earlier.user_id) == col(InboxUpdate.user_id),
                    col(earlier.handled_at).is_(None),
                    col(earlier.update_id) < col(InboxUpdate.update_id),
                )
            ),
        )
        .order_by(col(InboxUpdate.update_id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = list((await session.exec(query)).all())
    if claimed:
        await session.exec(
            update(InboxUpdate)
            .where(col(InboxUpdate.update_id).in_([row.update_id for row in claimed]))
            .values(
                locked_until=now + timedelta(seconds=lease_seconds),
                attempts=InboxUpdate.attempts + 1,
            )
        )
    return claimed


async def mark_handled(session: AsyncSession, update_id: int) -> None:
    await session.exec(
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id) == update_id)
        .values(handled_at=utcnow(), locked_until=None, payload={})
    )


async def pending_count(session: AsyncSession) -> int:
    rows = await session.exec(
        select(InboxUpdate.update_id).where(col(InboxUpdate.handled_at).is_(None))
    )
    return len(rows.all())
