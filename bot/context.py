"""What a handler needs besides the update: settings, the database, one unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram import User as TelegramUser
from telegram.ext import ContextTypes

from core import drafts, inbox, notices, users
from core.background import Wakers
from core.media import MediaStore
from core.outbox import ApiCall, Sender
from core.settings import Settings
from core.users import TelegramIdentity
from models import OutboxMessage, User
from models.db import Database, last_write

Context = ContextTypes.DEFAULT_TYPE
DEPS_KEY = "deps"


@dataclass(frozen=True, slots=True)
class BotDeps:
    settings: Settings
    database: Database
    sender: Sender
    """Sends what handlers render, as the outbox worker does; python-telegram-bot parses
    updates and answers buttons (through the same Bot API client)."""
    media_store: MediaStore
    wakers: Wakers
    """Woken after a handler queued notices, so the worker sends them without waiting."""


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


@dataclass(slots=True)
class UpdateWork:
    """What the runner and the handlers share about the update being handled.

    A turn's transaction is held open after its block (`parked`) until its replies are
    known, so that its changes, its replies (in the outbox) and the update's handled mark
    are committed at once: a process killed after that commit has nothing to redo but the
    reply in flight, and one killed before it redoes the whole turn, which left no trace.
    Nothing goes to the network while a turn is parked: it is committed first."""

    update_id: int
    parked: AsyncExitStack | None = None
    parked_session: AsyncSession | None = None
    handled: bool = False
    """The handled mark was committed with the turn; the runner need not mark it."""
    button_answer: Callable[[], Awaitable[None]] | None = None
    """The button press's answer, held until the turn is committed."""
    notices_queued: bool = False
    """Handling it queued notices: only then is the outbox worker woken, once its replies are
    sent, instead of looking for work after every update."""


current_update: ContextVar[UpdateWork | None] = ContextVar("current_update", default=None)


@asynccontextmanager
async def turn(update: Update, context: Context) -> AsyncIterator[Turn]:
    """A unit of work for one update. Under the runner it is committed with the replies that
    follow it (`settle`); elsewhere when the block ends. Rolled back when the block raises."""
    if update.effective_user is None:
        raise LookupError("an update without a user reached a user handler")
    dependencies = deps(context)
    work = current_update.get()
    if work is not None and work.parked is not None:
        await commit_parked(work)  # a second turn in one update: the first is done
    stack = AsyncExitStack()
    session = await stack.enter_async_context(dependencies.database.unit_of_work())
    try:
        user = await users.sync_user(
            session, identity(update.effective_user), along=drafts.IN_PROGRESS
        )
        yield Turn(session=session, user=user, deps=dependencies)
    except BaseException as error:
        await stack.__aexit__(type(error), error, error.__traceback__)
        raise
    if work is None:
        await stack.aclose()
        if notices.were_queued(session):
            dependencies.wakers.outbox()
        return
    work.parked, work.parked_session = stack, session


async def settle(dependencies: BotDeps, calls: Sequence[ApiCall]) -> list[OutboxMessage]:
    """Commit the parked turn (or, with none, a transaction of its own) with the replies
    queued in the outbox and the update marked handled; the replies, leased to this
    process to be sent at once."""
    work = current_update.get()
    stack, session = (work.parked, work.parked_session) if work is not None else (None, None)
    if work is not None:
        work.parked = work.parked_session = None
    if stack is None or session is None:
        stack = AsyncExitStack()
        session = await stack.enter_async_context(dependencies.database.unit_of_work())
    async with stack, last_write(session):
        replies = await inbox.queue_answers(
            session,
            calls,
            update_id=work.update_id if work is not None and not work.handled else None,
            lease_seconds=dependencies.settings.outbox_lease_seconds,
        )
    if work is not None:
        work.handled = True
    if work is not None and notices.were_queued(session):
        work.notices_queued = True
    return replies


async def commit_parked(work: UpdateWork | None = None) -> None:
    """Commit a parked turn, marked handled, with no replies: before anything else goes to
    Telegram, and when the handler ends without sending any."""
    work = work or current_update.get()
    if work is None or work.parked is None or work.parked_session is None:
        return
    stack, session = work.parked, work.parked_session
    work.parked = work.parked_session = None
    async with stack, last_write(session):
        if not work.handled:
            await inbox.mark_handled(session, [work.update_id])
    work.handled = True
    if notices.were_queued(session):
        work.notices_queued = True


async def abandon_parked(work: UpdateWork, error: BaseException) -> None:
    """The update's handling failed outside the handlers' reach: its turn is undone."""
    if work.parked is not None:
        stack = work.parked
        work.parked = work.parked_session = None
        await stack.__aexit__(type(error), error, error.__traceback__)


async def answer_after_turn(answer: Callable[[], Awaitable[None]]) -> bool:
    """Hold a button's answer while a turn is parked; False when there is none to wait for."""
    work = current_update.get()
    if work is None or work.parked is None:
        return False
    work.button_answer = answer
    return True


async def answer_held_button() -> None:
    work = current_update.get()
    if work is not None and work.button_answer is not None:
        answer, work.button_answer = work.button_answer, None
        await answer()
