"""Block, report and ban: the recipient's protection, and the operator's.

A block and a ban keep a keyed hash, never the blocked or banned person's id (`core.safety`),
so both hold when that person deletes their data and starts again.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import notices, read_model, safety
from core.errors import NotAllowed, NotFound
from core.notices import Notice
from core.read_model import Permissions, ReaderView
from core.settings import Settings
from core.users import Party
from models import Ban, Block, Confession, ConfessionStatus, Report, ReportStatus, User
from models.types import utcnow

PREVIEW_LENGTH = 40


async def block_sender(
    session: AsyncSession, settings: Settings, public_id: str, recipient: User
) -> ReaderView:
    """The recipient stops hearing from whoever sent this, without learning who it is."""
    current = await _as_recipient(session, public_id, recipient, lambda can: can.block)
    sender_id = current.confession.sender_id
    if not await safety.is_blocked(
        session, settings, sender_id=sender_id, recipient_id=recipient.id
    ):
        key = safety.block_key(settings, blocker_id=recipient.id, blocked_id=sender_id)
        session.add(
            Block(blocker_id=recipient.id, blocked_key=key, confession_id=current.confession.id)
        )
        await session.flush()
    return current


@dataclass(frozen=True, slots=True)
class BlockEntry:
    """One of the user's blocks, named only by what the blocker saw: the confession's first
    words while it exists, else nothing but its date."""

    id: int
    created_at: datetime
    preview: str | None


async def blocks_of(session: AsyncSession, user: Party) -> list[BlockEntry]:
    found = await session.exec(
        select(Block, Confession)
        .outerjoin(Confession, col(Confession.id) == col(Block.confession_id))
        .where(Block.blocker_id == user.id)
        .order_by(col(Block.id).desc())
    )
    return [
        BlockEntry(id=block.id or 0, created_at=block.created_at, preview=_seen(confession, user))
        for block, confession in found.all()
    ]


def _seen(confession: Confession | None, blocker: Party) -> str | None:
    if confession is None or confession.recipient_id != blocker.id:
        return None
    if confession.status != ConfessionStatus.REVEALED or not confession.text:
        return None
    text = confession.text.strip()
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH].rstrip() + "…"


async def unblock(session: AsyncSession, user: Party, block_id: int) -> None:
    block = await session.get(Block, block_id)
    if block is None or block.blocker_id != user.id:
        raise NotFound()
    await session.delete(block)
    await session.flush()


async def report(
    session: AsyncSession, settings: Settings, public_id: str, reporter: User
) -> Report:
    """The operators get the confession with buttons to dismiss or to ban its sender; once
    per confession and reporter, and never from a banned user."""
    await safety.refuse_if_banned(session, settings, reporter.id)
    current = await _as_recipient(session, public_id, reporter, lambda can: can.report)
    confession = current.confession
    assert confession.id is not None
    already = await session.exec(
        select(Report).where(
            Report.confession_id == confession.id,
            Report.reporter_id == reporter.id,
            Report.status == ReportStatus.OPEN,
        )
    )
    found = already.first()
    if found is not None:
        return found
    filed = Report(
        confession_id=confession.id,
        reporter_id=reporter.id,
        reported_key=safety.ban_key(settings, confession.sender_id),
    )
    session.add(filed)
    await session.flush()
    for operator_id in settings.operator_ids:
        await notices.enqueue(
            session,
            Notice.REPORT,
            chat_id=operator_id,
            confession_id=confession.id,
            report_id=filed.id,
        )
    return filed


class Verdict(enum.StrEnum):
    DISMISS = "dismiss"
    BAN = "ban"


async def resolve(
    session: AsyncSession, settings: Settings, report_id: int, operator: User, verdict: Verdict
) -> Report:
    """Dismiss, or ban the reported sender: by the hash the report kept, so it works even
    after they deleted their data; they are told once, now, while we know who they are."""
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
        await _ban(session, report)
    await session.flush()
    return report


async def _ban(session: AsyncSession, report: Report) -> None:
    existing = await session.exec(select(Ban.id).where(Ban.key == report.reported_key))
    if existing.first() is not None:
        return
    session.add(Ban(key=report.reported_key))
    confession = (
        await session.get(Confession, report.confession_id) if report.confession_id else None
    )
    sender = await session.get(User, confession.sender_id) if confession else None
    if sender is not None:  # one who deleted their data meanwhile hears it on their next try
        await notices.enqueue(session, Notice.BANNED, chat_id=sender.id)


async def _as_recipient(
    session: AsyncSession, public_id: str, user: User, may: Callable[[Permissions], bool]
) -> ReaderView:
    current = await read_model.for_reader(session, public_id, user)
    if not may(current.can):
        raise NotAllowed("Only its recipient can do that.")
    return current
