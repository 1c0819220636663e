"""What one database read costs in CPU, four ways: the driver alone, SQLAlchemy Core on the
async engine, and the product's read of a confession as the API makes it (on the driver,
`read_model.shown`) and as a unit of work makes it (the ORM, `read_model.for_reader`). It
bounds what the API can reach.

CPU time of this process per read, 16 reads in flight; PostgreSQL's own time is not counted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core import read_model
from core.users import TelegramIdentity
from models import Confession
from models.db import Database

IN_FLIGHT = 16
READS_EACH = 200


async def _cpu_ms_per_read(read: Callable[[int, str], Awaitable[object]], ids: list[str]) -> float:
    async def reader(task: int) -> None:
        for n in range(READS_EACH):
            await read(task, ids[(task + n) % len(ids)])

    await asyncio.gather(*(reader(task) for task in range(IN_FLIGHT)))  # warm up
    started = time.process_time()
    await asyncio.gather(*(reader(task) for task in range(IN_FLIGHT)))
    return (time.process_time() - started) / (IN_FLIGHT * READS_EACH) * 1000


async def _measure(url: str, ids: list[str], reader_id: int) -> dict[str, float]:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connections = [
        await psycopg.AsyncConnection.connect(conninfo, autocommit=True) for _ in range(IN_FLIGHT)
    ]
    database = Database(make_url(url))
    table = Confession.__table__  # type: ignore[attr-defined]
    reader = TelegramIdentity(id=reader_id)

    async def driver(task: int, public_id: str) -> object:
        cursor = await connections[task].execute(
            "SELECT * FROM confessions WHERE public_id = %s", (public_id,)
        )
        return await cursor.fetchone()

    async def core(_task: int, public_id: str) -> object:
        async with database.autocommit_engine.connect() as connection:
            result = await connection.execute(select(table).where(table.c.public_id == public_id))
            return result.first()

    async def product(_task: int, public_id: str) -> object:
        return await read_model.shown(database, public_id, reader)

    async def orm(_task: int, public_id: str) -> object:
        async with database.reading() as session:
            return await read_model.for_reader(session, public_id, reader)

    try:
        return {
            "driver": await _cpu_ms_per_read(driver, ids),
            "core": await _cpu_ms_per_read(core, ids),
            "product": await _cpu_ms_per_read(product, ids),
            "orm": await _cpu_ms_per_read(orm, ids),
        }
    finally:
        for connection in connections:
            await connection.close()
        await database.dispose()


def read_costs(url: str, ids: list[str], reader_id: int) -> dict[str, float]:
    """Milliseconds of CPU per read: `driver`, `core`, `product` and `orm`."""
    return asyncio.run(_measure(url, ids, reader_id))
