"""The recipient's answer in one tap; the sender is told which, once it has settled."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import notices, read_model, styles
from core.errors import NotAllowed, WrongState
from core.notices import Notice
from core.read_model import ReaderView, Role
from core.settings import Settings
from models import Confession, OutboxMessage, OutboxStatus, Reaction, User
from models.types import utcnow


async def react(
    session: AsyncSession, settings: Settings, public_id: str, reader: User, kind: str
) -> ReaderView:
    """One reaction per confession, which its recipient may change; the sender hears of it
    once per change that settles (see `_tell_the_sender`)."""
    styles.reaction(kind)
    current = await read_model.for_reader(session, public_id, reader)
    confession = current.confession
    if current.role != Role.RECIPIENT:
        raise NotAllowed("Only its recipient can react to a confession.")
    if not current.can.react:
        raise WrongState("Reactions come after the reveal.")
    assert confession.id is not None
    found = await session.exec(
        select(Reaction).where(
            Reaction.confession_id == confession.id, Reaction.user_id == reader.id
        )
    )
    reaction = found.first()
    if reaction is not None and reaction.kind == kind:
        return current
    if reaction is None:
        reaction = Reaction(confession_id=confession.id, user_id=reader.id, kind=kind)
        session.add(reaction)
    reaction.kind = kind
    reaction.created_at = utcnow()
    await _tell_the_sender(session, settings, confession, kind)
    await session.flush()
    return await read_model.for_reader(session, public_id, reader)


async def _tell_the_sender(
    session: AsyncSession, settings: Settings, confession: Confession, kind: str
) -> None:
    """The notice waits `reaction_notice_window_seconds` before it goes; a change within
    that window changes the waiting notice instead of queuing another, so a recipient
    trying ❤️, then 😂, sends their sender one notice, with 😂. Changing back to what the
    sender was last told leaves nothing to tell."""
    waiting = (
        await session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.confession_id == confession.id,
                OutboxMessage.kind == Notice.REACTION.value,
                OutboxMessage.status == OutboxStatus.PENDING,
                or_(  # one being sent right now is left alone: it may be rendered already
                    col(OutboxMessage.locked_until).is_(None),
                    col(OutboxMessage.locked_until) < utcnow(),
                ),
            )
            .order_by(col(OutboxMessage.id).desc())
        )
    ).first()
    if waiting is not None:
        if kind == await _last_told(session, confession):
            await session.delete(waiting)
        else:
            waiting.params = {**waiting.params, "kind": kind}
        return
    if kind == await _last_told(session, confession):
        return
    notice = await notices.enqueue(
        session,
        Notice.REACTION,
        chat_id=confession.sender_id,
        confession_id=confession.id,
        kind=kind,
    )
    notice.next_attempt_at = utcnow() + timedelta(seconds=settings.reaction_notice_window_seconds)


async def _last_told(session: AsyncSession, confession: Confession) -> str | None:
    """The reaction the sender last heard of, if any."""
    found = await session.exec(
        select(OutboxMessage.params)
        .where(
            OutboxMessage.confession_id == confession.id,
            OutboxMessage.kind == Notice.REACTION.value,
            OutboxMessage.status == OutboxStatus.SENT,
        )
        .order_by(col(OutboxMessage.id).desc())
    )
    params = found.first()
    return str(params["kind"]) if params else None
