"""Fixtures for the domain tests that talk to the database directly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import URL

from models.db import Database


class CommitCounter:
    """How many transactions the product committed, seen from the engine."""

    def __init__(self, database: Database) -> None:
        self.commits = 0
        event.listen(database.engine.sync_engine, "commit", self._count)

    def _count(self, _connection: object) -> None:
        self.commits += 1


@pytest.fixture
async def database(clean_database: URL) -> AsyncIterator[Database]:
    """The product's own engine and unit of work on the test database, emptied first."""
    opened = Database(clean_database)
    yield opened
    await opened.dispose()


@pytest.fixture
def commits(database: Database) -> CommitCounter:
    return CommitCounter(database)
