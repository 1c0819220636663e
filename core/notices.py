"""The notices the product sends through the outbox, named by what they mean.

The outbox stores a notice's kind and a few ids; the bot renders it into a Bot API call
when it is sent, in the recipient's language and with the confession as it is by then.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import OutboxMessage

QUEUED_FLAG = "notices_queued"


class Notice(enum.StrEnum):
    DELIVERY = "delivery"
    """To the recipient: someone has a confession for you, with Reveal and Open."""
    DELIVERED = "delivered"
    """To the sender: it arrived."""
    REVEALED = "revealed"
    """To the sender: it was opened."""
    UNDELIVERABLE = "undeliverable"
    """To the sender: the recipient cannot be reached by the bot; here is a link instead."""
    REACTION = "reaction"
    """To the sender: the recipient reacted."""
    REPLY = "reply"
    """To the other party of a thread: a relayed message, the anonymous side kept anonymous."""
    MATCH = "match"
    """To both: each confessed to the other."""
    SIGNED = "signed"
    """To the recipient: the sender chose to say who they are."""
    SENDER_CONTROLS = "sender_controls"
    """The sender's "delivered" message, its buttons brought up to date once the confession
    is opened: Withdraw goes, as it can no longer be done."""
    WITHDRAWN = "withdrawn"
    """The recipient's delivery message, edited to say it was withdrawn."""
    EXPIRED = "expired"
    """To the sender: it was never opened and has expired."""
    REPORT = "report"
    """To an operator: a reported confession, with dismiss and ban buttons."""
    BANNED = "banned"
    """To a user an operator banned: once, when it happens; later refusals are one line."""


async def enqueue(
    session: AsyncSession,
    notice: Notice,
    *,
    chat_id: int,
    confession_id: int | None = None,
    **params: Any,
) -> OutboxMessage:
    """Queue a notice in the caller's transaction, so it exists exactly when its cause does."""
    message = OutboxMessage(
        kind=notice.value, chat_id=chat_id, confession_id=confession_id, params=params
    )
    session.add(message)
    session.info[QUEUED_FLAG] = True
    await session.flush()
    return message


async def sent_message_id(
    session: AsyncSession, notice: Notice, *, confession_id: int, chat_id: int
) -> int | None:
    """Where a notice about a confession landed in a chat, once sent: to edit it later."""
    found = await session.exec(
        select(OutboxMessage.message_id)
        .where(
            OutboxMessage.kind == notice.value,
            OutboxMessage.confession_id == confession_id,
            OutboxMessage.chat_id == chat_id,
            col(OutboxMessage.message_id).is_not(None),
        )
        .order_by(col(OutboxMessage.id).desc())
    )
    return found.first()


def were_queued(session: AsyncSession) -> bool:
    """Whether this unit of work queued notices, so the worker can be woken after commit."""
    return bool(session.info.get(QUEUED_FLAG))
