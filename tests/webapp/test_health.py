"""Health endpoints, and the product running on its embedded defaults with no token."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from confessions.runtime import YOUNG_COLLECTION_THRESHOLD, build_web_app
from core.settings import Settings
from emulator import ThreadedUvicorn
from models import migrate
from tests.support import PROCESS_START_SECONDS, free_port, wait_until_ready


@pytest.fixture
def unmigrated(tmp_path: Path) -> Iterator[str]:
    """The product on a database nobody has migrated."""
    url = URL.create("sqlite", database=str(tmp_path / "empty.sqlite3"))
    settings = Settings(_env_file=None, database_url=url.render_as_string(), data_dir=tmp_path)
    with ThreadedUvicorn(build_web_app(settings)) as server:
        yield server.url


def test_healthz_answers_while_the_process_lives(unmigrated: str) -> None:
    assert httpx.get(f"{unmigrated}/healthz").json() == {"status": "ok"}


def test_readyz_is_503_until_migrations_ran(unmigrated: str, tmp_path: Path) -> None:
    before = httpx.get(f"{unmigrated}/readyz")
    migrate.upgrade(URL.create("sqlite", database=str(tmp_path / "empty.sqlite3")))
    after = httpx.get(f"{unmigrated}/readyz")

    assert before.status_code == 503
    assert after.status_code == 200


def test_while_it_serves_the_objects_built_at_start_are_left_out_of_collections(
    tmp_path: Path,
) -> None:
    url = URL.create("sqlite", database=str(tmp_path / "app.sqlite3"))
    settings = Settings(_env_file=None, database_url=url.render_as_string(), data_dir=tmp_path)
    with ThreadedUvicorn(build_web_app(settings)):
        frozen_while_serving = gc.get_freeze_count()

    assert frozen_while_serving > 100_000
    assert gc.get_freeze_count() == 0


def test_while_it_serves_young_collections_wait_for_more_allocations(tmp_path: Path) -> None:
    url = URL.create("sqlite", database=str(tmp_path / "app.sqlite3"))
    settings = Settings(_env_file=None, database_url=url.render_as_string(), data_dir=tmp_path)
    before = gc.get_threshold()
    with ThreadedUvicorn(build_web_app(settings)):
        while_serving = gc.get_threshold()

    assert while_serving == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
    assert while_serving[0] > before[0]
    assert gc.get_threshold() == before


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        data_dir=tmp_path,
    )
    with ThreadedUvicorn(build_web_app(settings)) as server:
        response = httpx.get(f"{server.url}/readyz", timeout=10)

    assert response.status_code == 503


def test_serve_with_no_settings_is_ready_on_sqlite_and_runs_the_playground(
    tmp_path: Path,
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "confessions", "serve", "--port", str(port)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = wait_until_ready(f"http://127.0.0.1:{port}/readyz", seconds=PROCESS_START_SECONDS)
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)

    assert ready, log
    assert (tmp_path / "data" / "confessions.sqlite3").exists()
    playground = [line for line in log.splitlines() if "PLAYGROUND" in line]
    assert len(playground) == 1
    assert "BOT_TOKEN" in playground[0]
