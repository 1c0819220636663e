"""What the API's flood guard costs per request: in memory per process (before), shared
through the database in batches (now), and shared with a write on every request.

Serves `GET /api/v1/themes` (signed init data, no database work of its own) in this process
through httpx's ASGI transport, so the figures are the app's own CPU and latency per request
with no network in between, and the guard is the only thing that changes between rows.

    PYTHONPATH=. .venv/bin/python scripts/measure_flood_guard.py
    PYTHONPATH=. .venv/bin/python scripts/measure_flood_guard.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import delete

from bot import telegram_auth
from core.limits import SharedThrottle, Throttle
from core.settings import Settings
from models import RateCounter, migrate
from models.db import Database
from webapp_api.app import create_app

TOKEN = "123456:measure-flood-guard"


class InMemoryGuard:
    """The guard as it was: each process counted alone."""

    def __init__(self, per_minute: int) -> None:
        self._throttle = Throttle(per_minute)

    async def check(self, key: int) -> None:
        self._throttle.check(key)


async def measure(
    settings: Settings, guard_name: str, *, users: int, per_user: int, concurrency: int
) -> tuple[float, float, int]:
    """CPU milliseconds per request, wall-clock requests a second, and how many were not 200."""
    database = Database(settings.database)
    app = create_app(settings, database)
    limit = settings.api_requests_per_minute
    if guard_name == "in memory, per process (before)":
        app.state.api_throttle = InMemoryGuard(limit)
    elif guard_name == "shared, a write every request":
        app.state.api_throttle = SharedThrottle(database, scope="api", per_minute=limit, batch=1)
    headers = [
        {
            "Authorization": "tma "
            + telegram_auth.sign(
                {"id": 9_000_000 + n, "first_name": f"U{n}", "is_bot": False}, bot_token=TOKEN
            )
        }
        for n in range(users)
    ]
    queue = [headers[n % users] for n in range(users * per_user)]
    failures = 0
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:

        async def worker() -> None:
            nonlocal failures
            while queue:
                answer = await client.get("/api/v1/themes", headers=queue.pop())
                failures += answer.status_code != 200

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await database.dispose()
    total = users * per_user
    return cpu / total * 1000, total / wall, failures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--per-user", type=int, default=100, help="under the limit of 120")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="flood-guard-"))
    url = arguments.database_url or f"sqlite:///{folder / 'measure.sqlite3'}"
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=url,
        data_dir=folder,
        background_work=False,
        api_requests_per_minute=120,
    )
    migrate.upgrade(settings.database)
    guards = (
        "in memory, per process (before)",
        "shared, in batches of a tenth (now)",
        "shared, a write every request",
    )
    print(
        f"{settings.database.get_backend_name()}: {arguments.users} users x "
        f"{arguments.per_user} requests, {arguments.concurrency} in flight, best of "
        f"{arguments.rounds} rounds (counters emptied between rounds)"
    )
    for name in guards:
        best: tuple[float, float, int] | None = None
        for _ in range(arguments.rounds):
            result = await measure(
                settings,
                name,
                users=arguments.users,
                per_user=arguments.per_user,
                concurrency=arguments.concurrency,
            )
            if best is None or result[0] < best[0]:
                best = result
            await _forget_counters(settings)
        assert best is not None
        cpu_ms, rate, failures = best
        print(f"  {name:40} {cpu_ms:6.3f} ms CPU/request  {rate:7.0f} req/s  non-200: {failures}")


async def _forget_counters(settings: Settings) -> None:
    """Each round starts with no quota handed out, as a fresh minute would."""
    database = Database(settings.database)
    async with database.session() as session:
        await session.exec(delete(RateCounter))
    await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
