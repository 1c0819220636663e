"""CPU per request of the mini app's two busiest reads, called in process: no network, no
uvicorn, no load generator sharing the cores. It tells the app's own cost from the server's
and the machine's, and what the middleware adds: the product's app as served, the same app
without its middleware, and the bare app (bare_app.py).

Seeds `confessions_bench` as `make bench` does (PostgreSQL on 127.0.0.1:5432), checks every
answer is a 200, and prints one line per app and read. Nothing here is a test.

    .venv/bin/python scripts/bench/in_process.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import bare_app
import run

from confessions.runtime import build_web_app
from core.settings import Settings

TOKEN = "123456:in-process-bench-token"
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def scope(target: str, authorization: str) -> dict[str, Any]:
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", authorization.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def cpu_per_request(app: App, requests: run.Reads, count: int) -> float:
    """Microseconds of this process's CPU per request, after 200 to warm up; every answer
    must be a 200, or the figure would time a refusal."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for n in range(200):
        await app(scope(*requests[n % len(requests)]), receive, send)
    started = time.process_time()
    for n in range(count):
        await app(scope(*requests[n % len(requests)]), receive, send)
    spent = time.process_time() - started
    if set(statuses) != {200}:
        raise SystemExit(f"answers other than 200: {sorted(set(statuses))}")
    return spent / count * 1e6


async def measure(url: str, count: int) -> None:
    singles, pages = run.reads(run.seed_confessions(url), TOKEN)
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=url,
        webhook_secret="in-process",
        data_dir=tempfile.mkdtemp(prefix="confessions-in-process-"),
        background_work=False,
        api_requests_per_minute=10**8,
        log_level="WARNING",
    )
    app = build_web_app(settings)
    rows: list[tuple[str, float]] = []
    async with app.router.lifespan_context(app):
        rows.append(("product: one confession", await cpu_per_request(app, singles, count)))
        rows.append(("product: received list page", await cpu_per_request(app, pages, count)))
        middleware, app.user_middleware = app.user_middleware, []
        app.middleware_stack = app.build_middleware_stack()
        rows.append(("without its middleware: one", await cpu_per_request(app, singles, count)))
        rows.append(("without its middleware: list", await cpu_per_request(app, pages, count)))
        app.user_middleware = middleware
    rows.append(("bare: one", await cpu_per_request(bare_app.app, singles, count)))
    rows.append(("bare: list", await cpu_per_request(bare_app.app, pages, count)))
    for name, microseconds in rows:
        print(f"{name:32s} {microseconds:7,.0f} µs of CPU per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000, help="per app and read")
    options = parser.parse_args()
    url = run.fresh_database()
    subprocess.run(
        [sys.executable, "-m", "confessions", "migrate"],
        env={**os.environ, "DATABASE_URL": url, "BOT_TOKEN": TOKEN},
        check=True,
        capture_output=True,
    )
    asyncio.run(measure(url, options.requests))


if __name__ == "__main__":
    main()
