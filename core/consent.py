"""Who may confess to whom, and what a recipient keeps out: the recipient's side of safety.

A confession to someone reaches them in one of three ways, decided here and only here:
delivered as usual, offered as a request (a stranger's first confession, delivered only
once accepted), or held silently (refused by their setting, or caught by their word
filter). Whichever it is, the sender's view is the one of a confession delivered and not
opened yet: a setting, a decline or a filter must never be something a sender can probe.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Exists, and_, exists, or_
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import notices
from core.errors import BadFilterWord, NotFound, TooManyFilterWords, Withdrawn, WrongState
from core.notices import Notice
from models import (
    UNREAD,
    Confession,
    ConfessionStatus,
    HeldItem,
    HoldDecision,
    HoldReason,
    Preferences,
    Reply,
    User,
    WhoMaySend,
)
from models.types import utcnow

FILTER_WORDS_MAX = 50
FILTER_WORD_MAX_LENGTH = 40


class Route(enum.StrEnum):
    DELIVER = "deliver"
    """The usual notice, with Reveal."""
    REQUEST = "request"
    """The notice, as a request to accept or decline."""
    HOLD = "hold"
    """Nothing reaches the recipient; the sender sees it delivered."""
    WAIT = "wait"
    """Already decided earlier (a request pending or declined): nothing new to send."""


# preferences


async def preferences_of(session: AsyncSession, user_id: int) -> Preferences:
    """The stored choices, or the defaults (not stored) for someone who never changed any."""
    return await session.get(Preferences, user_id) or Preferences(user_id=user_id)


async def update_preferences(
    session: AsyncSession,
    user: User,
    *,
    who_may_send: WhoMaySend | None = None,
    filter_words: Iterable[str] | None = None,
) -> Preferences:
    preferences = await session.get(Preferences, user.id)
    if preferences is None:
        preferences = Preferences(user_id=user.id)
        session.add(preferences)
    if who_may_send is not None:
        preferences.who_may_send = who_may_send
    if filter_words is not None:
        preferences.filter_words = clean_filter_words(filter_words)
    preferences.updated_at = utcnow()
    await session.flush()
    return preferences


async def add_filter_words(session: AsyncSession, user: User, words: str) -> Preferences:
    """Words typed in the chat, separated by commas or new lines, added to the list."""
    current = (await preferences_of(session, user.id)).filter_words
    typed = [word for word in re.split(r"[,\n]", words) if word.strip()]
    if not typed:
        raise BadFilterWord()
    return await update_preferences(session, user, filter_words=[*current, *typed])


async def remove_filter_word(session: AsyncSession, user: User, word: str) -> Preferences:
    current = (await preferences_of(session, user.id)).filter_words
    return await update_preferences(
        session, user, filter_words=[kept for kept in current if kept != word]
    )


def clean_filter_words(words: Iterable[str]) -> list[str]:
    """Trimmed, compared without case, each once, in the order given."""
    cleaned: list[str] = []
    for word in words:
        spaced = " ".join(word.split())
        if not spaced or len(spaced) > FILTER_WORD_MAX_LENGTH:
            raise BadFilterWord()
        normal = spaced.casefold()  # may grow ("ß" is "ss"): the length is the typed one
        if not any(character.isalnum() for character in normal):
            raise BadFilterWord()
        if normal not in cleaned:
            cleaned.append(normal)
    if len(cleaned) > FILTER_WORDS_MAX:
        raise TooManyFilterWords(limit=FILTER_WORDS_MAX)
    return cleaned


def caught_by(filter_words: Iterable[str], text: str) -> bool:
    """A filter word at the start of any word of the text, whatever its case and ending
    ("idiot" catches "Idiots!"): inflections are how a word is written in most languages."""
    normal = _normal(text)
    return any(
        re.search(rf"(?<!\w){re.escape(_normal(word))}", normal) for word in filter_words if word
    )


def _normal(text: str) -> str:
    return text.casefold().replace("ё", "е")


# threads


def thread_between(first_id: int, second_id: int) -> Exists:
    """The SQL condition "these two have a thread": an earlier confession between them, in
    either direction, that its recipient revealed, accepted, or replied to."""
    between = or_(
        and_(col(Confession.sender_id) == first_id, col(Confession.recipient_id) == second_id),
        and_(col(Confession.sender_id) == second_id, col(Confession.recipient_id) == first_id),
    )
    accepted = exists().where(
        col(HeldItem.confession_id) == col(Confession.id),
        col(HeldItem.reply_id).is_(None),
        col(HeldItem.decision) == HoldDecision.ACCEPTED,
    )
    answered = exists().where(
        col(Reply.confession_id) == col(Confession.id), col(Reply.from_sender).is_(False)
    )
    return exists().where(
        between,
        col(Confession.status).not_in([ConfessionStatus.DRAFT]),
        or_(col(Confession.revealed_at).is_not(None), accepted, answered),
    )


async def have_thread(session: AsyncSession, first_id: int, second_id: int) -> bool:
    return bool(await session.scalar(sql_select(thread_between(first_id, second_id))))


# the one decision


async def route(
    session: AsyncSession, confession: Confession, recipient: User, *, claimed: bool
) -> Route:
    """How this confession reaches this recipient; a decision is stored and kept.

    `claimed`: the recipient opened its link themselves, which is consent to receive it
    (their word filter still applies: that is about words, not about who)."""
    assert confession.id is not None
    held = await _hold_of(session, confession.id, recipient.id)
    if held is not None:
        return _route_again(held, claimed=claimed)
    preferences = await preferences_of(session, recipient.id)
    if caught_by(preferences.filter_words, _words_of(confession)):
        await _hold(session, confession, recipient, HoldReason.FILTER)
        return Route.HOLD
    if claimed:
        return Route.DELIVER
    if preferences.who_may_send != WhoMaySend.NOBODY and await have_thread(
        session, confession.sender_id, recipient.id
    ):
        return Route.DELIVER
    if preferences.who_may_send == WhoMaySend.EVERYONE:
        await _hold(session, confession, recipient, HoldReason.REQUEST)
        return Route.REQUEST
    await _hold(session, confession, recipient, HoldReason.SETTING)
    return Route.HOLD


def _route_again(held: HeldItem, *, claimed: bool) -> Route:
    if held.decision == HoldDecision.ACCEPTED:
        return Route.DELIVER
    if claimed and held.reason != HoldReason.FILTER:
        _decide(held, HoldDecision.ACCEPTED)
        return Route.DELIVER
    if held.reason == HoldReason.REQUEST:
        return Route.WAIT
    return Route.HOLD


def _words_of(confession: Confession) -> str:
    return f"{confession.text}\n{confession.hint or ''}"


async def _hold(
    session: AsyncSession,
    confession: Confession,
    holder: User,
    reason: HoldReason,
    reply: Reply | None = None,
) -> HeldItem:
    held = HeldItem(
        holder_id=holder.id,
        confession_id=confession.id or 0,
        reply_id=reply.id if reply else None,
        reason=reason,
    )
    session.add(held)
    await session.flush()
    return held


async def hold_reply(session: AsyncSession, reply: Reply, confession: Confession, to: int) -> bool:
    """A reply with one of its reader's filter words waits in their filtered list instead."""
    preferences = await preferences_of(session, to)
    if not caught_by(preferences.filter_words, reply.text):
        return False
    session.add(
        HeldItem(
            holder_id=to,
            confession_id=confession.id or 0,
            reply_id=reply.id,
            reason=HoldReason.FILTER,
        )
    )
    await session.flush()
    return True


async def _hold_of(session: AsyncSession, confession_id: int, holder_id: int) -> HeldItem | None:
    found = await session.exec(
        select(HeldItem).where(
            HeldItem.confession_id == confession_id,
            HeldItem.holder_id == holder_id,
            col(HeldItem.reply_id).is_(None),
        )
    )
    return found.first()


def _decide(held: HeldItem, decision: HoldDecision) -> None:
    held.decision = decision
    held.decided_at = utcnow()


# the recipient's answers


async def is_request(session: AsyncSession, confession: Confession) -> bool:
    """Still waiting for its recipient to accept or decline: shown as a request."""
    if confession.recipient_id is None or confession.id is None:
        return False
    held = await _hold_of(session, confession.id, confession.recipient_id)
    return held is not None and held.reason == HoldReason.REQUEST and held.decision is None


async def accept(session: AsyncSession, confession: Confession, recipient: User) -> None:
    """The request accepted: the usual notice follows, with Reveal."""
    held = await _recipients_hold(session, confession, recipient)
    if held.decision == HoldDecision.ACCEPTED:
        return
    _decide(held, HoldDecision.ACCEPTED)
    await notices.enqueue(
        session, Notice.DELIVERY, chat_id=recipient.id, confession_id=confession.id
    )


async def decline(session: AsyncSession, confession: Confession, recipient: User) -> None:
    """Declined: nothing more of it reaches them, and its sender is not told."""
    held = await _recipients_hold(session, confession, recipient)
    if held.decision is None:
        _decide(held, HoldDecision.DECLINED)
        await session.flush()


async def accept_on_reveal(session: AsyncSession, confession: Confession, reader: User) -> None:
    """Opening it is the strongest consent there is: whatever held it is settled."""
    assert confession.id is not None
    held = await _hold_of(session, confession.id, reader.id)
    if held is not None and held.decision != HoldDecision.ACCEPTED:
        _decide(held, HoldDecision.ACCEPTED)
        await session.flush()


async def _recipients_hold(
    session: AsyncSession, confession: Confession, recipient: User
) -> HeldItem:
    if confession.recipient_id != recipient.id or confession.id is None:
        raise NotFound()
    held = await _hold_of(session, confession.id, recipient.id)
    if held is None:
        raise NotFound()
    if confession.status == ConfessionStatus.WITHDRAWN:
        raise Withdrawn()
    if confession.status not in UNREAD:
        raise WrongState()
    return held


# the held list


@dataclass(frozen=True, slots=True)
class Held:
    """One item of someone's held list, as they may see it."""

    item: HeldItem
    confession: Confession
    reply: Reply | None


async def held_for(session: AsyncSession, holder: User, *, limit: int = 50) -> list[Held]:
    """Requests not answered, and what the setting or the filter kept back, newest first."""
    found = await session.exec(
        select(HeldItem, Confession)
        .join(Confession, col(Confession.id) == col(HeldItem.confession_id))
        .where(
            HeldItem.holder_id == holder.id,
            col(HeldItem.decision).is_(None),
            col(Confession.status).in_([*UNREAD, ConfessionStatus.REVEALED]),
        )
        .order_by(col(HeldItem.id).desc())
        .limit(limit)
    )
    rows = found.all()
    reply_ids = [item.reply_id for item, _ in rows if item.reply_id is not None]
    replies = {
        reply.id: reply
        for reply in (await session.exec(select(Reply).where(col(Reply.id).in_(reply_ids)))).all()
    }
    return [
        Held(item=item, confession=confession, reply=replies.get(item.reply_id))
        for item, confession in rows
        if item.reply_id is None or item.reply_id in replies
    ]


async def release(session: AsyncSession, holder: User, held_id: int) -> Held:
    """Show me: a held confession arrives as usual, a held reply is passed on now."""
    held = await session.get(HeldItem, held_id)
    if held is None or held.holder_id != holder.id:
        raise NotFound()
    confession = await session.get(Confession, held.confession_id)
    if confession is None:
        raise NotFound()
    reply = await session.get(Reply, held.reply_id) if held.reply_id else None
    if held.decision != HoldDecision.ACCEPTED:
        _decide(held, HoldDecision.ACCEPTED)
        if reply is not None:
            await notices.enqueue(
                session,
                Notice.REPLY,
                chat_id=holder.id,
                confession_id=confession.id,
                reply_id=reply.id,
            )
        elif confession.status in UNREAD:
            await notices.enqueue(
                session, Notice.DELIVERY, chat_id=holder.id, confession_id=confession.id
            )
    await session.flush()
    return Held(item=held, confession=confession, reply=reply)


async def hidden_replies(session: AsyncSession, confession_id: int, reader_id: int) -> set[int]:
    """Replies kept in this reader's filtered list: not in their thread until they show them."""
    found = await session.exec(
        select(HeldItem.reply_id).where(
            HeldItem.confession_id == confession_id,
            HeldItem.holder_id == reader_id,
            col(HeldItem.reply_id).is_not(None),
            col(HeldItem.decision).is_(None),
        )
    )
    return {reply_id for reply_id in found.all() if reply_id is not None}


def kept_from_received(reader_id: int | ColumnElement[int]) -> Exists:
    """The SQL condition "this confession is held back from its recipient's lists": a request
    not accepted, or what their setting or filter holds; those are in the held list."""
    return exists().where(
        col(HeldItem.confession_id) == col(Confession.id),
        col(HeldItem.holder_id) == reader_id,
        col(HeldItem.reply_id).is_(None),
        or_(
            col(HeldItem.decision).is_(None),
            col(HeldItem.decision) == HoldDecision.DECLINED,
        ),
    )


async def withheld(session: AsyncSession, confession: Confession) -> bool:
    """Not (yet) let in by its recipient: a request unanswered or declined, or held back."""
    if confession.recipient_id is None or confession.id is None:
        return False
    held = await _hold_of(session, confession.id, confession.recipient_id)
    return held is not None and held.decision != HoldDecision.ACCEPTED


async def answer_request(
    session: AsyncSession, public_id: str, recipient: User, *, accepted: bool
) -> Confession:
    """Accept or decline a request by the id on its buttons; only its recipient can."""
    found = await session.exec(select(Confession).where(Confession.public_id == public_id))
    confession = found.first()
    if confession is None or confession.status == ConfessionStatus.DRAFT:
        raise NotFound()
    if accepted:
        await accept(session, confession, recipient)
    else:
        await decline(session, confession, recipient)
    await session.flush()
    return confession


async def held_count(session: AsyncSession, holder: User) -> int:
    return len(await held_for(session, holder))
