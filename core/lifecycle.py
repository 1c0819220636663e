"""The life of a confession after its draft: sent, delivered, revealed, and the sender's
later choices (withdraw, sign), and time (expire).

Each step that a reader asks for checks the reader's permissions (`read_model.permissions`),
the same ones the adapters render their buttons from.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import consent, limits, media, notices, read_model, safety, users, wordlist
from core.consent import Route
from core.errors import NotAllowed, NotForYou, NotFound, NotYourOwn, Withdrawn, WrongState
from core.media import MediaStore
from core.notices import Notice
from core.read_model import ALIVE, ConfessionView, ReaderView, Role, get_by_public_id, view
from core.settings import Settings
from models import (
    UNREAD,
    Confession,
    ConfessionStatus,
    OutboxMessage,
    OutboxStatus,
    Signature,
    User,
)
from models.types import utcnow


async def send(
    session: AsyncSession,
    settings: Settings,
    draft: Confession,
    sender: User,
    *,
    words_confirmed: str | None = None,
) -> ConfessionView:
    """Seal a draft: stored, and either queued for the bot to deliver or left to be shared.

    Words from the operator's list are sent only once the sender confirms them
    (`words_confirmed`, see `wordlist.screen`), and then halve their limits for a day."""
    if draft.status != ConfessionStatus.DRAFT or draft.sender_id != sender.id:
        raise WrongState()
    await safety.refuse_if_banned(session, settings, sender.id)
    await limits.check_confession(session, settings, sender, draft)
    words = "\n".join(part for part in (draft.text, draft.hint) if part)
    if wordlist.screen(settings, words, confirmed=words_confirmed):
        await limits.record_word_list_hit(session, sender.id)
    now = utcnow()
    draft.status = ConfessionStatus.QUEUED
    draft.compose_step = None
    draft.queued_at = now
    draft.updated_at = now
    if sender.chat_state_ref == draft.id:
        users.set_chat_state(sender, None)
    recipient = await session.get(User, draft.recipient_id) if draft.recipient_id else None
    blocked = recipient is not None and await safety.is_blocked(
        session, settings, sender_id=sender.id, recipient_id=recipient.id
    )
    if recipient is not None and recipient.can_message and blocked:
        await _withhold(session, draft)
    elif recipient is not None and recipient.can_message:
        await _queue_delivery(session, draft, recipient)
    await _notice_a_match(session, settings, draft)
    await session.flush()
    return await view(session, draft)


async def _withhold(session: AsyncSession, confession: Confession) -> None:
    """The recipient blocked its sender: nothing reaches them, and the sender sees what a
    confession never opened shows: delivered, then unread until it expires."""
    now = utcnow()
    confession.withheld_at = now
    confession.status = ConfessionStatus.DELIVERED
    confession.delivered_at = confession.updated_at = now
    await notices.enqueue(
        session, Notice.DELIVERED, chat_id=confession.sender_id, confession_id=confession.id
    )


async def _notice_a_match(
    session: AsyncSession, settings: Settings, confession: Confession
) -> None:
    """Two people who confessed to each other, whatever the order, each having agreed to be
    named if it was mutual: tell both, with names. Without both agreeing, nothing is said, so
    confessing back is never a way to find out who wrote. A block either way, or a confession
    held back by one, never completes a match: names must not travel where a block stands."""
    if (
        confession.recipient_id is None
        or confession.matched_at is not None
        or confession.withheld_at is not None
        or not confession.reveal_if_mutual
    ):
        return
    found = await session.exec(
        select(Confession)
        .where(
            Confession.sender_id == confession.recipient_id,
            Confession.recipient_id == confession.sender_id,
            col(Confession.reveal_if_mutual).is_(True),
            col(Confession.withheld_at).is_(None),
            col(Confession.status).not_in([ConfessionStatus.DRAFT, ConfessionStatus.WITHDRAWN]),
        )
        .order_by(col(Confession.id).desc())
    )
    other = found.first()
    if other is None or await _blocked_either_way(session, settings, confession):
        return
    now = utcnow()
    for side in (confession, other):
        side.matched_at = now
        await notices.enqueue(session, Notice.MATCH, chat_id=side.sender_id, confession_id=side.id)


async def _blocked_either_way(
    session: AsyncSession, settings: Settings, confession: Confession
) -> bool:
    assert confession.recipient_id is not None
    one, other = confession.sender_id, confession.recipient_id
    return await safety.is_blocked(
        session, settings, sender_id=one, recipient_id=other
    ) or await safety.is_blocked(session, settings, sender_id=other, recipient_id=one)


async def agree_to_mutual_reveal(
    session: AsyncSession, settings: Settings, public_id: str, sender: User, agreed: bool
) -> Confession:
    """The sender's own choice, off unless they turn it on: be named if it turns out mutual.
    Turning it on may complete a match at once, as sending would have."""
    confession = await read_model.get_by_public_id_or_draft(session, public_id)
    if confession.sender_id != sender.id:
        raise NotFound()
    if confession.status not in ALIVE:
        raise WrongState()
    confession.reveal_if_mutual = agreed
    confession.updated_at = utcnow()
    if agreed and confession.status != ConfessionStatus.DRAFT:
        await _notice_a_match(session, settings, confession)
    await session.flush()
    return confession


async def open_shared(
    session: AsyncSession, settings: Settings, public_id: str, opener: User
) -> ConfessionView:
    """Someone followed a share link: if it is meant for them, deliver it to them (withheld,
    when they blocked its sender: the view then says so, and the caller shows nothing)."""
    confession = await get_by_public_id(session, public_id)
    if confession.sender_id == opener.id:
        raise NotYourOwn()
    if confession.status == ConfessionStatus.WITHDRAWN:
        raise Withdrawn()
    if not _may_claim(confession, opener):
        raise NotForYou()
    blocked = await safety.is_blocked(
        session, settings, sender_id=confession.sender_id, recipient_id=opener.id
    )
    if confession.recipient_id is None:
        confession.recipient_id = opener.id
        await _notice_a_match(session, settings, confession)
    if confession.status == ConfessionStatus.QUEUED:
        await (
            _withhold(session, confession)
            if blocked
            else _queue_delivery(session, confession, opener, claimed=True)
        )
    await session.flush()
    return await view(session, confession)


def _may_claim(confession: Confession, opener: User) -> bool:
    if confession.recipient_id is not None:
        return confession.recipient_id == opener.id
    if confession.recipient_username_key is not None:
        return confession.recipient_username_key == opener.username_key
    return True


async def _queue_delivery(
    session: AsyncSession, confession: Confession, recipient: User, *, claimed: bool = False
) -> bool:
    """One pending delivery per confession at most, however often the link is opened; the
    recipient's consent and filter decide whether it is a notice, a request or nothing (then
    it is marked delivered all the same: its sender must not tell the difference). True when
    something is on its way to the recipient."""
    assert confession.id is not None
    way = await consent.route(session, confession, recipient, claimed=claimed)
    if way == Route.WAIT:
        return False
    if way == Route.HOLD:
        await mark_delivered(session, confession.id, chat_id=recipient.id, message_id=None)
        return False
    pending = await session.exec(
        select(OutboxMessage).where(
            OutboxMessage.confession_id == confession.id,
            OutboxMessage.kind == Notice.DELIVERY.value,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )
    if pending.first() is None:
        await notices.enqueue(
            session, Notice.DELIVERY, chat_id=recipient.id, confession_id=confession.id
        )
    return True


async def mark_delivered(
    session: AsyncSession, confession_id: int, *, chat_id: int, message_id: int | None
) -> None:
    """The worker sent the delivery: remember where, and tell the sender."""
    confession = await session.get(Confession, confession_id)
    if confession is None:
        return
    confession.delivery_chat_id = chat_id
    confession.delivery_message_id = message_id
    if confession.status == ConfessionStatus.QUEUED:
        confession.status = ConfessionStatus.DELIVERED
        confession.delivered_at = confession.updated_at = utcnow()
        await notices.enqueue(
            session, Notice.DELIVERED, chat_id=confession.sender_id, confession_id=confession.id
        )
    await session.flush()


async def mark_undeliverable(session: AsyncSession, confession_id: int, *, chat_id: int) -> None:
    """The recipient blocked the bot or never started it: the sender gets the link instead."""
    await users.mark_unreachable(session, chat_id)
    confession = await session.get(Confession, confession_id)
    if confession is None or confession.status != ConfessionStatus.QUEUED:
        return
    await notices.enqueue(
        session, Notice.UNDELIVERABLE, chat_id=confession.sender_id, confession_id=confession.id
    )


async def reveal(
    session: AsyncSession, public_id: str, reader: User, *, again: bool = True
) -> ConfessionView:
    """The recipient opens it; only they can, and the sender hears of it once. An opened one
    opens again (the mini app's card) unless `again` is False: a chat's Reveal button is
    good once."""
    confession = await get_by_public_id(session, public_id)
    if confession.recipient_id != reader.id or confession.withheld_at is not None:
        raise NotForYou()
    if confession.status == ConfessionStatus.WITHDRAWN:
        raise Withdrawn()
    if read_model.permissions(confession, Role.RECIPIENT).reveal:
        await consent.accept_on_reveal(session, confession, reader)
        confession.status = ConfessionStatus.REVEALED
        confession.revealed_at = confession.updated_at = utcnow()
        if confession.delivered_at is None:
            confession.delivered_at = confession.revealed_at
        for notice in (Notice.REVEALED, Notice.SENDER_CONTROLS):
            await notices.enqueue(
                session, notice, chat_id=confession.sender_id, confession_id=confession.id
            )
        await session.flush()
    elif confession.status != ConfessionStatus.REVEALED or not again:
        raise WrongState()
    return await view(session, confession)


async def deliver_waiting(session: AsyncSession, settings: Settings, user: User) -> int:
    """Someone just started the bot: confessions addressed to them can now come through."""
    addressed: list[ColumnElement[bool]] = [col(Confession.recipient_id) == user.id]
    if user.username_key:
        addressed.append(
            and_(
                col(Confession.recipient_id).is_(None),
                col(Confession.recipient_username_key) == user.username_key,
            )
        )
    waiting = await session.exec(
        select(Confession).where(Confession.status == ConfessionStatus.QUEUED, or_(*addressed))
    )
    count = 0
    for confession in waiting.all():
        if confession.sender_id == user.id:
            continue
        if await safety.is_blocked(
            session, settings, sender_id=confession.sender_id, recipient_id=user.id
        ):
            confession.recipient_id = user.id
            await _withhold(session, confession)
            continue
        if confession.recipient_id is None:
            confession.recipient_id = user.id
            await _notice_a_match(session, settings, confession)
        count += await _queue_delivery(session, confession, user)
    await session.flush()
    return count


async def _as_sender(session: AsyncSession, public_id: str, user: User) -> ReaderView:
    current = await read_model.for_reader(session, public_id, user)
    if current.role != Role.SENDER:
        raise NotAllowed("Only its sender can do that.")
    return current


async def withdraw(
    session: AsyncSession, store: MediaStore, public_id: str, sender: User
) -> Confession:
    """Take back what was not read yet: the recipient's message says so, the media is gone."""
    current = await _as_sender(session, public_id, sender)
    confession = current.confession
    if not current.can.withdraw:
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
    the sender: a block means nothing more from them, a name included. Once the recipient
    knows (signed already, or a match), a second press changes nothing."""
    current = await _as_sender(session, public_id, sender)
    confession = current.confession
    if confession.status not in ALIVE:
        raise WrongState()
    if not current.can.sign:
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
