"""A PostgreSQL cluster of the test's own, for tests that restart the database.

Restarting the machine's shared server would cut the connections of every other test running
at the same time (pytest-xdist workers, or anyone else using that server), so a restart test
gets a throwaway cluster: initdb into a temporary directory, on a free port, stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from models import migrate
from tests.support import free_port

POSTGRESQL_BIN = Path("/usr/lib/postgresql")


@dataclass
class PrivateCluster:
    """A running PostgreSQL cluster in `directory`, listening on 127.0.0.1:`port`."""

    bin_dir: Path
    directory: Path
    port: int

    @property
    def url(self) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            host="127.0.0.1",
            port=self.port,
            database="postgres",
        )

    def pg_ctl(self, *arguments: str) -> None:
        _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.directory), "-w", *arguments])

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast", "-l", str(self.log))

    @property
    def log(self) -> Path:
        """The server's own output; without it the server would hold pg_ctl's pipes open."""
        return self.directory / "server.log"


def _as_postgres(command: list[str]) -> None:
    """PostgreSQL refuses to run as root, so root runs its tools as the `postgres` user."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, timeout=120, capture_output=True)


def _newest_bin_dir() -> Path | None:
    versions = sorted(POSTGRESQL_BIN.glob("*/bin/initdb")) if POSTGRESQL_BIN.exists() else []
    return versions[-1].parent if versions else None


@pytest.fixture
def private_postgresql() -> Iterator[PrivateCluster]:
    bin_dir = _newest_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server binaries are not installed")
    directory = Path(tempfile.mkdtemp(prefix="confessions-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = PrivateCluster(bin_dir, directory, free_port())
    _as_postgres(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(directory),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ]
    )
    options = f"-p {cluster.port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    cluster.pg_ctl("start", "-l", str(cluster.log), "-o", options)
    try:
        migrate.upgrade(cluster.url)
        yield cluster
    finally:
        cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(directory, ignore_errors=True)
