"""kill -9 while the bot drains a backlog, then restart: how many users were answered, and
how many twice. Prints one line; nothing here is a test.

    PYTHONPATH=$PWD .venv/bin/python scripts/kill_drain.py [--updates 911] [--kill-after 300]
    [--database-url postgresql+psycopg://...]   (default: a SQLite file in a temporary folder)

The backlog is stored by a web-only process (`BACKGROUND_WORK=false`), so the bot starts
with all of it queued; each update is a /help from its own user. The process is killed
once `--kill-after` answers have gone out, and started again on the same database.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from emulator import EmulatorServer

SECRET = "kill-drain-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(environment: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "confessions", "serve", "--port", str(port)]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=environment, stderr=sink)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"serve did not start; see {log}")


def help_update(update_id: int, user_id: int) -> dict[str, object]:
    profile = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": profile["first_name"]},
            "from": profile,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=911)
    parser.add_argument("--kill-after", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kill-drain-"))
    database_url = arguments.database_url or f"sqlite:///{folder / 'db.sqlite3'}"
    with EmulatorServer() as emulator:
        environment = {
            **os.environ,
            "BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "TELEGRAM_FILE_BASE_URL": emulator.base_file_url,
            "WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": database_url,
            "DATA_DIR": str(folder),
            "INBOX_LEASE_SECONDS": "3",
            "OUTBOX_LEASE_SECONDS": "3",
            "BOT_UPDATES_PER_MINUTE": "1000000",
            "LOG_LEVEL": "WARNING",
        }
        if arguments.database_url:
            subprocess.run(
                [sys.executable, "-m", "confessions", "migrate"], env=environment, check=True
            )
        port = free_port()
        log = folder / "serve.log"
        web_only = serve({**environment, "BACKGROUND_WORK": "false"}, port, log)
        users = range(7_000_001, 7_000_001 + arguments.updates)
        with httpx.Client(timeout=30) as client, ThreadPoolExecutor(16) as pool:
            posted = list(
                pool.map(
                    lambda user: (
                        client.post(
                            f"http://127.0.0.1:{port}/telegram/webhook",
                            json=help_update(user - 7_000_000 + 10_000, user),
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        ).status_code
                    ),
                    users,
                )
            )
        assert posted == [200] * len(users), Counter(posted)
        web_only.terminate()
        web_only.wait(30)

        def answers() -> Counter[int]:
            return Counter(
                int(call.params["chat_id"])
                for call in emulator.state.calls_to("sendMessage")
                if call.ok and "How it works" in str(call.params.get("text"))
            )

        bot = serve(environment, port, log)
        while sum(answers().values()) < arguments.kill_after:
            time.sleep(0.005)
        bot.kill()
        bot.wait(10)
        at_kill = sum(answers().values())
        bot = serve(environment, port, log)
        deadline = time.monotonic() + 120
        while len(answers()) < len(users) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(5)  # past both leases: whatever is sent twice has been by now
        bot.terminate()
        bot.wait(30)
        counted = answers()
    twice = sum(1 for user in users if counted[user] > 1)
    print(
        f"kill -9 after {at_kill} answers: {len(counted)} of {len(users)} answered, "
        f"{twice} answered twice, {sum(counted.values()) - len(counted)} extra answers"
    )


if __name__ == "__main__":
    main()
