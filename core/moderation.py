"""Block, report and ban: the recipient's protection, and the operator's."""

from __future__ import annotations

import enum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import confessions, notices
from core.confessions import ReaderView, Role
from core.errors import NotAllowed, NotFound
from core.notices import Notice
from core.settings import Settings
from models import Block, Report, ReportStatus, User
from models.types import utcnow


async def block_sender(session: AsyncSession, public_id: str, recipient: User) -> ReaderView:
    """The recipient stops hearing from whoever sent this, without learning who it is."""
    current = await _as_recipient(session, public_id, recipient)
    sender_id = current.confession.sender_id
    if not await confessions.is_blocked(session, sender_id=sender_id, recipient_id=recipient.id):
        session.add(
            Block(
                blocker_id=recipient.id, blocked_id=sender_id, confession_id=current.confession.id
            )
        )
        await session.flush()
    return current


async def blocks_of(session: AsyncSession, user: User) -> list[Block]:
    found = await session.exec(
        select(Block).where(Block.blocker_id == user.id).order_by(col(Block.id).desc())
    )
    return list(found.all())


async def unblock(session: AsyncSession, user: User, block_id: int) -> None:
    block = await session.get(Block, block_id)
    if block is None or block.blocker_id != user.id:
        raise NotFound()
    await session.delete(block)
    await session.flush()


async def report(
    session: AsyncSession, settings: Settings, public_id: str, reporter: User
) -> Report:
    """The operators get the confession with buttons to dismiss or to ban its sender."""
    current = await _as_recipient(session, public_id, reporter)
    assert current.confession.id is not None
    report = Report(confession_id=current.confession.id, reporter_id=reporter.id)
    session.add(report)
    await session.flush()
    for operator_id in settings.operator_ids:
        await notices.enqueue(
            session,
            Notice.REPORT,
            chat_id=operator_id,
            confession_id=current.confession.id,
            report_id=report.id,
        )
    return report


class Verdict(enum.StrEnum):
    DISMISS = "dismiss"
    BAN = "ban"


async def resolve(
    session: AsyncSession, settings: Settings, report_id: int, operator: User, verdict: Verdict
) -> Report:
    if operator.id not in settings.operator_ids:
        raise NotAllowed()
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound()
    report.resolved_at = utcnow()
    if verdict == Verdict.DISMISS:
        report.status = ReportStatus.DISMISSED
    else:
        report.status = ReportStatus.BANNED
        confession = await confessions.by_id(session, report.confession_id)
        sender = await session.get(User, confession.sender_id)
        if sender is not None and sender.banned_at is None:
            sender.banned_at = utcnow()
    await session.flush()
    return report


async def _as_recipient(session: AsyncSession, public_id: str, user: User) -> ReaderView:
    current = await confessions.for_reader(session, public_id, user)
    if current.role != Role.RECIPIENT:
        raise NotAllowed("Only its recipient can do that.")
    return current
