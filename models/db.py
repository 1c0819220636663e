"""The engine and the unit of work; sessions are handed in, never global."""

from __future__ import annotations

import asyncio
import inspect
import re
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from select import POLLERR, POLLHUP, POLLIN, POLLNVAL, poll
from typing import Any, NamedTuple, TypeVar, cast

from pydantic.fields import FieldInfo
from sqlalchemy import (
    Delete,
    Insert,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import (
    Mapper,
    ORMExecuteState,
    class_mapper,
    make_transient_to_detached,
)
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session as SqlModelSession
from sqlmodel import SQLModel
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
    if connection is not None and hung_up(connection):
        raise DisconnectionError("the server closed this connection while it was idle")


def hung_up(connection: Any) -> bool:
    """Whether an idle driver connection's server has closed it (or we have): see
    `_refuse_if_hung_up`."""
    try:
        descriptor = connection.fileno()
    except Exception:  # closed on our side: psycopg refuses to give its socket
        return True
    probe = poll()
    probe.register(descriptor, _HUNG_UP)
    return bool(probe.poll(0))


def replace_dead_connections(engine: Engine) -> None:
    """Have a PostgreSQL engine's pool replace, at checkout, connections whose server has
    gone (`_refuse_if_hung_up`): a restart of PostgreSQL costs no failed request. SQLite has
    no server to lose."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _refuse_if_hung_up)


def insert_or_skip(bound: AsyncSession | AsyncConnection | AsyncEngine, table: type[Any]) -> Any:
    """An INSERT ... ON CONFLICT DO NOTHING for whichever database the session, the
    connection or the engine is on."""
    engine = bound.bind if isinstance(bound, AsyncSession) else bound
    dialect = engine.dialect.name if engine is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing()


Processor = Callable[[Any], Any]
Statement = Select[*tuple[Any, ...]] | Insert | Update | Delete


PLANNED_EACH_TIME = "planned_each_time"
"""An execution option for a statement run on the driver: PostgreSQL plans it for its
parameters and the table as it is at each run, never from a plan it keeps. psycopg prepares
a statement run five times on a connection, and PostgreSQL may then keep a generic plan
made for the table as it was: for a queue's claim, made while the table was small, that
plan can scan the whole backlog once it has grown, and it is remade only when the table is
analyzed again."""


_LOCKING = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)


def only_reads(sql: str) -> bool:
    """Whether a statement changes nothing and holds no lock past itself: a SELECT without
    FOR UPDATE or FOR SHARE. Anything else counts as a write (a WITH may hold one)."""
    return sql.lstrip()[:6].upper() == "SELECT" and _LOCKING.search(sql) is None


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A Core statement compiled once for one database, with the conversions SQLAlchemy
    would apply to its parameters and to the columns it returns."""

    sql: str
    parameters: tuple[tuple[str, Any, Processor | None], ...]
    """Every bound parameter in the order the SQL takes it: name, default value, conversion."""
    positional: bool
    returns_rows: bool
    conversions: tuple[tuple[int, Processor], ...]
    """The columns returned that SQLAlchemy would convert (an enum, a timestamp made UTC),
    by position: most come from the driver as they are, and are left alone."""
    driver_options: dict[str, Any]
    """For the driver's execute (`_driver_options`)."""
    only_reads: bool
    """It changes nothing and holds no lock past itself (`only_reads`)."""

    @classmethod
    def compile(cls, statement: Statement, dialect: Dialect) -> DriverStatement:
        compiled = statement.compile(dialect=dialect)
        # by position, a name may recur; by name, each once, as the SQL spells it (an
        # INSERT's or UPDATE's own values have internal keys in `binds`)
        names = compiled.positiontup or list(dict.fromkeys(compiled.bind_names.values()))

        def convert(name: str) -> tuple[str, Any, Processor | None]:
            bound = compiled.binds[name]
            converter = bound.type.dialect_impl(dialect).bind_processor(dialect)
            return name, bound.value, converter

        returned = (
            statement.selected_columns
            if isinstance(statement, Select)
            else statement.exported_columns  # what it RETURNS
        )
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in returned
        ]
        return cls(
            sql=compiled.string,
            parameters=tuple(convert(name) for name in names),
            positional=bool(compiled.positiontup),
            returns_rows=bool(processors),
            conversions=tuple(
                (index, process) for index, process in enumerate(processors) if process
            ),
            driver_options=_driver_options(statement, dialect),
            only_reads=only_reads(compiled.string),
        )

    def bind(self, given: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The parameters as the driver takes them: in order (a name may recur), or by name."""
        values = [
            (name, value if converter is None else converter(value))
            for name, default, converter in self.parameters
            for value in [given.get(name, default)]
        ]
        return tuple(value for _, value in values) if self.positional else dict(values)

    def row(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.conversions:
            return raw
        values = list(raw)
        for index, convert in self.conversions:
            if values[index] is not None:
                values[index] = convert(values[index])
        return tuple(values)


def _driver_options(statement: Statement, dialect: Dialect) -> dict[str, Any]:
    """psycopg's: rows in PostgreSQL's binary format, which costs both ends less than text
    (a timestamp is copied, not printed and parsed again); no prepared statement for one
    planned each time."""
    if dialect.name != "postgresql":
        return {}
    if statement.get_execution_options().get(PLANNED_EACH_TIME, False):
        return {"binary": True, "prepare": False}
    return {"binary": True}


_compiled: dict[tuple[Statement, str], DriverStatement] = {}
"""Keyed by the statement object itself (each is built once, at import) and the dialect."""


def driver_statement(statement: Statement, dialect: Dialect) -> DriverStatement:
    key = (statement, dialect.name)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = DriverStatement.compile(statement, dialect)
    return compiled


Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]]
"""One statement's parameters, or a list of them to run it once for each (executemany:
psycopg sends them all in one pipeline, a single round trip)."""
Bound = tuple[Any, ...] | dict[str, Any]


def _bind(compiled: DriverStatement, parameters: Parameters) -> Bound | list[Bound]:
    if isinstance(parameters, Mapping):
        return compiled.bind(parameters)
    return [compiled.bind(each) for each in parameters]


async def _cursor_of(driver: Any) -> Any:
    cursor = driver.cursor()
    if inspect.isawaitable(cursor):  # aiosqlite's connection makes its cursors so
        cursor = await cursor
    return cursor


async def _run(
    cursor: Any, compiled: DriverStatement, bound: Bound | list[Bound]
) -> list[tuple[Any, ...]]:
    if isinstance(bound, list):
        await cursor.executemany(compiled.sql, bound)
        return []
    await cursor.execute(compiled.sql, bound, **compiled.driver_options)
    rows = await cursor.fetchall() if compiled.returns_rows else []
    return [compiled.row(row) for row in rows]


def on_postgres(session: AsyncSession) -> bool:
    """Whether `session` talks to PostgreSQL, for the statements written for it alone (a
    data-modifying CTE, a JSON array read as rows), where SQLite keeps simpler ones."""
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def execute_in(
    session: AsyncSession, statement: Statement, parameters: Parameters
) -> list[tuple[Any, ...]]:
    """Run a Core statement built once on the driver connection of `session`'s
    transaction, committed or rolled back with it; the rows it returns, or none (always
    none when given a list of parameters).

    The hot statements of handling an update (marking it handled, queueing its answer) go
    this way: through the session each would cost about a millisecond of CPU, on the driver
    a fraction of that. The session's pending changes are flushed first, as its own
    statements would have them (autoflush). The objects the session holds are not told of
    what the statement changed: it is for rows the unit of work has not loaded."""
    unit = session.sync_session
    if unit.new or unit.dirty or unit.deleted:
        await session.flush()
    connection, raw = await _connection_of(session)
    dialect = connection.dialect
    late = session.info.get(_LATE_BEGIN)
    if late is not None and late.held:
        riding = _riding(late, statement, parameters, dialect)
        if riding is None:
            await _send_held(session, late)
        else:
            statement, parameters = riding
    compiled = driver_statement(statement, dialect)
    bound = _bind(compiled, parameters)
    errors: type[Exception] = dialect.loaded_dbapi.Error
    try:
        cursor = await _cursor_of(raw.driver_connection)
        try:
            if late is not None and not compiled.only_reads:
                await late.before_write(raw.driver_connection)
            return await _run(cursor, compiled, bound)
        finally:
            await cursor.close()
    except errors as error:
        lost = dialect.is_disconnect(cast(Any, error), raw.dbapi_connection, None)
        if lost:
            await connection.invalidate(error)
        raise DBAPIError.instance(
            compiled.sql, bound, error, errors, connection_invalidated=lost
        ) from error


async def _send_held(session: AsyncSession, late: _LateBegin) -> None:
    """The unit's held writes, sent in the order they were made, its transaction begun
    before them: what comes next may read them, or write beside them."""
    _, raw = await _connection_of(session)
    await late.begin(raw.driver_connection)
    held, late.held = late.held, []
    for each in held:
        await execute_in(session, each.statement, each.parameters)


def _riding(
    late: _LateBegin, statement: Statement, parameters: Parameters, dialect: Dialect
) -> tuple[Statement, dict[str, Any]] | None:
    """The unit's last write with its held writes as parts of it (data-modifying CTEs, each
    run once, with it), and the parameters of them all; None when it cannot carry them: it
    is not the unit's last write, or it only reads, or it runs once for each of several
    parameter sets, or it touches a table they write (`_carrying`)."""
    if not late.last_write_next or not isinstance(parameters, Mapping):
        return None
    if driver_statement(statement, dialect).only_reads:
        return None
    key = (statement, *(each.statement for each in late.held))
    if key not in _combined:
        _combined[key] = _carrying(statement, [each.statement for each in late.held])
    combined = _combined[key]
    if combined is None:
        return None
    given = dict(parameters)
    for each in late.held:
        given.update(each.parameters)
    late.held = []
    return combined, given


def _carrying(statement: Statement, held: list[Update | Delete]) -> Statement | None:
    """`statement` with `held` as parts of it; None when it touches a table they write. The
    parts of one statement see the database as it was before any of them ran, and a row
    changed by two of them keeps one change."""
    touched = set(find_tables(statement, check_columns=True, include_crud=True))
    if any(each.table in touched for each in held):
        return None
    return statement.add_cte(*(each.cte(f"held_{index}") for index, each in enumerate(held)))


_combined: dict[tuple[Any, ...], Statement | None] = {}
"""Last writes with held writes riding in them (`_carrying`), made once for each
combination: a turn's statements are a handful."""


_CONNECTION = "driver_connection"
"""Where a session's `session.info` keeps its transaction's connection (`_connection_of`)."""


async def _connection_of(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """The connection of `session`'s transaction (begun if need be) and its pool record,
    found once a transaction: asking the session costs a trip through its greenlet each
    time, and a turn runs several statements."""
    held = session.info.get(_CONNECTION)
    transaction = session.sync_session.get_transaction()
    if held is not None and held[0]() is transaction and not held[1].invalidated:
        return held[1], held[2]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None, "a session's connection is open"
    # the transaction refers to the session: held weakly, or every session would be a
    # cycle left for the garbage collector
    begun = weakref.ref(session.sync_session.get_transaction())
    session.info[_CONNECTION] = (begun, connection, raw)
    return connection, raw


_LATE_BEGIN = "late_begin"
"""Where a unit of work that begins its transaction at its first write keeps its
`_LateBegin` (`session.info`)."""


class _Held(NamedTuple):
    """A write held back by a unit of work not yet begun (`update_in`, `delete_in`)."""

    statement: Update | Delete
    parameters: dict[str, Any]
    row: tuple[type[Any], Any]


@dataclass(slots=True)
class _LateBegin:
    """The state of a unit of work begun at its first write (`Database.unit_of_work`)."""

    last_write_next: bool = False
    """The next write is the unit's last (`last_write`): with none before it, it runs on its
    own, atomic as one statement is, and the commit after it has nothing to do."""
    last_written: bool = False
    begun: bool = False
    held: list[_Held] = field(default_factory=list)
    """Writes of the unit not sent yet, as it has not begun (`update_in`, `delete_in`): they
    go before its next statement, or ride in its last write as that statement's own parts
    when it has no other (`_riding`), so a turn that changes a row and then marks its update
    handled costs one statement where it cost a BEGIN, two statements and a COMMIT."""

    def refuse_if_done(self) -> None:
        """A write after the last one would be committed apart from it: a mistake."""
        if self.last_written:
            raise RuntimeError("a unit of work wrote after its last write, outside its commit")

    def may_hold(self, row: tuple[type[Any], Any]) -> bool:
        """A write to `row` may wait for the unit's next statement: the unit has not begun,
        its last write is not under way, and no other held write is to the same row (two
        changes of one row in one statement would be applied in no set order)."""
        return (
            not (self.begun or self.last_write_next or self.last_written)
            and len(self.held) < MOST_HELD
            and all(each.row != row for each in self.held)
        )

    async def before_write(self, driver: Any) -> None:
        self.refuse_if_done()
        if not driver.autocommit:
            return  # begun already
        if self.last_write_next:
            self.last_written = True
            return
        await self.begin(driver)

    async def begin(self, driver: Any) -> None:
        # out of autocommit, the driver sends its BEGIN before the next statement, as it
        # would have before the unit's first read; the pool puts the connection back in
        # autocommit
        if driver.autocommit:
            await driver.set_autocommit(False)
        self.begun = True


MOST_HELD = 4
"""Writes a unit of work holds back at most; a turn makes one or two before its last."""


class _BegunAtFirstWrite(SqlModelSession):
    """The synchronous side of `Database.unit_of_work`'s sessions: what the session itself
    runs (its flushes, its own statements) begins the transaction before its first write,
    as `execute_in` does for the statements it runs. On this class only, so no other
    session or connection pays for the events."""


@event.listens_for(_BegunAtFirstWrite, "before_flush")
def _begin_before_flush(session: OrmSession, *_: Any) -> None:
    _begin_now(session)


@event.listens_for(_BegunAtFirstWrite, "do_orm_execute")
def _begin_before_orm_write(state: ORMExecuteState) -> None:
    # a locking read holds its lock to the commit only inside a transaction; any read sees
    # the unit's held writes
    late: _LateBegin | None = state.session.info.get(_LATE_BEGIN)
    if (
        not state.is_select
        or getattr(state.statement, "_for_update_arg", None) is not None
        or (late is not None and late.held)
    ):
        _begin_now(state.session)


def _begin_now(session: OrmSession) -> None:
    late: _LateBegin | None = session.info.get(_LATE_BEGIN)
    if late is not None:
        late.refuse_if_done()
    connection = session.connection()
    adapted = connection.connection.dbapi_connection
    if adapted is not None and adapted.autocommit:
        adapted.autocommit = False  # run inside SQLAlchemy's greenlet: it may wait
    if late is not None:
        late.begun = True
        held, late.held = late.held, []
        for each in held:  # `_send_held`, inside SQLAlchemy's greenlet, its errors its own
            compiled = driver_statement(each.statement, connection.dialect)
            connection.exec_driver_sql(compiled.sql, _bind(compiled, each.parameters))


def _in_autocommit_again(adapted: Any, _record: Any, _proxy: Any) -> None:
    """A connection of a unit begun at its first write goes back to the pool out of
    autocommit, as it cannot leave it inside its transaction; it is put back as it is taken
    again, which costs no round trip."""
    if not adapted.autocommit:
        adapted.autocommit = True


@asynccontextmanager
async def last_write(session: AsyncSession) -> AsyncIterator[None]:
    """The block's one write is the unit of work's last before its commit; in a unit begun at
    its first write that has written nothing yet, it runs without a BEGIN and a COMMIT."""
    late = session.info.get(_LATE_BEGIN)
    if late is not None:
        late.last_write_next = True
    try:
        yield
    finally:
        if late is not None:
            late.last_write_next = False


Model = TypeVar("Model", bound=SQLModel)


@dataclass(frozen=True, slots=True, eq=False)
class Along:
    """A row read in the same statement as another (`get_in`): the row of `model` whose
    primary key the first row holds in `reference`, when `condition` holds of the first row.
    For a row a unit of work nearly always goes on to read: it costs a join, not a round
    trip, and the later read finds it in the session."""

    model: type[SQLModel]
    reference: Any
    """A column of the first row's table."""
    condition: Any = None
    """A condition on the first row's table (a SQL expression), or None."""


READ_ALONG = "read_along"
"""Where a session's `session.info` keeps the rows read along with others."""
_by_key: dict[tuple[type[Any], Along | None], Select[*tuple[Any, ...]]] = {}


def table_of(model: type[SQLModel]) -> Table:
    """A table model's table, typed (SQLModel declares `__table__` on no class)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class _Shape:
    """What making a session object of a row needs to know of its model, found once: looked
    up for each row, it cost a third of making the object."""

    mapper: Mapper[Any]
    names: tuple[str, ...]
    """The table's columns, in the order a statement selecting them all returns them."""
    primary: str


_shapes: dict[type[Any], _Shape] = {}


def _shape_of(model: type[SQLModel]) -> _Shape:
    shape = _shapes.get(model)
    if shape is None:
        table = table_of(model)
        [primary] = table.primary_key.columns
        shape = _shapes[model] = _Shape(
            class_mapper(model), tuple(table.columns.keys()), primary.name
        )
    return shape


def _identity(model: type[SQLModel], key: Any) -> Any:
    """The key the session's identity map holds the row of `model` with primary key `key`
    under."""
    return _shape_of(model).mapper.identity_key_from_primary_key((key,))


def _by_key_statement(model: type[SQLModel], along: Along | None) -> Select[*tuple[Any, ...]]:
    """The row of `model` with a given primary key (`key`), and the row `along` refers to."""
    statement = _by_key.get((model, along))
    if statement is not None:
        return statement
    table = table_of(model)
    [primary] = table.primary_key.columns
    if along is None:
        statement = select(*table.columns)
    else:
        other = table_of(along.model)
        [other_primary] = other.primary_key.columns
        joined = other_primary == along.reference
        if along.condition is not None:
            joined = and_(joined, along.condition)
        statement = select(*table.columns, *other.columns).select_from(
            table.outerjoin(other, joined)
        )
    statement = _by_key[(model, along)] = statement.where(primary == bindparam("key"))
    return statement


async def get_in(
    session: AsyncSession, model: type[Model], key: Any, *, along: Along | None = None
) -> Model | None:
    """`session.get` for a table with a one-column primary key, read on the driver: the
    row becomes an object of the session as if the ORM had loaded it (changes to it are
    flushed as usual), for about a fifth of the CPU of the ORM's own load. The row `along`
    refers to, if any, joins the session too, unless it holds that row already."""
    if _identity(model, key) in session.identity_map:
        return await session.get(model, key)  # no SQL, unless the object has expired
    rows = await execute_in(session, _by_key_statement(model, along), {"key": key})
    if not rows:
        return None
    width = len(table_of(model).columns)
    row, along_row = rows[0][:width], rows[0][width:]
    found = await _session_object(session, model, row)
    if along is not None and any(value is not None for value in along_row):  # joined
        # the session holds objects nothing has changed by weak references only: this
        # one is kept for the unit of work's life, or the later read would not find it
        read_along = await _session_object(session, along.model, along_row)
        session.info.setdefault(READ_ALONG, []).append(read_along)
    return found


async def first_in(
    session: AsyncSession, model: type[Model], statement: Statement, parameters: Parameters
) -> Model | None:
    """The first row a statement selecting every column of `model`'s table returns, read
    on the driver and made an object of the session, as `get_in` makes one."""
    rows = await execute_in(session, statement, parameters)
    return await _session_object(session, model, rows[0]) if rows else None


async def all_in(
    session: AsyncSession, model: type[Model], statement: Statement, parameters: Parameters
) -> list[Model]:
    """Every row a statement selecting every column of `model`'s table returns, read on
    the driver and made objects of the session, as `first_in` makes one."""
    rows = await execute_in(session, statement, parameters)
    return [await _session_object(session, model, row) for row in rows]


async def _session_object(session: AsyncSession, model: type[Model], row: Sequence[Any]) -> Model:
    """A row of `model`'s table read on the driver, as an object of `session`: the one the
    session holds for it already (the ORM's reads, too, keep the object it has), or one made
    as if the ORM had loaded it."""
    shape = _shape_of(model)
    values = dict(zip(shape.names, row, strict=True))
    key = values[shape.primary]
    if _identity(model, key) in session.identity_map:
        held = await session.get(model, key)  # loaded again if expired
        assert held is not None
        return held
    made = as_loaded(model, values)
    make_transient_to_detached(made)
    session.sync_session.add(made)
    return made


_UNSET = object()
_inserts: dict[tuple[type[Any], tuple[str, ...]], Insert] = {}
_updates: dict[tuple[type[Any], tuple[str, ...], str], Update] = {}
_deletes: dict[tuple[type[Any], str], Delete] = {}


def _insert_statement(model: type[SQLModel], names: tuple[str, ...]) -> Insert:
    """An INSERT of the columns `names` of `model`'s table, returning the whole row."""
    statement = _inserts.get((model, names))
    if statement is None:
        table = table_of(model)
        values = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names}
        statement = insert(table).values(values).returning(*table.columns)
        _inserts[(model, names)] = statement
    return statement


def _update_statement(model: type[SQLModel], names: tuple[str, ...], prefix: str = "") -> Update:
    """An UPDATE of the columns `names` of the row of `model` with a given key (`key`), its
    parameters' names after `prefix` (each held write has its own, `_riding`)."""
    statement = _updates.get((model, names, prefix))
    if statement is None:
        table = table_of(model)
        [primary] = table.primary_key.columns
        values = {
            name: bindparam(f"{prefix}new_{name}", type_=table.c[name].type) for name in names
        }
        statement = update(table).where(primary == bindparam(f"{prefix}key")).values(values)
        _updates[(model, names, prefix)] = statement
    return statement


def _delete_statement(model: type[SQLModel], prefix: str = "") -> Delete:
    """A DELETE of the row of `model` with a given key (`key`, after `prefix`)."""
    statement = _deletes.get((model, prefix))
    if statement is None:
        table = table_of(model)
        [primary] = table.primary_key.columns
        statement = delete(table).where(primary == bindparam(f"{prefix}key"))
        _deletes[(model, prefix)] = statement
    return statement


_defaults: dict[type[Any], tuple[tuple[str, FieldInfo], ...]] = {}


def _fields_with_defaults(model: type[SQLModel]) -> tuple[tuple[str, FieldInfo], ...]:
    """The columns of `model` its constructor would fill in when not given: a default, or
    a factory (a public id, a timestamp). A default of None is left out, as the INSERT
    leaves out every None."""
    found = _defaults.get(model)
    if found is None:
        columns = set(_shape_of(model).names)
        found = _defaults[model] = tuple(
            (name, field)
            for name, field in model.model_fields.items()
            if name in columns
            and not field.is_required()
            and (field.default_factory is not None or field.default is not None)
        )
    return found


async def insert_in(session: AsyncSession, model: type[Model], **values: Any) -> Model:
    """Store a new row of `model` with an INSERT on the driver, in `session`'s transaction:
    `values`, and for the rest the model's defaults, as its constructor would fill them in.
    The row comes back as stored (its generated key, the database's defaults), an object of
    the session as if the ORM had flushed it and loaded it again. The unit of work's flush
    of one new row costs several times the statement itself, and a table model's
    constructor, which sets each field through the ORM's instrumentation, about 40 µs more.

    As the ORM does, a column left None is left out, so the database's default fills it."""
    row = {
        name: field.get_default(call_default_factory=True)
        for name, field in _fields_with_defaults(model)
        if name not in values
    }
    row.update(values)
    stored = {name: value for name, value in row.items() if value is not None}
    rows = await execute_in(
        session,
        _insert_statement(model, tuple(stored)),
        {f"new_{name}": value for name, value in stored.items()},
    )
    return await _session_object(session, model, rows[0])


async def update_in(session: AsyncSession, target: SQLModel, **values: Any) -> None:
    """Set columns of an object `session` holds, with an UPDATE of its row on the driver,
    in the session's transaction; the object holds the new values as if loaded with them,
    so the session has nothing of it left to flush. Only the values that differ are
    written, and nothing when none do.

    For an object the session has not stored yet (or one whose row it has not loaded),
    the values are set as usual, for the unit of work to write. In a unit of work begun at
    its first write that has not begun yet, the UPDATE is held back (`_LateBegin.held`): it
    goes before the unit's next statement, or rides in its last write."""
    state = instance_state(target)
    changed = {
        name: value for name, value in values.items() if state.dict.get(name, _UNSET) != value
    }
    if not changed:
        return
    if not state.persistent or state.identity is None or state.expired_attributes:
        for name, value in changed.items():
            setattr(target, name, value)
        return
    [key] = state.identity
    names = tuple(changed)

    def _values(prefix: str) -> dict[str, Any]:
        return {f"{prefix}key": key, **{f"{prefix}new_{n}": v for n, v in changed.items()}}

    await _write_or_hold(
        session,
        (type(target), key),
        lambda prefix: _update_statement(type(target), names, prefix),
        _values,
    )
    for name, value in changed.items():
        set_committed_value(target, name, value)


async def delete_in(session: AsyncSession, model: type[SQLModel], key: Any) -> None:
    """Delete the row of `model` with primary key `key`, if there is one, with a DELETE on
    the driver in `session`'s transaction; held back as `update_in`'s UPDATE is, in a unit
    of work not begun yet. The session lets go of the object it holds for the row, as the
    gone row it is."""
    held = session.identity_map.get(_identity(model, key))
    if held is not None:
        session.expunge(held)
    await _write_or_hold(
        session,
        (model, key),
        lambda prefix: _delete_statement(model, prefix),
        lambda prefix: {f"{prefix}key": key},
    )


async def _write_or_hold(
    session: AsyncSession,
    row: tuple[type[Any], Any],
    statement: Callable[[str], Update | Delete],
    parameters: Callable[[str], dict[str, Any]],
) -> None:
    """A write to one row, run now, or held back (`_LateBegin.held`) when the unit of work
    has not begun and nothing else is pending; a held write's parameters are named after
    its own prefix, as several may ride in one statement (`_riding`)."""
    late: _LateBegin | None = session.info.get(_LATE_BEGIN)
    unit = session.sync_session
    if late is not None and not (unit.new or unit.dirty or unit.deleted) and late.may_hold(row):
        prefix = f"held{len(late.held)}_"
        late.held.append(_Held(statement(prefix), parameters(prefix), row))
    else:
        await execute_in(session, statement(""), parameters(""))


def as_loaded(model: type[Model], values: Mapping[str, Any]) -> Model:
    """An object holding a row's `values`, made as SQLAlchemy makes the objects it loads:
    without `__init__`, which in a SQLModel table model sets every field through the ORM's
    instrumentation and checks it (37 µs for a user's row, against 3 this way)."""
    made: Model = _shape_of(model).mapper.class_manager.new_instance()
    made.__dict__.update(values)
    return made


@dataclass(frozen=True, slots=True)
class Pooled:
    """A driver connection of a `DriverPool`, and the one cursor its statements run on: a
    new cursor knows none of the conversions of the columns it reads, and finding them again
    for every statement cost the mini app's one-confession read a tenth to a seventh of its
    CPU (served side by side with and without, loads interleaved)."""

    connection: Any
    cursor: Any


class DriverPool:
    """Driver connections of an autocommit engine, kept apart from its pool for
    `Database.execute`: a checkout from SQLAlchemy's pool (greenlets, events, bookkeeping)
    cost the mini app's busiest read a tenth of its CPU; here it is a pop from a list.

    Each connection is made by the engine, so it is set up as every other one (the dialect's
    own set-up, SQLite's pragmas), then detached from the engine's pool. As there, an idle
    connection whose server hung up is replaced before anyone uses it (`hung_up`), and one
    that a statement failed or was cancelled on is closed, never reused."""

    def __init__(self, engine: AsyncEngine, *, size: int, timeout: float) -> None:
        self._engine = engine
        self._idle: list[Pooled] = []
        self._room = asyncio.Semaphore(size)
        self._timeout = timeout
        self._has_server = engine.dialect.name != "sqlite"

    async def acquire(self) -> Pooled:
        """An open driver connection, held until `release`; PoolTimeout when all `size` are
        busy for longer than the timeout, as SQLAlchemy's pool would raise."""
        if self._room.locked():
            try:
                # a timer on this task, where wait_for would make a task of each wait
                async with asyncio.timeout(self._timeout):
                    await self._room.acquire()
            except TimeoutError as error:
                raise PoolTimeout("no database connection came free in time") from error
        else:
            await self._room.acquire()
        try:
            while self._idle:
                pooled = self._idle.pop()
                if not (self._has_server and hung_up(pooled.connection)):
                    return pooled
                await _close_quietly(pooled.connection)
            proxied = await self._engine.raw_connection()
            connection = proxied.driver_connection
            proxied.detach()
            try:
                return Pooled(connection, await _cursor_of(connection))
            except BaseException:
                await _close_quietly(connection)
                raise
        except BaseException:
            self._room.release()
            raise

    async def release(self, pooled: Pooled, *, reusable: bool) -> None:
        try:
            if reusable:
                self._idle.append(pooled)
            else:
                await _close_quietly(pooled.connection)
        finally:
            self._room.release()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for pooled in idle:
            await _close_quietly(pooled.connection)


async def _close_quietly(connection: Any) -> None:
    """Closing a connection whose server is gone may fail; it is gone either way."""
    try:
        await connection.close()
    except Exception:  # nothing to do about a connection that will not close
        return


class Database:
    """One process's engines and the sessions that commit once per unit of work.

    Reads that need no transaction, and writes of one statement (which is atomic on its
    own), have an engine of their own whose connections are in autocommit from the start:
    switching a shared connection in and out of autocommit on every checkout costs a quarter
    of a one-query read, and a BEGIN and a COMMIT around one statement are two more round
    trips. Units of work begun at their first write (`unit_of_work`, on PostgreSQL) have a
    third engine, as their connections may come back out of autocommit.

    `max_connections` bounds what the process opens to PostgreSQL, shared equally among its
    four pools (the three engines' and the `DriverPool`), each connection opened when first
    needed and kept: PostgreSQL refuses clients past its own `max_connections` (100 unless
    set), so every process of a deployment must fit in it together. A checkout costs no
    round trip to the database: see `_refuse_if_hung_up`."""

    POOLS = 4

    def __init__(self, url: URL, *, max_connections: int = 32, connect_timeout: int = 5) -> None:
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        self.max_connections = max_connections
        pool_size = max_connections // self.POOLS
        if pool_size < 1:
            raise ValueError(
                f"max_connections={max_connections} leaves no connection for some of the"
                f" process's {self.POOLS} pools; it needs at least {self.POOLS}"
            )

        def engine(**options: Any) -> AsyncEngine:
            if self.is_sqlite:
                created = create_async_engine(async_url(url), **options)
                event.listen(created.sync_engine, "connect", _on_sqlite_connect)
                return created
            created = create_async_engine(
                async_url(url),
                pool_size=pool_size,
                max_overflow=0,
                pool_timeout=connect_timeout,
                connect_args={"connect_timeout": connect_timeout},
                **options,
            )
            replace_dead_connections(created.sync_engine)
            return created

        self.engine = engine()
        # in autocommit there is nothing to roll back when a connection goes back to the pool
        self.autocommit_engine = engine(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
        self._driver_errors: type[Exception] = self.autocommit_engine.dialect.loaded_dbapi.Error
        self._driver_pool = DriverPool(
            self.autocommit_engine, size=pool_size, timeout=connect_timeout
        )
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._reads = async_sessionmaker(
            self.autocommit_engine, class_=AsyncSession, expire_on_commit=False
        )
        self._late_engine: AsyncEngine | None = None
        self._late_sessions = self._sessions
        if not self.is_sqlite:
            # its own pool, whose connections may come back out of autocommit (and rolled
            # back, the pool's reset, should one ever come back inside a transaction)
            self._late_engine = engine(isolation_level="AUTOCOMMIT")
            event.listen(self._late_engine.sync_engine.pool, "checkout", _in_autocommit_again)
            self._late_sessions = async_sessionmaker(
                self._late_engine,
                class_=AsyncSession,
                sync_session_class=_BegunAtFirstWrite,
                expire_on_commit=False,
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
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """`session`, whose transaction begins at its first write (on PostgreSQL). What it
        reads before that is read outside a transaction, each statement seeing what was
        committed when it ran, which is all READ COMMITTED gives inside one. A unit that only
        reads, or whose one write is its last (`last_write`), costs no BEGIN and no COMMIT,
        two of a handled update's seven round trips to PostgreSQL. A read that locks (FOR
        UPDATE, FOR SHARE) counts as a write, so its lock is held to the commit. On SQLite,
        `session` itself."""
        async with self._late_sessions() as session:
            if self._late_engine is not None:
                session.info[_LATE_BEGIN] = _LateBegin()
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            late = session.info.get(_LATE_BEGIN)
            unit = session.sync_session
            if late is not None and late.last_written and (unit.new or unit.dirty or unit.deleted):
                await session.rollback()
                raise RuntimeError("a unit of work changed objects after its last write")
            if late is not None and late.held:
                try:
                    await _send_held(session, late)
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

    async def execute(self, statement: Statement, parameters: Parameters) -> list[tuple[Any, ...]]:
        """Run a statement on the driver itself, outside any unit of work: its rows (a
        read's, or a RETURNING clause's) converted as SQLAlchemy would; a write is committed
        as it runs.

        For the mini app's busiest reads and the inbox's claim: SQLAlchemy's async layer and
        the ORM cost some 600 µs of CPU per statement over the driver's own (`make bench`).
        The statement is still written once, in Core, and compiled once per database; the
        connection comes from a `DriverPool` of the autocommit engine's connections."""
        compiled = driver_statement(statement, self.autocommit_engine.dialect)
        bound = _bind(compiled, parameters)
        try:
            pooled = await self._driver_pool.acquire()
        except self._driver_errors as error:  # SQLAlchemy wraps these on its own paths only
            raise DBAPIError.instance(None, None, error, self._driver_errors) from error
        reusable = False
        try:
            rows = await _run(pooled.cursor, compiled, bound)
            reusable = True
            return rows
        except self._driver_errors as error:
            raise DBAPIError.instance(
                compiled.sql, bound, error, self._driver_errors, connection_invalidated=True
            ) from error
        finally:
            await self._driver_pool.release(pooled, reusable=reusable)

    def unreachable(self, error: BaseException) -> str | None:
        """See `unreachable`: for the loops that retry while this database is away."""
        return unreachable(self.url, error)

    async def dispose(self) -> None:
        await self._driver_pool.close()
        await self.engine.dispose()
        await self.autocommit_engine.dispose()
        if self._late_engine is not None:
            await self._late_engine.dispose()
