"""A database that cannot be reached: the process keeps serving /healthz, answers /readyz 503,
and says in a line per try which database and why, instead of flooding the log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from emulator import EmulatorServer
from tests.conftest import WEBHOOK_SECRET
from tests.support import ServeProcess, free_port

# No such role, database or password anywhere: refused by a running PostgreSQL, and by
# a machine with none, the connection itself is refused. Either way nothing can be stored.
UNREACHABLE = "postgresql+psycopg://nosuchrole:hunter2-secret@127.0.0.1:5432/nosuchdb"
RUN_SECONDS = 6


class Serving:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
        self.first_seconds = ""
        """What it logged in its first RUN_SECONDS, whenever a test looks."""

    def log(self) -> str:
        return self.log_path.read_text()


@contextmanager
def _serve_without_database(settings: Settings, directory: Path) -> Iterator[Serving]:
    """`confessions serve` with the real bot (against the emulator) and an unreachable
    database, alive (/healthz 200) and left to run for RUN_SECONDS."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = ServeProcess(settings, port).environment() | {"DATABASE_URL": UNREACHABLE}
    log_path = directory / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "confessions", "serve", "--port", str(port)],
            env=environment,
            cwd=directory,
            stderr=log,
        )
    serving = Serving(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_alive(serving)
        time.sleep(RUN_SECONDS)
        serving.first_seconds = serving.log()
        yield serving
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


@pytest.fixture(scope="module")
def serving_without_database(
    bot_api_server: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Serving]:
    """One such process for the tests that only look at it, instead of one each: each would
    start a process and wait RUN_SECONDS."""
    directory = tmp_path_factory.mktemp("unreachable")
    settings = Settings(
        _env_file=None,
        bot_token=bot_api_server.token,
        telegram_api_base_url=bot_api_server.base_url,
        telegram_file_base_url=bot_api_server.base_file_url,
        webhook_secret=WEBHOOK_SECRET,
        database_url=UNREACHABLE,
        data_dir=directory / "data",
    )
    with _serve_without_database(settings, directory) as serving:
        yield serving


@pytest.fixture
def own_process_without_database(settings: Settings, tmp_path: Path) -> Iterator[Serving]:
    """For a test that stops it."""
    with _serve_without_database(settings, tmp_path) as serving:
        yield serving


def _wait_alive(serving: Serving) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if serving.process.poll() is not None:
            raise AssertionError(f"serve exited {serving.process.returncode}:\n{serving.log()}")
        try:
            if httpx.get(f"{serving.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"serve never answered /healthz:\n{serving.log()}")


def unreachable_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "unreachable" in line]


def test_it_stays_alive_and_is_not_ready(serving_without_database: Serving) -> None:
    url = serving_without_database.url

    assert httpx.get(f"{url}/healthz").status_code == 200
    assert httpx.get(f"{url}/readyz").status_code == 503
    assert serving_without_database.process.poll() is None


def test_each_loop_logs_one_line_per_try_and_backs_off(serving_without_database: Serving) -> None:
    log = serving_without_database.first_seconds
    lines = unreachable_lines(log)

    assert "Traceback" not in log
    assert len(log.splitlines()) < 40, log
    # tries 1, 2, 4 s apart: at most four in the first RUN_SECONDS and start-up, per loop
    for loop in ("InboxConsumer", "OutboxWorker", "Housekeeper"):
        tries = [line for line in lines if f"{loop}:" in line]
        assert 1 <= len(tries) <= 4, (loop, tries)
    assert any("next try in 4 s" in line for line in lines), lines


def test_the_line_names_the_database_and_why_but_never_the_password(
    serving_without_database: Serving,
) -> None:
    log = serving_without_database.log()
    line = unreachable_lines(log)[0]

    assert "database nosuchrole@127.0.0.1:5432/nosuchdb unreachable: " in line
    assert re.search(r'role "nosuchrole" does not exist|Connection refused', line), line
    assert "hunter2" not in log


def test_it_stops_cleanly_while_the_database_is_away(
    own_process_without_database: Serving,
) -> None:
    own_process_without_database.process.terminate()

    assert own_process_without_database.process.wait(30) == 0
    assert "Traceback" not in own_process_without_database.log()


def test_migrate_says_in_one_line_that_the_database_is_away(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "confessions", "migrate"],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": UNREACHABLE} | _this_checkout(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 1
    assert finished.stderr.startswith(
        "confessions: database nosuchrole@127.0.0.1:5432/nosuchdb unreachable: "
    )
    assert "Traceback" not in finished.stderr
    assert "hunter2" not in finished.stderr


def _this_checkout() -> dict[str, str]:
    """The code under test, not whichever checkout the venv was installed from."""
    return {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
