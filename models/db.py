"""The engine and the unit of work; sessions are handed in, never global."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from select import POLLERR, POLLHUP, POLLIN, POLLNVAL, poll
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def async_url(url: URL) -> URL:
    """The async driver for a configured URL: aiosqlite for SQLite, psycopg 3 for PostgreSQL."""
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    return url.set(drivername="postgresql+psycopg")


def sync_url(url: URL) -> URL:
    """The blocking driver, for Alembic."""
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite")
    return url.set(drivername="postgresql+psycopg")


def described(url: URL) -> str:
    """Where a database is, for a log line: never its password."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite {url.database or ':memory:'}"
    user = f"{url.username}@" if url.username else ""
    return f"{user}{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def connection_failure(error: BaseException) -> str | None:
    """The driver's one-line reason when `error` is a failure to reach the database (refused,
    unknown host, wrong role or password, a connection lost), else None: such a failure is a
    state of the world, told in a line, not a bug that needs a traceback."""
    if not isinstance(error, OperationalError | InterfaceError):
        return None
    if error.statement is not None and not error.connection_invalidated:
        return None  # the database answered: a failed statement, not an unreachable server
    lines = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
    return lines[0]


def unreachable(url: URL, error: BaseException) -> str | None:
    """One line naming the database and why it could not be reached, when that is what
    `error` is; None for any other error."""
    reason = connection_failure(error)
    if reason is None:
        return None
    return f"database {described(url)} unreachable: {reason}"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


_HUNG_UP = POLLIN | POLLHUP | POLLERR | POLLNVAL


def _refuse_if_hung_up(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """At checkout, a pooled PostgreSQL connection whose server has gone is replaced before
    anyone uses it; the check costs one poll() of its socket, not a round trip.

    An idle connection in the pool has nothing to read: the server speaks only when asked.
    When PostgreSQL stops, restarts or terminates the backend, the backend sends its FATAL
    message and closes the socket, which then reads as ready (or hung up). Raising
    DisconnectionError makes the pool discard this connection and check out another (a new
    one if need be), so the request that follows a restart does not fail on a dead socket.
    `pool_pre_ping` found the same with a ping on every checkout, which made a one-query read
    on SQLAlchemy Core cost a third more CPU (about 340 against 260 µs; the poll is lost in
    the noise). What this does not see, a server that vanished without closing
    its sockets (a host lost mid-network), the first statement finds, and SQLAlchemy then
    invalidates the whole pool as it would have done after a failed ping."""
    connection = record.driver_connection
    if connection is None:
        return
    try:
        descriptor = connection.fileno()
    except Exception as error:  # closed on our side: psycopg refuses to give its socket
        raise DisconnectionError("connection already closed") from error
    probe = poll()
    probe.register(descriptor, _HUNG_UP)
    if probe.poll(0):
        raise DisconnectionError("the server closed this connection while it was idle")


def insert_or_skip(session: AsyncSession, table: type[Any]) -> Any:
    """An INSERT ... ON CONFLICT DO NOTHING for whichever database the session is on."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing()


class Database:
    """One process's engines and the sessions that commit once per unit of work.

    Reads that need no transaction have an engine of their own whose connections are in
    autocommit from the start: switching a shared connection in and out of autocommit on
    every checkout costs a quarter of a one-query read. `pool_size` and `max_overflow` are
    per engine. A checkout costs no round trip to the database: see `_refuse_if_hung_up`."""

    def __init__(
        self, url: URL, *, pool_size: int = 16, max_overflow: int = 8, connect_timeout: int = 5
    ) -> None:
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)

        def engine(**options: Any) -> AsyncEngine:
            if self.is_sqlite:
                created = create_async_engine(async_url(url), **options)
                event.listen(created.sync_engine, "connect", _on_sqlite_connect)
                return created
            created = create_async_engine(
                async_url(url),
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=connect_timeout,
                connect_args={"connect_timeout": connect_timeout},
                **options,
            )
            event.listen(created.sync_engine, "checkout", _refuse_if_hung_up)
            return created

        self.engine = engine()
        self.read_engine = engine(isolation_level="AUTOCOMMIT")
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._reads = async_sessionmaker(
            self.read_engine, class_=AsyncSession, expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends, rolls back when it raises."""
        async with self._sessions() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """For requests that only read: no transaction, so none of the BEGIN and COMMIT round
        trips that would double the cost of a one-query read. Each statement sees what was
        committed when it ran; a write made through it (rare: a lazy copy of chat media,
        one row) is committed as it runs."""
        async with self._reads() as session:
            yield session

    def unreachable(self, error: BaseException) -> str | None:
        """See `unreachable`: for the loops that retry while this database is away."""
        return unreachable(self.url, error)

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.read_engine.dispose()
