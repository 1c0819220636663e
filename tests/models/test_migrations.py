"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import URL
from sqlmodel import SQLModel

from core import safety
from core.settings import Settings
from models import migrate
from models.db import sync_url


def test_upgrade_reaches_the_head_revision(database_url: URL) -> None:
    assert migrate.current_revision(database_url) == migrate.head_revision()


def test_the_models_match_the_migrated_schema(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_every_foreign_key_leads_an_index(db_engine: Engine) -> None:
    """Deleting a row looks up what points to it (to cascade or to clear): without an index
    led by the pointing column, every discarded draft or /deleteme reads the whole table."""
    schema = inspect(db_engine)
    unindexed = []
    for table in schema.get_table_names():
        leading = {tuple(index["column_names"][:1]) for index in schema.get_indexes(table)}
        leading |= {
            tuple(unique["column_names"][:1]) for unique in schema.get_unique_constraints(table)
        }
        leading.add(tuple(schema.get_pk_constraint(table)["constrained_columns"][:1]))
        for key in schema.get_foreign_keys(table):
            if tuple(key["constrained_columns"][:1]) not in leading:
                unindexed.append(f"{table}.{key['constrained_columns'][0]}")

    assert unindexed == []


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


def test_blocks_bans_and_reports_are_carried_over_as_keyed_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrading a database with blocks, a ban and a report keeps them, as keyed hashes."""
    monkeypatch.setenv("IDENTITY_KEY", "a-key-for-this-test")
    url = URL.create("sqlite", database=str(tmp_path / "old.sqlite3"))
    command.upgrade(migrate.alembic_config(url), "0001")
    engine = create_engine(sync_url(url))
    now = "2026-11-30 10:00:00"
    with engine.begin() as connection:
        for user_id, banned in ((1, now), (2, None)):
            connection.execute(
                text(
                    "INSERT INTO users (id, first_name, can_message, banned_at, created_at,"
                    " updated_at) VALUES (:id, 'x', 1, :banned, :now, :now)"
                ),
                {"id": user_id, "banned": banned, "now": now},
            )
        connection.execute(
            text(
                "INSERT INTO confessions (id, public_id, sender_id, recipient_id, status,"
                " compose_review, text, text_html, signature, created_at, updated_at)"
                " VALUES (1, 'p1', 1, 2, 'revealed', 0, 'hi', 'hi', 'anonymous', :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO blocks (blocker_id, blocked_id, confession_id, created_at)"
                " VALUES (2, 1, 1, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO reports (confession_id, reporter_id, status, created_at)"
                " VALUES (1, 2, 'banned', :now)"
            ),
            {"now": now},
        )

    migrate.upgrade(url)

    settings = Settings(_env_file=None, identity_key="a-key-for-this-test")
    with engine.connect() as connection:
        block = connection.execute(text("SELECT blocker_id, blocked_key FROM blocks")).one()
        ban = connection.execute(text("SELECT key FROM bans")).scalar_one()
        report = connection.execute(text("SELECT reporter_id, reported_key FROM reports")).one()
    engine.dispose()
    assert tuple(block) == (2, safety.block_key(settings, blocker_id=2, blocked_id=1))
    assert ban == safety.ban_key(settings, 1)
    assert tuple(report) == (2, safety.ban_key(settings, 1))
