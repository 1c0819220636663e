"""A user renamed inside a unit of work, each way a turn writes (a statement on the driver,
an object read and changed on the driver), and the name read back outside it: for the
tests of what a unit of work keeps and undoes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import bindparam, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import User
from models.db import Database, execute_in, get_in, update_in

RENAME = update(User).where(col(User.id) == bindparam("id")).values(first_name=bindparam("name"))

Rename = Callable[[AsyncSession, int], Awaitable[None]]


async def a_user(database: Database, user_id: int, first_name: str = "Ann") -> None:
    async with database.session() as session:
        session.add(User(id=user_id, first_name=first_name))


async def first_name(database: Database, user_id: int) -> str | None:
    async with database.reading() as session:
        user = await session.get(User, user_id)
        return user.first_name if user else None


async def by_statement(session: AsyncSession, user_id: int) -> None:
    await execute_in(session, RENAME, {"id": user_id, "name": "Mallory"})


async def by_object(session: AsyncSession, user_id: int) -> None:
    user = await get_in(session, User, user_id)
    assert user is not None
    await update_in(session, user, first_name="Mallory")
