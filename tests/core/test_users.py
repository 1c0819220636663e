"""Our copy of who someone is, as Telegram tells it on every update: stored on first contact,
kept current after, with one row per person however their first requests arrive."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import users
from models import User
from models.db import Database
from models.types import utcnow
from tests.core.conftest import UserFactory

NEWCOMER = 8_700_001


def identity(**profile: str | None) -> users.TelegramIdentity:
    values: dict[str, str | None] = {
        "first_name": "Mira",
        "last_name": "Ko",
        "username": "Mira_K",
        "language_code": "ru",
        **profile,
    }
    return users.TelegramIdentity(id=NEWCOMER, **values)  # type: ignore[arg-type]


async def test_a_newcomer_is_stored_with_what_telegram_says_of_them(
    session: AsyncSession,
) -> None:
    await users.sync_user(session, identity(first_name="Mi\u202era"))

    stored = await users.get_user(session, NEWCOMER)
    assert (stored.first_name, stored.last_name, stored.username) == ("Mira", "Ko", "Mira_K")
    assert stored.username_key == "mira_k"
    assert stored.language_code == "ru"
    assert stored.can_message is False


async def test_a_new_name_or_username_replaces_the_old(session: AsyncSession) -> None:
    await users.sync_user(session, identity())

    renamed = await users.sync_user(session, identity(first_name="Mirra", username=None))

    assert (renamed.first_name, renamed.username, renamed.username_key) == ("Mirra", None, None)
    assert await users.find_by_username(session, "mira_k") is None


async def test_a_username_given_up_and_taken_finds_the_one_who_took_it(
    session: AsyncSession, make_user: UserFactory
) -> None:
    gave_it_up = await make_user("Ann", username="sunny_day")  # and has not written since
    gave_it_up.updated_at = utcnow() - timedelta(days=30)
    took_it = await make_user("Bea", username="Sunny_Day")

    assert await users.find_by_username(session, "@sunny_day") is took_it


async def test_an_update_without_a_language_keeps_the_one_known(session: AsyncSession) -> None:
    await users.sync_user(session, identity(language_code="ru"))

    again = await users.sync_user(session, identity(language_code=None))

    assert again.language_code == "ru"


async def test_a_newcomers_first_requests_at_once_make_one_row(database: Database) -> None:
    async def first_contact() -> None:
        async with database.session() as session:
            await users.sync_user(session, identity())

    await asyncio.gather(*(first_contact() for _ in range(4)))

    async with database.session() as session:
        rows = await session.exec(
            select(func.count()).select_from(User).where(col(User.id) == NEWCOMER)
        )
        assert rows.one() == 1
        stored = await users.get_user(session, NEWCOMER)
        assert stored.username_key == "mira_k"
