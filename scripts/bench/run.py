"""`make bench`: the product on PostgreSQL with the Bot API emulator, loaded from wrk on
loopback, side by side with a bare FastAPI endpoint; prints one table of figures.

Runs for a few minutes; nothing here is a test. Needs PostgreSQL on 127.0.0.1:5432 and wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from queries import read_costs
from sqlalchemy import create_engine, func, text
from sqlmodel import Session, col, select

from bot import telegram_auth
from emulator import EmulatorServer
from models import (
    Confession,
    ConfessionStatus,
    ConfessionStyle,
    InboxUpdate,
    OutboxMessage,
    User,
)
from models.types import new_public_id, utcnow

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "confessions_bench"
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fresh_database() -> str:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DB}"


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kilobytes = next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")
        )
        return kilobytes / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"not ready: {url}")


def serve_product(env: dict[str, str]) -> Served:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "confessions", "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    wait_ready(served.url + "/readyz")
    return served


def serve_bare() -> Served:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=HERE,
        stderr=subprocess.DEVNULL,
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    wait_ready(served.url + "/docs")
    return served


def wrk(
    url: str, script: str, *, seconds: int, connections: int, env: dict[str, str] | None = None
) -> dict[str, float]:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(HERE / script), url],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    figures: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def seed_confessions(url: str, count: int) -> tuple[list[str], dict[str, Any]]:
    """A sender and recipients with revealed confessions, for the API load."""
    engine = create_engine(url)
    with Session(engine) as session:
        session.add(User(id=7_000_001, first_name="Sender", can_message=True))
        session.add(User(id=7_000_002, first_name="Reader", can_message=True))
        session.flush()
        ids = []
        for _ in range(count):
            confession = Confession(
                public_id=new_public_id(),
                sender_id=7_000_001,
                recipient_id=7_000_002,
                status=ConfessionStatus.REVEALED,
                text="words " * 20,
                text_html="words " * 20,
                queued_at=utcnow(),
                delivered_at=utcnow(),
                revealed_at=utcnow(),
            )
            session.add(confession)
            session.flush()
            assert confession.id is not None
            session.add(ConfessionStyle(confession_id=confession.id))  # as composing makes one
            ids.append(confession.public_id)
        session.commit()
    engine.dispose()
    return ids, {"id": 7_000_002, "first_name": "Reader"}


def queue_deliveries(url: str, count: int) -> None:
    """`count` confessions to `count` recipients who use the bot, all queued at once."""
    engine = create_engine(url)
    with Session(engine) as session:
        session.add(User(id=6_000_000, first_name="Prolific", can_message=True))
        session.add_all(
            User(id=6_000_001 + n, first_name=f"R{n}", can_message=True) for n in range(count)
        )
        session.flush()
        confessions = [
            Confession(
                public_id=new_public_id(),
                sender_id=6_000_000,
                recipient_id=6_000_001 + n,
                status=ConfessionStatus.QUEUED,
                text="hi",
                text_html="hi",
                queued_at=utcnow(),
            )
            for n in range(count)
        ]
        session.add_all(confessions)
        session.flush()
        session.add_all(
            OutboxMessage(kind="delivery", chat_id=c.recipient_id or 0, confession_id=c.id)
            for c in confessions
        )
        session.commit()
    engine.dispose()


def pending_deliveries(url: str) -> int:
    """Deliveries still queued; the sender's 'delivered' notices trail at one a second."""
    engine = create_engine(url)
    with Session(engine) as session:
        waiting = session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.kind == "delivery")
        ).one()
    engine.dispose()
    return int(waiting)


def drained(url: str, *, timeout: float) -> float:
    """Seconds until no update waits in the inbox."""
    engine = create_engine(url)
    started = time.monotonic()
    with Session(engine) as session:
        while time.monotonic() - started < timeout:
            waiting = session.exec(
                select(func.count())
                .select_from(InboxUpdate)
                .where(col(InboxUpdate.handled_at).is_(None))
            ).one()
            if waiting == 0:
                break
            time.sleep(0.2)
            session.rollback()
    engine.dispose()
    return time.monotonic() - started


def stage(name: str) -> None:
    print(f"… {name}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument(
        "--only",
        default="webhook,split,api,scale,delivery",
        help="comma-separated parts, to iterate on one: webhook, split, api, scale, delivery",
    )
    options = parser.parse_args()
    parts = set(options.only.split(","))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    rows: list[tuple[str, str, str]] = []

    with EmulatorServer() as telegram:
        url = fresh_database()
        data_dir = Path(tempfile.mkdtemp(prefix="confessions-bench-"))
        env = {
            **os.environ,
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_FILE_BASE_URL": telegram.base_file_url,
            "WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": url,
            "DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
            "API_REQUESTS_PER_MINUTE": "100000000",
            "BOT_UPDATES_PER_MINUTE": "100000000",
            "OUTBOX_CHAT_INTERVAL_SECONDS": "1.0",
        }
        subprocess.run(
            [sys.executable, "-m", "confessions", "migrate"],
            env=env,
            check=True,
            capture_output=True,
        )
        bare = serve_bare()
        product = serve_product(env)
        try:
            # webhook
            ours: dict[str, float] = {"rps": float("nan")}
            if "webhook" in parts:
                stage("webhook load")
                base = wrk(
                    bare.url + "/telegram/webhook",
                    "webhook.lua",
                    seconds=options.seconds,
                    connections=options.connections,
                    env={"BENCH_SECRET": SECRET},
                )
                ours = wrk(
                    product.url + "/telegram/webhook",
                    "webhook.lua",
                    seconds=options.seconds,
                    connections=options.connections,
                    env={"BENCH_SECRET": SECRET},
                )
                drain = drained(url, timeout=600)
                handled = ours["requests"] / (ours["seconds"] + drain)
                rows += [
                    (
                        "webhook: bare endpoint",
                        f"{base['rps']:.0f} req/s",
                        f"p50 {base['p50_ms']:.1f} ms, p99 {base['p99_ms']:.1f} ms",
                    ),
                    (
                        "webhook: confessions (acknowledged)",
                        f"{ours['rps']:.0f} req/s ({ours['rps'] / base['rps']:.0%} of bare)",
                        f"p50 {ours['p50_ms']:.1f} ms, p99 {ours['p99_ms']:.1f} ms; non-2xx {ours['non2xx']:.0f}",
                    ),
                    (
                        "webhook: updates handled end to end",
                        f"{handled:.0f} updates/s",
                        f"inbox drained {drain:.1f} s after the load",
                    ),
                ]
                stage("webhook under light load")
                light = wrk(
                    product.url + "/telegram/webhook",
                    "webhook.lua",
                    seconds=options.seconds,
                    connections=2,
                    env={"BENCH_SECRET": SECRET, "BENCH_OFFSET": str(5 * 10**9)},
                )
                rows.append(
                    (
                        "webhook under light load (2 connections)",
                        f"{light['rps']:.0f} req/s (half of bare would be {base['rps'] / 2:.0f})",
                        f"p50 {light['p50_ms']:.1f} ms, p99 {light['p99_ms']:.1f} ms",
                    )
                )
                drained(url, timeout=600)

            # the webhook of a web-only process, the bot's handling in a worker process beside it
            if "split" in parts:
                stage("web-only serve process beside a worker")
                if "webhook" not in parts:
                    base = wrk(
                        bare.url + "/telegram/webhook",
                        "webhook.lua",
                        seconds=options.seconds,
                        connections=options.connections,
                        env={"BENCH_SECRET": SECRET},
                    )
                web_only = serve_product({**env, "BACKGROUND_WORK": "false"})
                worker = subprocess.Popen(
                    [sys.executable, "-m", "confessions", "worker"],
                    env=env,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    split = wrk(
                        web_only.url + "/telegram/webhook",
                        "webhook.lua",
                        seconds=options.seconds,
                        connections=options.connections,
                        env={"BENCH_SECRET": SECRET, "BENCH_OFFSET": str(7 * 10**9)},
                    )
                    split_drain = drained(url, timeout=600)
                finally:
                    worker.terminate()
                    worker.wait(30)
                    web_only.stop()
                rows += [
                    (
                        "webhook: web-only serve + worker process",
                        f"{split['rps']:.0f} req/s ({split['rps'] / base['rps']:.0%} of bare)",
                        f"p50 {split['p50_ms']:.1f} ms, p99 {split['p99_ms']:.1f} ms; non-2xx {split['non2xx']:.0f}",
                    ),
                    (
                        "  handled end to end by the worker",
                        f"{split['requests'] / (split['seconds'] + split_drain):.0f} updates/s",
                        f"inbox drained {split_drain:.1f} s after the load",
                    ),
                ]

            # mini-app API
            if "api" in parts:
                stage("mini-app API load")
                ids, reader = seed_confessions(url, 200)
                auth = "tma " + telegram_auth.sign(reader, bot_token=telegram.token)
                paths = ",".join(
                    [f"/api/v1/confessions/{i}" for i in ids[:50]]
                    + ["/api/v1/confessions?box=received"]
                )
                base_api = wrk(
                    bare.url,
                    "get.lua",
                    seconds=options.seconds,
                    connections=options.connections,
                    env={
                        "BENCH_PATHS": ",".join(f"/api/v1/confessions/{i}" for i in ids[:50])
                        + ",/api/v1/confessions"
                    },
                )
                ours_api = wrk(
                    product.url,
                    "get.lua",
                    seconds=options.seconds,
                    connections=options.connections,
                    env={"BENCH_PATHS": paths, "BENCH_AUTH": auth},
                )
                costs = read_costs(url, ids[:50], reader["id"])
                rows += [
                    (
                        "API: bare endpoint",
                        f"{base_api['rps']:.0f} req/s",
                        f"p99 {base_api['p99_ms']:.1f} ms",
                    ),
                    (
                        "API: confession + received list",
                        f"{ours_api['rps']:.0f} req/s ({ours_api['rps'] / base_api['rps']:.0%} of bare)",
                        f"p99 {ours_api['p99_ms']:.1f} ms; non-2xx {ours_api['non2xx']:.0f}",
                    ),
                    (
                        "  CPU per read: psycopg alone / SQLAlchemy Core / the product's read",
                        f"{costs['driver']:.2f} / {costs['core']:.2f} / {costs['product']:.2f} ms",
                        "in this process, 16 in flight; what bounds the API on one core",
                    ),
                    (
                        "memory: one serve process",
                        f"{product.peak_rss_mb():.0f} MB peak RSS",
                        "after the webhook and API loads",
                    ),
                ]

            # scale-out
            if "scale" in parts:
                stage("two processes")
                second = serve_product(env)
                try:
                    with ThreadPoolExecutor(2) as pool:
                        two = list(
                            pool.map(
                                lambda k: wrk(
                                    (product, second)[k].url + "/telegram/webhook",
                                    "webhook.lua",
                                    seconds=options.seconds,
                                    connections=options.connections // 2,
                                    env={
                                        "BENCH_SECRET": SECRET,
                                        "BENCH_OFFSET": str((k + 1) * 10**9),
                                    },
                                ),
                                (0, 1),
                            )
                        )
                    drained(url, timeout=600)
                finally:
                    second.stop()
                rows.append(
                    (
                        "scale-out: 2 serve processes, webhook at once",
                        f"{sum(r['rps'] for r in two):.0f} req/s together "
                        f"({sum(r['rps'] for r in two) / ours['rps']:.1f}x one process)",
                        "same machine, same PostgreSQL",
                    )
                )

            # delivery
            if "delivery" in parts:
                stage("deliveries")
                telegram.state.reset()
                started = time.monotonic()
                queue_deliveries(url, options.deliveries)
                deadline = started + options.deliveries / 20 + 120
                while time.monotonic() < deadline and pending_deliveries(url) > 0:
                    time.sleep(1)
                elapsed = time.monotonic() - started
                calls = telegram.state.calls_to("sendMessage")
                deliveries = [
                    c
                    for c in calls
                    if c.ok
                    and c.params["chat_id"] != 6_000_000
                    and "Someone has" in str(c.params.get("text"))
                ]
                per_chat = Counter(c.params["chat_id"] for c in deliveries)
                by_second: dict[int, int] = defaultdict(int)
                for call in calls:
                    by_second[int(call.at)] += 1
                rows += [
                    (
                        f"delivery: {options.deliveries} queued at once",
                        f"drained in {elapsed:.0f} s ({len(deliveries) / elapsed:.1f}/s)",
                        f"busiest second {max(by_second.values())} calls; 429s {sum(1 for c in calls if not c.ok and c.response.get('error_code') == 429)}",
                    ),
                    (
                        "delivery: lost / duplicated",
                        f"{options.deliveries - len(per_chat)} / {sum(n - 1 for n in per_chat.values())}",
                        f"max to one chat: {max(per_chat.values(), default=0)}",
                    ),
                ]
        finally:
            product.stop()
            bare.stop()

    width = max(len(name) for name, _, _ in rows)
    print(
        f"\nConfessions benchmark — {os.cpu_count()} cores, PostgreSQL on loopback, wrk -t2 -c{options.connections}, {options.seconds} s per load\n"
    )
    for name, figure, detail in rows:
        print(f"{name:<{width}}  {figure:<40}  {detail}")


if __name__ == "__main__":
    main()
