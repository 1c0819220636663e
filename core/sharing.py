"""Sending a confession's card into any chat from the mini app (Telegram's share sheet).

The card is the one inline mode posts: "someone has a confession for you" and a button to
the bot's share link, which only its intended reader can open. So the card itself says
nothing about who sent it; what is guarded here is who may ask the bot to prepare it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from core import read_model
from core.errors import DomainError, NotAllowed, NotFound, Withdrawn, WrongState
from models import Confession, ConfessionStatus, User

SHAREABLE = frozenset(
    {ConfessionStatus.QUEUED, ConfessionStatus.DELIVERED, ConfessionStatus.REVEALED}
)
"""Sent and still standing: a withdrawn or expired card would lead to a dead end."""


@dataclass(frozen=True, slots=True)
class PreparedCard:
    """A card the messenger holds ready for its share sheet, and until when (Unix time)."""

    id: str
    expires_at: int | None = None


class CardPreparer(Protocol):
    """The messaging platform's half of sending a card on (Telegram: `bot.share`)."""

    async def prepare(
        self, confession: Confession, user_id: int, language: str | None
    ) -> PreparedCard: ...


class TelegramUnavailable(DomainError):
    status = 503
    code = "telegram_unavailable"
    message = "Telegram did not answer. Please try again in a moment."


async def card_to_share(session: AsyncSession, public_id: str, caller: User) -> Confession:
    """Only the sender may send the card around; a stranger learns nothing of it (404), its
    recipient is told no (they already know it exists)."""
    confession = await read_model.get_by_public_id(session, public_id)
    if confession.sender_id != caller.id:
        if confession.recipient_id == caller.id:
            raise NotAllowed("Only the person who wrote it can send it on.")
        raise NotFound()
    if confession.status == ConfessionStatus.WITHDRAWN:
        raise Withdrawn()
    if confession.status not in SHAREABLE:
        raise WrongState("This confession can no longer be sent on.")
    return confession


async def card_for_story(session: AsyncSession, public_id: str, caller: User) -> Confession:
    """Once opened, either of the two may post the card as a story image (which names
    nobody); before that the words are not the recipient's to show, nor anyone else's."""
    confession = await read_model.get_by_public_id(session, public_id)
    if caller.id not in (confession.sender_id, confession.recipient_id):
        raise NotFound()
    if confession.status != ConfessionStatus.REVEALED:
        raise WrongState("A card can go to a story once it has been opened.")
    return confession
