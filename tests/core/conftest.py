"""Fixtures for the domain tests that talk to the database directly: no server, no emulator,
no polling. A test calls `core` functions with one unit of work (`session`) and reads back
what they stored, the notices they queued included (`outbox`).

Domain modules are imported as modules (`from core import confessions`), never their names,
so moving a function between modules changes one line per file."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import URL
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import users
from core.media import LocalStore, MediaStore
from core.settings import Settings
from models import Confession, OutboxMessage, Signature, User
from models.db import Database, Parameters, Statement
from models.types import utcnow
from tests import factories

TOKEN = "123456:domain-tests-token"


class TransactionCounter:
    """How many transactions the product committed, seen from its engines: the commits of
    its units of work, and every statement on its autocommit engine or on the driver
    (`Database.execute`), each of which commits by itself."""

    def __init__(self, database: Database) -> None:
        self.committed = 0
        event.listen(database.engine.sync_engine, "commit", self._count)
        event.listen(database.autocommit_engine.sync_engine, "before_cursor_execute", self._count)
        on_driver = database.execute

        async def execute(statement: Statement, parameters: Parameters) -> list[Any]:
            self._count()
            return await on_driver(statement, parameters)

        database.execute = execute  # type: ignore[method-assign]

    def _count(self, *_: object) -> None:
        self.committed += 1


BackendState = Callable[[AsyncSession], Awaitable[str]]


@pytest.fixture
def backend_state(db_engine: Engine) -> BackendState:
    """What PostgreSQL says a session's connection is doing ("idle", "idle in transaction"),
    asked on another connection: whether a unit of work holds a transaction open."""

    async def state(session: AsyncSession) -> str:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        pid = raw.driver_connection.info.backend_pid  # type: ignore[union-attr]
        with db_engine.connect() as watcher:
            found = watcher.execute(
                text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
        return str(found)

    return state


@pytest.fixture
async def database(clean_database: URL) -> AsyncIterator[Database]:
    """The product's own engine and unit of work on the test database, emptied first."""
    opened = Database(clean_database)
    yield opened
    await opened.dispose()


@pytest.fixture
def transactions(database: Database) -> TransactionCounter:
    return TransactionCounter(database)


@pytest.fixture
def make_settings(clean_database: URL, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for the domain alone: no Bot API behind them, as nothing here calls one.
    Overrides the suite's fixture of the same name, which starts the emulator."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "bot_token": TOKEN,
            "database_url": clean_database.render_as_string(hide_password=False),
            "data_dir": tmp_path / "data",
            **overrides,
        }
        return Settings(_env_file=None, **values)

    return build


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    """One unit of work for the whole test, committed at its end: what a handler gets."""
    async with database.session() as opened:
        yield opened


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return LocalStore(tmp_path / "media", b"m" * 32, "http://media.test")


class Queued(NamedTuple):
    """A notice in the outbox, as far as a test needs to tell notices apart."""

    kind: str
    chat_id: int
    confession_id: int | None


class Outbox:
    """The notices queued in the test's unit of work, read as the worker would find them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._seen = 0

    async def rows(self) -> list[OutboxMessage]:
        found = await self._session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        return list(found.all())

    async def all(self) -> list[Queued]:
        return [Queued(m.kind, m.chat_id, m.confession_id) for m in await self.rows()]

    async def news(self) -> list[Queued]:
        """What was queued since the last look: the notices of the action under test."""
        rows = [m for m in await self.rows() if (m.id or 0) > self._seen]
        if rows:
            self._seen = rows[-1].id or 0
        return [Queued(m.kind, m.chat_id, m.confession_id) for m in rows]


@pytest.fixture
def outbox(session: AsyncSession) -> Outbox:
    return Outbox(session)


class UserFactory(Protocol):
    def __call__(
        self,
        first_name: str = ...,
        *,
        username: str | None = ...,
        started: bool = ...,
        user_id: int | None = ...,
    ) -> Awaitable[User]: ...


_user_ids = itertools.count(8_000_001)


@pytest.fixture
def make_user(session: AsyncSession) -> UserFactory:
    """`await make_user("Bob", username="bob_k")`: someone Telegram told us about, who has
    started the bot (so it may write to them) unless `started=False`; `user_id` for one
    whose id matters (an operator's)."""

    async def make(
        first_name: str = "Someone",
        *,
        username: str | None = None,
        started: bool = True,
        user_id: int | None = None,
    ) -> User:
        identity = users.TelegramIdentity(
            id=user_id or next(_user_ids),
            first_name=first_name,
            username=username,
            language_code="en",
        )
        user = await users.sync_user(session, identity)
        if started:
            await users.mark_started(session, user)
        return user

    return make


class ConfessionFactory(Protocol):
    def __call__(
        self,
        sender: User,
        to: User | None = ...,
        *,
        username: str | None = ...,
        text: str = ...,
        signature: Signature = ...,
        hint: str | None = ...,
        mutual: bool = ...,
        words_confirmed: str | None = ...,
    ) -> Awaitable[Confession]: ...


@pytest.fixture
def send(session: AsyncSession, settings: Settings) -> ConfessionFactory:
    """`await send(alice, to=bob)`: see `tests.factories.compose_and_send`."""

    async def compose_and_send(sender: User, to: User | None = None, **options: Any) -> Confession:
        return await factories.compose_and_send(session, settings, sender, to, **options)

    return compose_and_send


def age(confession: Confession, *, days: float) -> None:
    """Move a confession's sending back in time: how the tests let days pass."""
    assert confession.queued_at is not None
    confession.queued_at = utcnow() - timedelta(days=days)
