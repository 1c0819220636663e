"""The production image, read from its Dockerfile (no Docker engine runs the tests): the
package without its development extras, `confessions serve` as a user who is not root, and a
health check that really tells a ready server from one that is not."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.support import Product, free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def arguments_of(keyword: str) -> list[str]:
    return [arguments for found, arguments in final_stage() if found == keyword]


def healthcheck_command(port: int) -> list[str]:
    (healthcheck,) = arguments_of("HEALTHCHECK")
    command: list[str] = json.loads(healthcheck.split(" CMD ", 1)[1])
    return [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in command]


def test_the_image_installs_the_package_without_development_extras() -> None:
    installs = [arguments for keyword, arguments in instructions() if keyword == "RUN"]

    assert any(re.search(r"pip install [^&]*\.(\s|$)", run) for run in installs), installs
    assert not any(re.search(r"\[dev\]|\bmake\b|pytest|playwright|moto", run) for run in installs)


def test_it_runs_confessions_serve_on_all_interfaces_as_a_user_who_is_not_root() -> None:
    (command,) = arguments_of("CMD")
    (user,) = arguments_of("USER")

    assert json.loads(command) == ["confessions", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert user not in ("root", "0")
    assert 'VOLUME ["/data"]' in [f"VOLUME {arguments}" for arguments in arguments_of("VOLUME")]
    assert any("DATA_DIR=/data" in env for env in arguments_of("ENV"))


def test_the_health_check_passes_when_ready(product: Product) -> None:
    port = int(product.url.rsplit(":", 1)[1])
    command = healthcheck_command(port)

    assert command[0] == "python"
    assert subprocess.run([sys.executable, *command[1:]], timeout=30).returncode == 0


def test_the_health_check_fails_when_nothing_answers() -> None:
    command = healthcheck_command(free_port())

    finished = subprocess.run([sys.executable, *command[1:]], capture_output=True, timeout=30)

    assert finished.returncode != 0


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())

    assert {".venv", ".git", "data", ".env"} <= ignored
    assert "tests" in ignored or "tests/.cache" in ignored
