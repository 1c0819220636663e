"""The recipient's answer in one tap; the sender is told which."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import notices, read_model, styles
from core.errors import NotAllowed, WrongState
from core.notices import Notice
from core.read_model import ReaderView, Role
from models import Reaction, User
from models.types import utcnow


async def react(session: AsyncSession, public_id: str, reader: User, kind: str) -> ReaderView:
    """One reaction per confession; changing it tells the sender again."""
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
    await notices.enqueue(
        session,
        Notice.REACTION,
        chat_id=confession.sender_id,
        confession_id=confession.id,
        kind=kind,
    )
    await session.flush()
    return await read_model.for_reader(session, public_id, reader)
