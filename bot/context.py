"""What a handler needs besides the update: settings, the database, one unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram import User as TelegramUser
from telegram.ext import ContextTypes

from core import notices, users
from core.media import MediaStore
from core.settings import Settings
from core.telegram_api import BotApi
from core.users import TelegramIdentity
from models import User
from models.db import Database

Context = ContextTypes.DEFAULT_TYPE
DEPS_KEY = "deps"


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class BotDeps:
    settings: Settings
    database: Database
    api: BotApi
    """Sends what handlers render; python-telegram-bot parses updates and answers buttons."""
    media_store: MediaStore
    wake_outbox: Callable[[], None] = _nothing
    """Called after a handler queued notices, so the worker sends them without waiting."""


@dataclass(slots=True)
class Turn:
    """One update being handled: its session, and the user it came from."""

    session: AsyncSession
    user: User
    deps: BotDeps

    @property
    def language(self) -> str | None:
        return self.user.language_code

    @property
    def settings(self) -> Settings:
        return self.deps.settings


def deps(context: Context) -> BotDeps:
    found: BotDeps = context.bot_data[DEPS_KEY]
    return found


def identity(user: TelegramUser) -> TelegramIdentity:
    return TelegramIdentity(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
        is_bot=user.is_bot,
    )


queued_notices: ContextVar[bool] = ContextVar("queued_notices", default=False)
"""Whether handling this update queued notices: only then is the outbox worker woken, instead
of looking for work after every update. Each update is handled in its own task, so this
starts out False for each."""


@asynccontextmanager
async def turn(update: Update, context: Context) -> AsyncIterator[Turn]:
    """A unit of work for one update; commits when the handler's block ends without error."""
    if update.effective_user is None:
        raise LookupError("an update without a user reached a user handler")
    dependencies = deps(context)
    async with dependencies.database.session() as session:
        user = await users.sync_user(session, identity(update.effective_user))
        yield Turn(session=session, user=user, deps=dependencies)
    if notices.were_queued(session):
        queued_notices.set(True)
