"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL
from sqlmodel import SQLModel

from models import migrate


def test_upgrade_reaches_the_head_revision(database_url: URL) -> None:
    assert migrate.current_revision(database_url) == migrate.head_revision()


def test_the_models_match_the_migrated_schema(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_every_table_is_created(db_engine: Engine) -> None:
    tables = set(inspect(db_engine).get_table_names())

    assert set(SQLModel.metadata.tables) <= tables


def test_upgrading_an_up_to_date_database_changes_nothing(database_url: URL) -> None:
    migrate.upgrade(database_url)

    assert migrate.current_revision(database_url) == migrate.head_revision()


def test_a_new_sqlite_file_is_created_and_migrated(tmp_path: Path) -> None:
    url = URL.create("sqlite", database=str(tmp_path / "nested" / "fresh.sqlite3"))

    migrate.upgrade(url)

    assert migrate.current_revision(url) == migrate.head_revision()
