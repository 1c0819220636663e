"""Helpers for tests: the product as a thread or as a process, and small waits."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from confessions.runtime import build_web_app
from core.settings import Settings
from emulator import ThreadedUvicorn
from tests import loopback
from tests.telegram import Person

# How long a `confessions serve` process may take to become ready. It is ready in about 2 s
# on a quiet machine, and in seconds more with the suite's four workers on two cores, browsers
# and other servers starting beside it; a test that passes returns as soon as the process
# answers, so only a broken start waits this long.
PROCESS_START_SECONDS = 60


EPHEMERAL_PORTS = Path("/proc/sys/net/ipv4/ip_local_port_range")
FIRST_PORT = 20_000
PORTS_PER_WORKER = 500


def _worker_ports() -> Iterator[int]:
    """This pytest-xdist worker's own block of ports, below the range the kernel picks
    from for `bind(0)` and outgoing connections; empty where there is no room below it."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    first = FIRST_PORT + worker * PORTS_PER_WORKER
    ephemeral = int(EPHEMERAL_PORTS.read_text().split()[0]) if EPHEMERAL_PORTS.exists() else 0
    if first + PORTS_PER_WORKER > ephemeral:
        return iter(())
    return itertools.cycle(range(first, first + PORTS_PER_WORKER))


_ports = _worker_ports()


def free_port() -> int:
    """A port for a server a test is about to start in another process, which binds it a
    second or two later. A port the kernel picked (`bind(0)`) could be picked again in that
    time, for a server in a thread or another worker, and the process would then fail to
    bind while the test talked to someone else's server; ports from this worker's own block
    are never picked by the kernel nor by another worker."""
    for port in itertools.islice(_ports, PORTS_PER_WORKER):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        picked: int = probe.getsockname()[1]
        return picked


def wait_until_ready(url: str, *, seconds: float) -> bool:
    """Whether `url` answered 200 within `seconds`."""
    with httpx.Client(timeout=1, verify=loopback.TLS) as client:

        def answers() -> bool:
            try:
                return client.get(url).status_code == 200
            except httpx.TransportError:
                return False

        return wait_until(answers, seconds=seconds)


def wait_until(condition: Callable[[], bool], *, seconds: float) -> bool:
    """Whether `condition` held within `seconds`, looked at every 50 ms."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def started(person: Person) -> Person:
    """A person who has opened the bot once, so the bot may write to them."""
    person.command("start")
    return person


class Product:
    """The product served over HTTP; can be stopped and started again on the same data."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._server: ThreadedUvicorn | None = None

    def start(self) -> None:
        self._server = ThreadedUvicorn(build_web_app(self.settings))
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def restart(self) -> None:
        url = self.url
        self.stop()
        self._server = ThreadedUvicorn(
            build_web_app(self.settings), port=int(url.rsplit(":", 1)[1])
        )
        self._server.start()

    @property
    def url(self) -> str:
        assert self._server is not None, "the product is not running"
        return self._server.url


class ServeProcess:
    """`confessions serve` as its own process, for tests that kill it."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.settings = settings
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        values = {
            "BOT_TOKEN": self.settings.token or "",
            "TELEGRAM_API_BASE_URL": self.settings.telegram_api_base_url,
            "TELEGRAM_FILE_BASE_URL": self.settings.file_base_url,
            "WEBHOOK_SECRET": self.settings.effective_webhook_secret or "",
            "DATABASE_URL": self.settings.database.render_as_string(hide_password=False),
            "DATA_DIR": str(self.settings.data_dir),
            "OUTBOX_RATE_PER_SECOND": str(self.settings.outbox_rate_per_second),
            "OUTBOX_LEASE_SECONDS": str(self.settings.outbox_lease_seconds),
            "OUTBOX_CHAT_INTERVAL_SECONDS": str(self.settings.outbox_chat_interval_seconds),
            "INBOX_LEASE_SECONDS": str(self.settings.inbox_lease_seconds),
            "LOG_LEVEL": self.settings.log_level,
            "LOG_FORMAT": self.settings.log_format,
            "SHUTDOWN_TIMEOUT_SECONDS": str(self.settings.shutdown_timeout_seconds),
            "BACKGROUND_WORK": str(self.settings.background_work).lower(),
            "WORKER_NICENESS": str(self.settings.worker_niceness),
            "API_REQUESTS_PER_MINUTE": str(self.settings.api_requests_per_minute),
            "BOT_UPDATES_PER_MINUTE": str(self.settings.bot_updates_per_minute),
            "CONFESSIONS_PER_DAY": str(self.settings.confessions_per_day),
            "REPLIES_PER_MINUTE": str(self.settings.replies_per_minute),
        }
        return {**os.environ, **values}

    def start(self, *, polling: bool = False) -> None:
        command = [sys.executable, "-m", "confessions", "serve", "--port", str(self.port)]
        if polling:
            command.append("--polling")
        self.log_path = self.settings.data_dir / f"serve-{self.port}.log"
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, env=self.environment(), cwd=self.settings.data_dir.parent, stderr=log
            )
        if not wait_until_ready(f"{self.url}/readyz", seconds=PROCESS_START_SECONDS):
            raise AssertionError(f"confessions serve did not become ready:\n{self.log()}")

    def log(self) -> str:
        """Everything the process logged, across restarts."""
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine dies."""
        assert self._process is not None
        self._process.kill()
        self._process.wait(10)
        self._process = None

    def terminate(self) -> int:
        """SIGTERM, as an orchestrator stops it; returns the exit status."""
        assert self._process is not None
        self._process.terminate()
        code = self._process.wait(30)
        self._process = None
        return code

    def stop(self) -> None:
        if self._process is not None:
            self.terminate()


class PlaygroundServer:
    """`confessions serve` as a newcomer runs it: no settings at all, so the playground.

    The environment is emptied on purpose, so no BOT_TOKEN of the machine's can leak in."""

    def __init__(self, directory: Path, **environment: str) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = {"PATH": os.environ["PATH"], "PTB_TIMEDELTA": "true", **environment}
        if os.environ.get("PYTHONPATH"):  # a checkout run with PYTHONPATH serves its own code
            self.environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
        self.log_path = directory / "serve.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "confessions", "serve", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, env=self.environment, cwd=self.directory, stderr=log
            )
        if not wait_until_ready(f"{self.url}/readyz", seconds=PROCESS_START_SECONDS):
            raise AssertionError(f"the playground did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(30)
            self._process = None
