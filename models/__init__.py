"""SQLModel tables, the engine and sessions, and the Alembic migrations."""

from models.confessions import (
    UNREAD,
    ComposeStep,
    Confession,
    ConfessionStatus,
    ConfessionStyle,
    Signature,
)
from models.interactions import Ban, Block, Reaction, Reply, Report, ReportStatus
from models.limits import LimitPenalty, RateCounter, SpentAllowance, SpentKind
from models.media import Media
from models.messaging import InboxUpdate, OutboxMessage, OutboxStatus
from models.preferences import HeldItem, HoldDecision, HoldReason, Preferences, WhoMaySend
from models.users import User

__all__ = [
    "UNREAD",
    "Ban",
    "Block",
    "ComposeStep",
    "Confession",
    "ConfessionStatus",
    "ConfessionStyle",
    "HeldItem",
    "HoldDecision",
    "HoldReason",
    "InboxUpdate",
    "LimitPenalty",
    "Media",
    "OutboxMessage",
    "OutboxStatus",
    "Preferences",
    "RateCounter",
    "Reaction",
    "Reply",
    "Report",
    "ReportStatus",
    "Signature",
    "SpentAllowance",
    "SpentKind",
    "User",
    "WhoMaySend",
]
