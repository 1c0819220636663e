"""FastAPI dependencies: the settings, the database and a session per request.

All are `async def`, even those that only read app state: FastAPI runs a plain `def`
dependency in its thread pool, a thread hop per request that costs more than the work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from core import notices
from core.background import Wakers
from core.media import Download, MediaStore
from core.settings import Settings
from models.db import Database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> AsyncIterator[AsyncSession]:
    """One unit of work per request; it commits after the route and before the response,
    so a client never hears of a change that was not stored."""
    async with database.session() as session:
        yield session
    if notices.were_queued(session):
        wakers: Wakers = request.app.state.wakers
        wakers.outbox()


async def get_read_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    """For routes that only read; see `Database.reading`."""
    async with database.reading() as session:
        yield session


async def get_media_store(request: Request) -> MediaStore:
    store: MediaStore = request.app.state.media_store
    return store


async def get_chat_files(request: Request) -> Download | None:
    found: Download | None = request.app.state.chat_files
    return found


SettingsDep = Annotated[Settings, Depends(get_settings)]
MediaStoreDep = Annotated[MediaStore, Depends(get_media_store)]
ChatFilesDep = Annotated[Download | None, Depends(get_chat_files)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
"""A row's id in a path: the tables' integer keys are 32-bit on PostgreSQL."""
