"""The life of a confession once it leaves its draft: queued, delivered, revealed."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, and_, bindparam, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from core import consent, limits, notices, safety, users, wordlist
from core.consent import Route
from core.errors import (
    NotForYou,
    NotFound,
    NotYourOwn,
    Withdrawn,
    WrongState,
)
from core.notices import Notice
from core.settings import Settings
from core.users import Party
from models import (
    Confession,
    ConfessionStatus,
    ConfessionStyle,
    Media,
    OutboxMessage,
    OutboxStatus,
    Reaction,
    User,
)
from models.types import utcnow

SHARE_PREFIX = "c_"
PUBLIC_ID = r"^[A-Za-z0-9_-]{1,24}$"
"""What `models.types.new_public_id` makes, as the API documents it."""


def is_public_id(value: str) -> bool:
    """Anything else names nothing, and is kept from queries: PostgreSQL refuses a NUL byte
    in one as an error, where no such confession is simply not found."""
    return re.fullmatch(PUBLIC_ID.strip("^$"), value) is not None


@dataclass(frozen=True, slots=True)
class ConfessionView:
    """A confession with what rendering it needs, from one reader's point of view."""

    confession: Confession
    sender: User
    recipient: User | None
    media: Media | None

    @property
    def sender_shown(self) -> bool:
        """Whether the reader may learn who sent it: signed, or mutual; otherwise never."""
        return self.confession.signature == "signed" or self.confession.matched_at is not None


async def get_by_public_id(session: AsyncSession, public_id: str) -> Confession:
    if not is_public_id(public_id):
        raise NotFound()
    result = await session.exec(select(Confession).where(Confession.public_id == public_id))
    confession = result.first()
    if confession is None or confession.status == ConfessionStatus.DRAFT:
        raise NotFound()
    return confession


async def by_id(session: AsyncSession, confession_id: int) -> Confession:
    confession = await session.get(Confession, confession_id)
    if confession is None:
        raise NotFound()
    return confession


async def view(session: AsyncSession, confession: Confession) -> ConfessionView:
    sender = await users.get_user(session, confession.sender_id)
    recipient = (
        await session.get(User, confession.recipient_id) if confession.recipient_id else None
    )
    media = await session.get(Media, confession.media_id) if confession.media_id else None
    return ConfessionView(confession=confession, sender=sender, recipient=recipient, media=media)


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
    if not blocked:
        await _notice_a_match(session, draft)
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


async def _notice_a_match(session: AsyncSession, confession: Confession) -> None:
    """Two people who confessed to each other, whatever the order, each having agreed to be
    named if it was mutual: tell both, with names. Without both agreeing, nothing is said, so
    confessing back is never a way to find out who wrote."""
    if (
        confession.recipient_id is None
        or confession.matched_at is not None
        or not confession.reveal_if_mutual
    ):
        return
    found = await session.exec(
        select(Confession)
        .where(
            Confession.sender_id == confession.recipient_id,
            Confession.recipient_id == confession.sender_id,
            col(Confession.reveal_if_mutual).is_(True),
            col(Confession.status).not_in([ConfessionStatus.DRAFT, ConfessionStatus.WITHDRAWN]),
        )
        .order_by(col(Confession.id).desc())
    )
    other = found.first()
    if other is None:
        return
    now = utcnow()
    for side in (confession, other):
        side.matched_at = now
        await notices.enqueue(session, Notice.MATCH, chat_id=side.sender_id, confession_id=side.id)


MAY_AGREE_TO_MUTUAL = frozenset(
    {
        ConfessionStatus.DRAFT,
        ConfessionStatus.QUEUED,
        ConfessionStatus.DELIVERED,
        ConfessionStatus.REVEALED,
    }
)


async def agree_to_mutual_reveal(
    session: AsyncSession, public_id: str, sender: User, agreed: bool
) -> Confession:
    """The sender's own choice, off unless they turn it on: be named if it turns out mutual.
    Turning it on may complete a match at once, as sending would have."""
    confession = await get_by_public_id_or_draft(session, public_id)
    if confession.sender_id != sender.id:
        raise NotFound()
    if confession.status not in MAY_AGREE_TO_MUTUAL:
        raise WrongState()
    confession.reveal_if_mutual = agreed
    confession.updated_at = utcnow()
    if agreed and confession.status != ConfessionStatus.DRAFT:
        await _notice_a_match(session, confession)
    await session.flush()
    return confession


async def get_by_public_id_or_draft(session: AsyncSession, public_id: str) -> Confession:
    result = await session.exec(select(Confession).where(Confession.public_id == public_id))
    confession = result.first()
    if confession is None:
        raise NotFound()
    return confession


def awaits_share(confession: Confession, recipient: User | None) -> bool:
    """Queued, but the bot cannot write first: the sender has to pass the link on."""
    return confession.status == ConfessionStatus.QUEUED and (
        recipient is None or not recipient.can_message
    )


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
        if not blocked:
            await _notice_a_match(session, confession)
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


async def reveal(session: AsyncSession, public_id: str, reader: User) -> ConfessionView:
    """The recipient opens it; only they can, and the sender hears of it once."""
    confession = await get_by_public_id(session, public_id)
    if confession.recipient_id != reader.id or confession.withheld_at is not None:
        raise NotForYou()
    if confession.status == ConfessionStatus.WITHDRAWN:
        raise Withdrawn()
    if confession.status in (ConfessionStatus.QUEUED, ConfessionStatus.DELIVERED):
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
    elif confession.status != ConfessionStatus.REVEALED:
        raise WrongState()
    return await view(session, confession)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ReaderView]
    next_cursor: str | None
    """The public id to pass back as `cursor` for the next page; None on the last one."""


async def page_for(
    session: AsyncSession, reader: Party, *, box: str, limit: int, cursor: str | None = None
) -> Page:
    """Sent or received confessions, newest first, each as its reader sees it, in one query
    however long the page; drafts are not listed. Pages are marked by the public id of their
    last item, never by an internal number; a cursor that names nothing (any more) marks the
    end of the list."""
    query = (
        READING.where(*_in_box(reader, box)).order_by(col(Confession.id).desc()).limit(limit + 1)
    )
    if cursor and not is_public_id(cursor):
        return Page([], None)
    if cursor:
        last = select(Confession.id).where(Confession.public_id == cursor).scalar_subquery()
        query = query.where(col(Confession.id) < func.coalesce(last, 0))
    found = _reader_views((await session.exec(query)).all(), reader)
    more = len(found) > limit
    return Page(found[:limit], found[limit - 1].confession.public_id if more else None)


async def count_in(session: AsyncSession, reader: Party, *, box: str) -> int:
    """How many confessions a box holds, counted as `page_for` lists them."""
    query = select(func.count()).select_from(Confession).where(*_in_box(reader, box))
    return int((await session.exec(query)).one())


def _in_box(reader: Party, box: str) -> list[ColumnElement[bool]]:
    """What the sent or received box lists: never a draft, and nothing the recipient has not
    received (withheld, held back, or waiting to be let in)."""
    owner = Confession.sender_id if box == "sent" else Confession.recipient_id
    where = [col(owner) == reader.id, col(Confession.status) != ConfessionStatus.DRAFT]
    if box == "received":
        where += [
            col(Confession.withheld_at).is_(None),
            or_(
                col(Confession.status) != ConfessionStatus.QUEUED,
                col(Confession.delivered_at).is_not(None),
            ),
            ~consent.kept_from_received(reader.id),
        ]
    return where


async def shareable(session: AsyncSession, sender: User, public_id: str | None) -> list[Confession]:
    """What the sender may post into a chat through inline mode: their own, not yet opened."""
    query = select(Confession).where(
        Confession.sender_id == sender.id, Confession.status == ConfessionStatus.QUEUED
    )
    if public_id and not is_public_id(public_id):
        return []
    if public_id:
        query = query.where(Confession.public_id == public_id)
    return list((await session.exec(query.order_by(col(Confession.id).desc()).limit(10))).all())


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
            await _notice_a_match(session, confession)
        count += await _queue_delivery(session, confession, user)
    await session.flush()
    return count


class Role(enum.StrEnum):
    SENDER = "sender"
    RECIPIENT = "recipient"


@dataclass(frozen=True, slots=True)
class ReaderView:
    """A confession as one of its two parties may see it; nobody else gets one."""

    view: ConfessionView
    role: Role
    style: ConfessionStyle
    reaction: str | None

    @property
    def confession(self) -> Confession:
        return self.view.confession

    @property
    def content_visible(self) -> bool:
        """The recipient reads nothing before revealing it; the sender always can."""
        return self.role == Role.SENDER or self.confession.status == ConfessionStatus.REVEALED

    @property
    def sender_name(self) -> str | None:
        if self.role == Role.SENDER:
            return self.view.sender.display_name
        if self.content_visible and self.view.sender_shown:
            return self.view.sender.display_name
        return None

    @property
    def can_edit(self) -> bool:
        return self.role == Role.SENDER and self.confession.status in EDITABLE

    @property
    def can_reveal(self) -> bool:
        return self.role == Role.RECIPIENT and self.confession.status in (
            ConfessionStatus.QUEUED,
            ConfessionStatus.DELIVERED,
        )


EDITABLE = frozenset({ConfessionStatus.DRAFT, ConfessionStatus.QUEUED, ConfessionStatus.DELIVERED})
"""Until it is revealed, nobody has read it: the sender may still change it."""


async def for_reader(session: AsyncSession, public_id: str, reader: Party) -> ReaderView:
    """The sender or the recipient; to anyone else it does not exist."""
    if not is_public_id(public_id):
        raise NotFound()
    return await _for_reader(session, BY_PUBLIC_ID, public_id, reader)


async def for_reader_by_id(session: AsyncSession, confession_id: int, reader: Party) -> ReaderView:
    """`for_reader`, by the internal id the chat keeps (a thread being replied to)."""
    return await _for_reader(session, BY_ID, confession_id, reader)


async def _for_reader(
    session: AsyncSession, query: Select[*Reading], key: str | int, reader: Party
) -> ReaderView:
    found = (await session.exec(query, params={"key": key})).first()
    if found is None:
        raise NotFound()
    return _reader_views([found], reader)[0]


Sender = aliased(User)
Recipient = aliased(User)
Reading = tuple[Confession, ConfessionStyle | None, User, User | None, Media | None, str | None]

READING = cast(  # select() is typed for up to four columns, and this one has six
    "Select[*Reading]",
    select(Confession, ConfessionStyle, Sender, Recipient)
    .add_columns(
        Media,
        select(Reaction.kind)
        .where(col(Reaction.confession_id) == col(Confession.id))
        .order_by(col(Reaction.id))
        .limit(1)
        .scalar_subquery(),
    )
    .join(Sender, col(Sender.id) == col(Confession.sender_id))
    .outerjoin(Recipient, col(Recipient.id) == col(Confession.recipient_id))
    .outerjoin(ConfessionStyle, col(ConfessionStyle.confession_id) == col(Confession.id))
    .outerjoin(Media, col(Media.id) == col(Confession.media_id)),
)
"""A confession with everything its reader sees, in one query: showing one is the mini app's
busiest read. Built once, as statements are immutable and building one costs more than
running it."""
BY_PUBLIC_ID = READING.where(col(Confession.public_id) == bindparam("key"))
BY_ID = READING.where(col(Confession.id) == bindparam("key"))


def _role(confession: Confession, reader: Party) -> Role:
    if confession.sender_id == reader.id:
        return Role.SENDER
    if (
        confession.recipient_id == reader.id
        and confession.status != ConfessionStatus.DRAFT
        and confession.withheld_at is None
    ):
        return Role.RECIPIENT
    raise NotFound()


def _reader_views(rows: Sequence[Reading], reader: Party) -> list[ReaderView]:
    """A style is stored on first change (`style_of`); until then a reader sees the default
    one, and reading writes nothing."""
    return [
        ReaderView(
            view=ConfessionView(
                confession=confession, sender=sender, recipient=recipient, media=media
            ),
            role=_role(confession, reader),
            style=style or ConfessionStyle(confession_id=confession.id or 0),
            reaction=reaction,
        )
        for confession, style, sender, recipient, media, reaction in rows
    ]


async def style_of(session: AsyncSession, confession_id: int) -> ConfessionStyle:
    style = await session.get(ConfessionStyle, confession_id)
    if style is None:
        style = ConfessionStyle(confession_id=confession_id)
        session.add(style)
        await session.flush()
    return style
