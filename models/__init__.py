"""SQLModel tables, the engine and sessions, and the Alembic migrations."""

from models.confessions import ComposeStep, Confession, ConfessionStatus, ConfessionStyle, Signature
from models.interactions import Block, Reaction, Reply, Report, ReportStatus
from models.media import Media
from models.messaging import InboxUpdate, OutboxMessage, OutboxStatus
from models.preferences import HeldItem, HoldDecision, HoldReason, Preferences, WhoMaySend
from models.users import User

__all__ = [
    "Block",
    "ComposeStep",
    "Confession",
    "ConfessionStatus",
    "ConfessionStyle",
    "HeldItem",
    "HoldDecision",
    "HoldReason",
    "InboxUpdate",
    "Media",
    "OutboxMessage",
    "OutboxStatus",
    "Preferences",
    "Reaction",
    "Reply",
    "Report",
    "ReportStatus",
    "Signature",
    "User",
    "WhoMaySend",
]
