"""What a block or a ban keeps, and the checks every path asks before it lets something through.

Both keep a keyed hash (`core.identity`), never a Telegram id, a name or a text: a block the
hash of the blocker and blocked pair (the blocker's own id beside it, as it is their data),
a ban the hash of the banned id. Neither is deleted by the blocked or banned person's
`/deleteme`, and neither names anybody to someone reading the database.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import Banned
from core.identity import keyed_hash
from core.settings import Settings
from models import Ban, Block
from models.db import execute_in

BLOCK_PURPOSE = "block"
BAN_PURPOSE = "ban"


def block_key(settings: Settings, *, blocker_id: int, blocked_id: int) -> str:
    """Per pair, so the blocks against one person cannot be linked across their blockers."""
    return keyed_hash(settings, BLOCK_PURPOSE, blocker_id, blocked_id)


def ban_key(settings: Settings, user_id: int) -> str:
    return keyed_hash(settings, BAN_PURPOSE, user_id)


async def is_blocked(
    session: AsyncSession, settings: Settings, *, sender_id: int, recipient_id: int
) -> bool:
    """The recipient blocked this sender: nothing more of theirs reaches them."""
    key = block_key(settings, blocker_id=recipient_id, blocked_id=sender_id)
    found = await session.exec(
        select(Block.id).where(Block.blocker_id == recipient_id, Block.blocked_key == key)
    )
    return found.first() is not None


BAN_OF = select(Ban.id).where(col(Ban.key) == bindparam("key")).limit(1)


async def is_banned(session: AsyncSession, settings: Settings, user_id: int) -> bool:
    found = await execute_in(session, BAN_OF, {"key": ban_key(settings, user_id)})
    return bool(found)


async def refuse_if_banned(session: AsyncSession, settings: Settings, user_id: int) -> None:
    """Composing, replying and reporting end here for a banned user, in the chat and the API."""
    if await is_banned(session, settings, user_id):
        raise Banned()
