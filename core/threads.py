"""Anonymous replies both ways, as a thread under one confession.

The bot relays each message to the other party; the anonymous side stays anonymous in
every relayed message, forever, unless the sender signs or the two match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import consent, drafts, limits, notices, read_model, safety, users
from core.drafts import ChatMedia
from core.errors import NoDraft, TextEmpty, WrongState
from core.notices import Notice
from core.read_model import ReaderView, Role
from core.settings import Settings
from core.text import plain_html
from models import Confession, Reply, User
from models.types import utcnow

REPLYING = "reply"


async def start_reply(session: AsyncSession, public_id: str, author: User) -> ReaderView:
    """The next message this person writes goes to the other side of the thread."""
    current = await read_model.for_reader(session, public_id, author)
    if not current.can.reply:
        raise WrongState("Replies open once it is revealed.")
    users.set_chat_state(author, REPLYING, current.confession.id)
    await session.flush()
    return current


def is_replying(user: User) -> bool:
    return user.chat_state == REPLYING and user.chat_state_ref is not None


@dataclass(frozen=True, slots=True)
class Relayed:
    reply: Reply
    to: int


async def relay(
    session: AsyncSession,
    settings: Settings,
    author: User,
    *,
    text: str,
    text_html: str,
    media: ChatMedia | None = None,
) -> Relayed:
    """A message written in the chat after pressing Reply: to the thread it was meant for."""
    if not is_replying(author):
        raise NoDraft()
    assert author.chat_state_ref is not None
    await safety.refuse_if_banned(session, settings, author.id)
    current = await read_model.for_reader_by_id(session, author.chat_state_ref, author)
    return await _post(
        session, settings, current, author, text=text, text_html=text_html, media=media
    )


async def post(
    session: AsyncSession,
    settings: Settings,
    public_id: str,
    author: User,
    *,
    text: str,
    text_html: str | None = None,
    media: ChatMedia | None = None,
) -> Relayed:
    """Store a message of the thread and queue it for the other party, from chat or mini app;
    without `text_html`, the text is plain (the mini app's) and shown as typed."""
    await safety.refuse_if_banned(session, settings, author.id)
    current = await read_model.for_reader(session, public_id, author)
    return await _post(
        session,
        settings,
        current,
        author,
        text=text,
        text_html=plain_html(text) if text_html is None else text_html,
        media=media,
    )


async def _post(
    session: AsyncSession,
    settings: Settings,
    current: ReaderView,
    author: User,
    *,
    text: str,
    text_html: str,
    media: ChatMedia | None,
) -> Relayed:
    confession = current.confession
    if not current.can.reply:
        raise WrongState("Replies open once it is revealed.")
    if not text.strip() and media is None:
        raise TextEmpty()
    if text.strip():
        drafts.check_text(settings, text)
    if media is not None:
        drafts.check_chat_media(settings, media)
    await limits.check_reply_rate(session, settings, author)
    from_sender = current.role == Role.SENDER
    other = confession.recipient_id if from_sender else confession.sender_id
    assert other is not None
    withheld = from_sender and await safety.is_blocked(
        session, settings, sender_id=author.id, recipient_id=other
    )
    reply = Reply(
        confession_id=confession.id or 0,
        author_id=author.id,
        from_sender=from_sender,
        text=text,
        text_html=text_html,
        media_id=(await drafts.keep_chat_media(session, author.id, media)).id if media else None,
        withheld_at=utcnow() if withheld else None,
    )
    session.add(reply)
    await session.flush()
    if withheld or await consent.hold_reply(session, reply, confession, to=other):
        return Relayed(reply=reply, to=other)
    await notices.enqueue(
        session, Notice.REPLY, chat_id=other, confession_id=confession.id, reply_id=reply.id
    )
    return Relayed(reply=reply, to=other)


async def stop(session: AsyncSession, user: User) -> None:
    if user.chat_state == REPLYING:
        users.set_chat_state(user, None)
        await session.flush()


async def thread(
    session: AsyncSession, confession_id: int, *, role: Role, reader_id: int
) -> list[Reply]:
    """The thread as one party sees it, oldest first: its recipient never sees what a blocked
    sender wrote, and what the reader's filter holds stays out until they show it (so both are
    required: forgetting them must not show either)."""
    query = select(Reply).where(Reply.confession_id == confession_id)
    if role == Role.RECIPIENT:
        query = query.where(col(Reply.withheld_at).is_(None))
    replies = list((await session.exec(query.order_by(col(Reply.id)))).all())
    hidden = await consent.hidden_replies(session, confession_id, reader_id)
    return [reply for reply in replies if reply.id not in hidden]


async def answered(session: AsyncSession, confessions: Iterable[Confession]) -> set[int]:
    """Which of these confessions have a reply: one query for a whole page of a list."""
    ids = [confession.id for confession in confessions]
    if not ids:
        return set()
    found = await session.exec(
        select(Reply.confession_id)
        .where(col(Reply.confession_id).in_(ids), col(Reply.withheld_at).is_(None))
        .distinct()
    )
    return set(found.all())
