"""`make bench`: the product on PostgreSQL with the Bot API emulator, loaded from wrk on
loopback, side by side with a bare FastAPI endpoint and a peer bot (peer_bot.py, a typical
python-telegram-bot + SQLAlchemy bot); prints one table of figures, each beside its goal.

Every update sent has its own update_id (updates.py), and each part checks afterwards that
the work was done: updates stored against updates acknowledged, updates handled against
updates sent, Bot API calls made, reads answered 200 with the rows they asked for.

Runs for a few minutes; nothing here is a test. Needs PostgreSQL on 127.0.0.1:5432 and wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import updates
from queries import read_costs
from sqlalchemy import Connection, create_engine, func, text
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
PEER_DB = "confessions_bench_peer"
SECRET = "bench-secret"
WARM_SECONDS = 3
"""Of the mini app's reads before each measured load, for the bare endpoint and the product
alike: the product's first seconds open its pool's connections and prepare its statements."""
LANES = 2
"""wrk threads, and so lanes of updates.py: each thread sends its own updates and users."""
MOST_PER_SECOND = 20_000
"""More webhook requests a second than this machine has answered (the bare endpoint's best
was about 10,000): webhook.lua's file of updates holds this many per second of load, and a
run that used them all is refused, not reported."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# update_id ranges, one per load, so no update is sent twice in a run and each load's are
# counted apart
OFFSETS = {
    "webhook": 1 * 10**8,
    "light": 2 * 10**8,
    "split": 3 * 10**8,
    "scale0": 4 * 10**8,
    "scale1": 5 * 10**8,
    "warm": 6 * 10**8,
    "peer_warm": 7 * 10**8,
    "cpu": 8 * 10**8,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fresh_database(name: str = BENCH_DB) -> str:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process, all its threads, from /proc (10 ms resolution)."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS


class PostgresCpu:
    """CPU spent by the PostgreSQL backends serving one database while the block runs.

    Backends are found by their process title ("postgres: … user database host …") and
    sampled every 0.2 s, so one that exits between samples loses at most that much. Not
    counted: the cluster's shared processes (WAL writer, checkpointer, background writer,
    autovacuum), which work for every database at once; the machine is shared, so the
    cluster-wide figure would count other databases' load too. A commit's WAL flush is
    the backend's own work, so it is counted. Backends in `exclude` (this script's own
    polling connection) are left out."""

    def __init__(self, database: str, *, exclude: set[int]) -> None:
        self.database = database
        self.exclude = exclude
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> dict[int, float]:
        found: dict[int, float] = {}
        marker = f" {self.database} "
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in self.exclude:
                continue
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if title.startswith("postgres: ") and marker in title:
                    found[int(entry.name)] = cpu_seconds(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, UnicodeDecodeError):
                continue
        return found

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.last.update(self._sample())

    def __enter__(self) -> PostgresCpu:
        self.first = self._sample()
        self.last = dict(self.first)
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._sampler.join()
        self.last.update(self._sample())

    @property
    def seconds(self) -> float:
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


RESENT = 0
"""In `send_updates`' statuses: the requests that got no answer (the connection failed) and
were sent again."""


def send_updates(url: str, bodies: list[bytes], *, in_flight: int = 32) -> Counter[int]:
    """POST each body once, `in_flight` at a time, as Telegram's webhook would; the statuses.
    A request whose connection fails before its answer is sent again, as Telegram does with
    what gets no answer (the inbox stores an update once, whatever the number of tries), and
    counted under RESENT; a third failure in a row ends the run."""
    statuses: Counter[int] = Counter()

    async def run() -> None:
        pending = iter(bodies)
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:

            async def sender() -> None:
                for body in pending:
                    for tries_left in (2, 1, 0):
                        try:
                            answer = await client.post(url, content=body, headers=headers)
                        except httpx.TransportError:
                            if not tries_left:
                                raise
                            statuses[RESENT] += 1
                        else:
                            statuses[answer.status_code] += 1
                            break

            await asyncio.gather(*(sender() for _ in range(in_flight)))

    asyncio.run(run())
    return statuses


def settle(count: Any, *, quiet: float = 1.0, timeout: float = 60) -> None:
    """Poll `count()` until it has not moved for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    seen, since = count(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.1)
        now = count()
        if now != seen:
            seen, since = now, time.monotonic()


def wait_for(count: Any, target: int, *, timeout: float) -> int:
    """Poll `count()` until it reaches `target` or stops moving for 30 s; its last value."""
    deadline = time.monotonic() + timeout
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = count()
        if now >= target:
            return int(now)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since > 30:
            break
        time.sleep(0.2)
    return int(count())


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
        stderr=product_log(env, f"serve-{port}"),
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    wait_ready(served.url + "/readyz")
    return served


def product_log(env: dict[str, str], name: str) -> IO[bytes]:
    """Where a product process writes its log (warnings and errors): in the run's folder,
    which is kept when the run fails."""
    return (Path(env["DATA_DIR"]).parent / f"{name}.log").open("ab")


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


def serve_peer(token: str, base_url: str, database_url: str) -> Served:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "peer_bot.py"),
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--token",
            token,
            "--base-url",
            base_url,
            "--secret",
            SECRET,
        ],
        stderr=subprocess.DEVNULL,
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    wait_ready(served.url + "/healthz")
    return served


def wrk(
    url: str, script: str, *, seconds: int, connections: int, env: dict[str, str] | None = None
) -> dict[str, float]:
    result = subprocess.run(
        ["wrk", f"-t{LANES}", f"-c{connections}", f"-d{seconds}s", "-s", str(HERE / script), url],
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_LANES": str(LANES), **(env or {})},
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    figures: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


class Webhook:
    """wrk loads of the webhook, each sending updates no other load of the run sends."""

    def __init__(self, folder: Path, *, seconds: int) -> None:
        self.folder = folder
        self.seconds = seconds
        self.files: dict[int, tuple[Path, int]] = {}

    def load(self, url: str, *, offset: int, connections: int) -> dict[str, float]:
        if offset not in self.files:
            count = MOST_PER_SECOND * self.seconds
            path = self.folder / f"updates-{offset}.jsonl"
            self.files[offset] = (
                updates.write_bodies(path, count, offset=offset, lanes=LANES),
                count,
            )
        path, count = self.files[offset]
        figures = wrk(
            url + "/telegram/webhook",
            "webhook.lua",
            seconds=self.seconds,
            connections=connections,
            env={"BENCH_SECRET": SECRET, "BENCH_BODIES": str(path)},
        )
        if figures["requests"] >= count - connections:
            raise SystemExit(f"webhook.lua ran out of updates ({count}); raise MOST_PER_SECOND")
        figures["offset"] = offset
        figures["ids"] = count  # the load's update ids: offset + 1 to offset + count
        return figures


class Inbox:
    """What the product stored and handled, read on one connection of this script's own
    (whose backend PostgresCpu leaves out)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.connection: Connection = self.engine.connect()
        self.backend = int(self.connection.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def count(self, lowest: int, highest: int, *, handled: bool = False) -> int:
        condition = " AND handled_at IS NOT NULL" if handled else ""
        return int(
            self.connection.execute(
                text(
                    "SELECT count(*) FROM inbox_updates"
                    f" WHERE update_id BETWEEN :lowest AND :highest{condition}"
                ),
                {"lowest": lowest, "highest": highest},
            ).scalar_one()
        )

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()


@dataclass
class CpuPerUpdate:
    sent: int
    handled: int
    process_us: float
    postgres_us: float
    bot_api_calls: float
    seconds: float
    resent: int
    """Requests sent again after their connection failed (`send_updates`)."""


def cpu_per_update(
    *,
    url: str,
    pids: list[int],
    database: str,
    exclude: set[int],
    bodies: list[bytes],
    handled: Any,
    telegram: EmulatorServer,
) -> CpuPerUpdate:
    """Send `bodies` once each, wait until `handled()` counts them all and the Bot API
    calls stop (the product sends a turn's answers right after its commit), and divide the
    CPU the processes `pids` and the database's backends spent in that time by the updates
    handled."""
    telegram.state.reset()
    started = time.monotonic()
    with PostgresCpu(database, exclude=exclude) as postgres:
        before = sum(cpu_seconds(pid) for pid in pids)
        statuses = send_updates(url + "/telegram/webhook", bodies)
        done = wait_for(handled, len(bodies), timeout=600)
        settle(lambda: len(telegram.state.calls))
        after = sum(cpu_seconds(pid) for pid in pids)
    resent = statuses.pop(RESENT, 0)
    if set(statuses) != {200}:
        raise SystemExit(f"the webhook answered {dict(statuses)}")
    calls = [c for c in telegram.state.calls if c.method != "getMe"]
    return CpuPerUpdate(
        sent=len(bodies),
        handled=done,
        process_us=(after - before) / max(done, 1) * 1e6,
        postgres_us=postgres.seconds / max(done, 1) * 1e6,
        bot_api_calls=sum(1 for c in calls if c.ok) / max(done, 1),
        seconds=time.monotonic() - started,
        resent=resent,
    )


def over_rounds(rounds: list[CpuPerUpdate]) -> CpuPerUpdate:
    """Several rounds as one: their CPU over all the updates they handled."""
    handled = sum(each.handled for each in rounds)

    def per_update(figures: list[float]) -> float:
        weighed = zip(figures, (each.handled for each in rounds), strict=True)
        return sum(figure * count for figure, count in weighed) / max(handled, 1)

    return CpuPerUpdate(
        sent=sum(each.sent for each in rounds),
        handled=handled,
        process_us=per_update([each.process_us for each in rounds]),
        postgres_us=per_update([each.postgres_us for each in rounds]),
        bot_api_calls=per_update([each.bot_api_calls for each in rounds]),
        seconds=sum(each.seconds for each in rounds),
        resent=sum(each.resent for each in rounds),
    )


def sent_again(figures: CpuPerUpdate) -> str:
    return f"; {figures.resent} sent again after a failed connection" if figures.resent else ""


@dataclass(frozen=True, slots=True)
class ApiLoad:
    """A server's figures over the rounds of one read's load."""

    rates: tuple[float, ...]
    """Requests a second, round by round."""
    rps: float
    """Over all rounds: their requests over their seconds."""
    p99_ms: float
    """The worst round's."""
    non2xx: int
    cpu_us: float
    """The server process's CPU per request, over all rounds."""

    def shares_of(self, bare: ApiLoad) -> list[float]:
        return [ours / theirs for ours, theirs in zip(self.rates, bare.rates, strict=True)]


def api_rounds(
    bare: Served,
    product: Served,
    load: dict[str, str],
    *,
    rounds: int,
    seconds: int,
    connections: int,
) -> tuple[ApiLoad, ApiLoad]:
    """The bare endpoint and the product in turn, `rounds` times: in one pass the bare
    endpoint's rate moved by a fifth between two loads a minute apart, and the share with
    it, so each round pairs loads taken side by side and the figure is over all of them."""
    figures: dict[str, list[dict[str, float]]] = {"bare": [], "product": []}
    cpu: dict[str, float] = {"bare": 0.0, "product": 0.0}
    for _ in range(rounds):
        for name, server in (("bare", bare), ("product", product)):
            before = cpu_seconds(server.process.pid)
            figures[name].append(
                wrk(server.url, "get.lua", seconds=seconds, connections=connections, env=load)
            )
            cpu[name] += cpu_seconds(server.process.pid) - before

    def over(name: str) -> ApiLoad:
        loads = figures[name]
        requests = sum(each["requests"] for each in loads)
        return ApiLoad(
            rates=tuple(each["rps"] for each in loads),
            rps=requests / sum(each["seconds"] for each in loads),
            p99_ms=max(each["p99_ms"] for each in loads),
            non2xx=int(sum(each["non2xx"] for each in loads)),
            cpu_us=cpu[name] / max(requests, 1) * 1e6,
        )

    return over("bare"), over("product")


READERS = 200
PER_READER = 5


def seed_confessions(url: str) -> list[tuple[dict[str, Any], list[str]]]:
    """READERS recipients, each with PER_READER revealed confessions from one sender (the
    size of a received-list page is what the load reads): each reader and their ids."""
    engine = create_engine(url)
    readers: list[tuple[dict[str, Any], list[str]]] = []
    with Session(engine) as session:
        session.add(User(id=7_000_001, first_name="Sender", can_message=True))
        for r in range(READERS):
            session.add(User(id=7_100_000 + r, first_name=f"Reader{r}", can_message=True))
        session.flush()
        for r in range(READERS):
            ids = []
            for _ in range(PER_READER):
                confession = Confession(
                    public_id=new_public_id(),
                    sender_id=7_000_001,
                    recipient_id=7_100_000 + r,
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
                session.add(ConfessionStyle(confession_id=confession.id))  # as a customised one has
                ids.append(confession.public_id)
            readers.append(({"id": 7_100_000 + r, "first_name": f"Reader{r}"}, ids))
        session.commit()
    engine.dispose()
    return readers


Reads = list[tuple[str, str]]
"""Requests of the API load: a target and its Authorization header."""


def reads(readers: list[tuple[dict[str, Any], list[str]]], token: str) -> tuple[Reads, Reads]:
    """Every reader's confessions, each with that reader's own signed init data; and every
    reader's received list."""
    singles: Reads = []
    pages: Reads = []
    for reader, ids in readers:
        auth = "tma " + telegram_auth.sign(reader, bot_token=token)
        singles += [(f"/api/v1/confessions/{public_id}", auth) for public_id in ids]
        pages.append(("/api/v1/confessions?box=received", auth))
    return singles, pages


def api_requests(
    folder: Path, readers: list[tuple[dict[str, Any], list[str]]], token: str
) -> tuple[Path, Path]:
    """get.lua's files of `reads`, a request a line."""
    paths = folder / "api-single.tsv", folder / "api-list.tsv"
    for path, requests in zip(paths, reads(readers, token), strict=True):
        path.write_text("".join(f"{target}\t{auth}\n" for target, auth in requests))
    return paths


def check_reads(url: str, readers: list[tuple[dict[str, Any], list[str]]], token: str) -> None:
    """The reads the load makes answer 200 with the rows asked for, and another reader's
    confession is refused: the load measures real reads behind real checks."""
    (reader, ids), (_, others) = readers[0], readers[1]
    headers = {"Authorization": "tma " + telegram_auth.sign(reader, bot_token=token)}
    one = httpx.get(f"{url}/api/v1/confessions/{ids[0]}", headers=headers)
    listed = httpx.get(f"{url}/api/v1/confessions?box=received", headers=headers)
    foreign = httpx.get(f"{url}/api/v1/confessions/{others[0]}", headers=headers)
    unsigned = httpx.get(f"{url}/api/v1/confessions/{ids[0]}")
    listed_ids = {item["id"] for item in listed.json().get("items", [])}
    if not (
        one.status_code == 200
        and one.json().get("id") == ids[0]
        and listed.status_code == 200
        and listed_ids == set(ids)
        and foreign.status_code == 404
        and unsigned.status_code == 401
    ):
        raise SystemExit(
            f"the API does not read what the load asks: {one.status_code} {listed.status_code} "
            f"{sorted(listed_ids)} against {sorted(ids)}, foreign {foreign.status_code}, "
            f"unsigned {unsigned.status_code}"
        )


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
            session.rollback()  # no transaction left open while it waits
            if waiting == 0:
                break
            time.sleep(0.2)
    engine.dispose()
    return time.monotonic() - started


def stage(name: str) -> None:
    print(f"… {name}", file=sys.stderr, flush=True)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="of each wrk load")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument(
        "--updates",
        type=int,
        default=3000,
        help="sent to the peer and the product for CPU, in each round",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="of the peer's and the product's CPU, and of each API load, taken in turn",
    )
    parser.add_argument(
        "--only",
        default="peer,webhook,split,api,scale,delivery",
        help="comma-separated parts, to iterate on one: peer, webhook, split, api, scale, delivery",
    )
    options = parser.parse_args()
    parts = set(options.only.split(","))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    # (what, figure, goal, detail)
    rows: list[tuple[str, str, str, str]] = []
    folder = Path(tempfile.mkdtemp(prefix="confessions-bench-"))
    webhook = Webhook(folder, seconds=options.seconds)

    with EmulatorServer() as telegram:
        url = fresh_database()
        env = {
            **os.environ,
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_FILE_BASE_URL": telegram.base_file_url,
            "WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": url,
            "DATA_DIR": str(folder / "data"),
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
        peak_rss = 0.0  # the serve process's, over its lives: it is stopped during the split
        inbox = Inbox(url)
        failed = False
        try:
            # the peer: CPU per handled update, the same updates through the same emulator
            if "peer" in parts:
                stage(
                    f"peer and product in turn, {options.rounds} rounds of {options.updates} updates"
                )
                peer_url = fresh_database(PEER_DB)
                peer = serve_peer(telegram.token, telegram.base_url, peer_url)
                peer_inbox = create_engine(peer_url, isolation_level="AUTOCOMMIT")
                try:
                    with peer_inbox.connect() as connection:
                        exclude = {
                            int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
                        }

                        def peer_handled(lowest: int, highest: int) -> int:
                            return int(
                                connection.execute(
                                    text(
                                        "SELECT count(*) FROM handled_updates"
                                        " WHERE update_id BETWEEN :lowest AND :highest"
                                    ),
                                    {"lowest": lowest, "highest": highest},
                                ).scalar_one()
                            )

                        # warm both: every user of every round seen once, each process past
                        # its first requests
                        warm = 2 * updates.USERS_PER_LANE * LANES
                        for subject, first in (
                            (peer, OFFSETS["peer_warm"]),
                            (product, OFFSETS["warm"]),
                        ):
                            for cohort in range(options.rounds):
                                offset = first + cohort * warm
                                lowest, highest = updates.id_range(warm, offset=offset)
                                send_updates(
                                    subject.url + "/telegram/webhook",
                                    list(
                                        updates.bodies(
                                            warm, offset=offset, lanes=LANES, cohort=cohort
                                        )
                                    ),
                                )
                                counter = (
                                    (lambda lo=lowest, hi=highest: peer_handled(lo, hi))
                                    if subject is peer
                                    else (
                                        lambda lo=lowest, hi=highest: inbox.count(
                                            lo, hi, handled=True
                                        )
                                    )
                                )
                                wait_for(counter, warm, timeout=600)
                        settle(lambda: len(telegram.state.calls))

                        # in turns, each round the peer's then the product's, so that both
                        # see the machine as it is in that minute: its speed drifts. Each
                        # round has users of its own, who walk the mix as the first did.
                        their_rounds: list[CpuPerUpdate] = []
                        our_rounds: list[CpuPerUpdate] = []
                        for round_ in range(options.rounds):
                            offset = OFFSETS["cpu"] + round_ * options.updates
                            bodies = list(
                                updates.bodies(
                                    options.updates, offset=offset, lanes=LANES, cohort=round_
                                )
                            )
                            lowest, highest = updates.id_range(options.updates, offset=offset)
                            their_rounds.append(
                                cpu_per_update(
                                    url=peer.url,
                                    pids=[peer.process.pid],
                                    database=PEER_DB,
                                    exclude=exclude,
                                    bodies=bodies,
                                    handled=lambda lo=lowest, hi=highest: peer_handled(lo, hi),
                                    telegram=telegram,
                                )
                            )
                            our_rounds.append(
                                cpu_per_update(
                                    url=product.url,
                                    pids=[product.process.pid],
                                    database=BENCH_DB,
                                    exclude={inbox.backend},
                                    bodies=bodies,
                                    handled=lambda lo=lowest, hi=highest: inbox.count(
                                        lo, hi, handled=True
                                    ),
                                    telegram=telegram,
                                )
                            )
                finally:
                    peer.stop()
                    peer_inbox.dispose()
                theirs, ours_cpu = over_rounds(their_rounds), over_rounds(our_rounds)
                ratio = ours_cpu.process_us / theirs.process_us
                each_round = ", ".join(
                    f"{ours.process_us / peers.process_us:.0%}"
                    f" ({ours.process_us:,.0f} / {peers.process_us:,.0f} µs)"
                    for peers, ours in zip(their_rounds, our_rounds, strict=True)
                )
                rows += [
                    (
                        "handling: CPU per update, peer bot process",
                        f"{theirs.process_us:,.0f} µs",
                        "",
                        f"handled {theirs.handled} of {theirs.sent} in {theirs.seconds:.0f} s; "
                        f"{theirs.bot_api_calls:.2f} Bot API calls each{sent_again(theirs)}",
                    ),
                    (
                        "handling: CPU per update, confessions serve",
                        f"{ours_cpu.process_us:,.0f} µs ({ratio:.0%} of peer)",
                        f"≤ 67% of peer: {verdict(ratio <= 2 / 3)}",
                        f"handled {ours_cpu.handled} of {ours_cpu.sent} in {ours_cpu.seconds:.0f} s; "
                        f"{ours_cpu.bot_api_calls:.2f} Bot API calls each{sent_again(ours_cpu)}; "
                        f"by round {each_round}",
                    ),
                    (
                        "handling: PostgreSQL CPU per update, peer / confessions",
                        f"{theirs.postgres_us:,.0f} / {ours_cpu.postgres_us:,.0f} µs",
                        f"≤ peer: {verdict(ours_cpu.postgres_us <= theirs.postgres_us)}",
                        "the database's own backends; shared WAL and checkpoint work not counted",
                    ),
                ]

            # webhook, handled in the serve process
            base: dict[str, float] = {"rps": float("nan")}
            ours: dict[str, float] = {"rps": float("nan")}
            if parts & {"webhook", "split"}:
                stage("bare webhook")
                base = webhook.load(
                    bare.url, offset=OFFSETS["webhook"], connections=options.connections
                )
                rows.append(
                    (
                        "webhook: bare endpoint",
                        f"{base['rps']:.0f} req/s",
                        "",
                        f"p50 {base['p50_ms']:.1f} ms, p99 {base['p99_ms']:.1f} ms",
                    )
                )
            if "webhook" in parts:
                stage("webhook load")
                ours = webhook.load(
                    product.url, offset=OFFSETS["webhook"], connections=options.connections
                )
                drain = drained(url, timeout=600)
                rows += webhook_rows(
                    "webhook: one serve process handling too",
                    ours,
                    base,
                    drain,
                    inbox,
                    goal=False,
                )
                stage("webhook under light load")
                light = webhook.load(product.url, offset=OFFSETS["light"], connections=2)
                rows.append(
                    (
                        "webhook under light load (2 connections)",
                        f"{light['rps']:.0f} req/s",
                        f"p99 < 50 ms: {verdict(light['p99_ms'] < 50)}",
                        f"p50 {light['p50_ms']:.1f} ms, p99 {light['p99_ms']:.1f} ms",
                    )
                )
                drained(url, timeout=600)

            # the webhook of a web-only process, the bot's handling in a worker process beside it
            if "split" in parts:
                stage("web-only serve process beside a worker")
                # these two alone: the serve process of the other parts handles updates too,
                # and left running it took them from the worker and the CPU from the web-only
                # process (about 0.7 of a core during the load, the worker 0.1 to 0.3)
                peak_rss = max(peak_rss, product.peak_rss_mb())
                product.stop()
                web_only = serve_product({**env, "BACKGROUND_WORK": "false"})
                worker = subprocess.Popen(
                    [sys.executable, "-m", "confessions", "worker"],
                    env=env,
                    stderr=product_log(env, "worker"),
                )
                try:
                    split = webhook.load(
                        web_only.url, offset=OFFSETS["split"], connections=options.connections
                    )
                    split_drain = drained(url, timeout=600)
                finally:
                    worker.terminate()
                    worker.wait(30)
                    web_only.stop()
                    product = serve_product(env)
                rows += webhook_rows(
                    "webhook: web-only serve + worker process",
                    split,
                    base,
                    split_drain,
                    inbox,
                    goal=True,
                )

            # mini-app API
            if "api" in parts:
                stage("mini-app API load")
                readers = seed_confessions(url)
                check_reads(product.url, readers, telegram.token)
                single, page = api_requests(folder, readers, telegram.token)
                for name, requests in (("one confession", single), ("received list page", page)):
                    load = {"BENCH_REQUESTS": str(requests)}
                    for server in (bare, product):  # each measured warm: pools filled, plans made
                        wrk(
                            server.url,
                            "get.lua",
                            seconds=WARM_SECONDS,
                            connections=options.connections,
                            env=load,
                        )
                    base_api, ours_api = api_rounds(
                        bare,
                        product,
                        load,
                        rounds=options.rounds,
                        seconds=options.seconds,
                        connections=options.connections,
                    )
                    share = ours_api.rps / base_api.rps
                    served_all = ours_api.non2xx == 0  # a refusal is cheap: it would count
                    each_round = ", ".join(f"{each:.0%}" for each in ours_api.shares_of(base_api))
                    rows += [
                        (
                            f"API, {name}: bare endpoint",
                            f"{base_api.rps:.0f} req/s",
                            "",
                            f"p99 {base_api.p99_ms:.1f} ms; "
                            f"{base_api.cpu_us:.0f} µs of its process's CPU a request",
                        ),
                        (
                            f"API, {name}: confessions",
                            f"{ours_api.rps:.0f} req/s ({share:.0%} of bare)",
                            f"≥ 33%, p99 < 50 ms: "
                            f"{verdict(share >= 0.33 and ours_api.p99_ms < 50 and served_all)}",
                            f"p99 {ours_api.p99_ms:.1f} ms; non-2xx {ours_api.non2xx}; "
                            f"{ours_api.cpu_us:.0f} µs of serve CPU a request; "
                            f"by round {each_round}; {READERS} readers",
                        ),
                    ]
                costs = read_costs(url, readers[0][1], readers[0][0]["id"])
                rows.append(
                    (
                        "  CPU per read: psycopg / Core / the API's read / the ORM's",
                        f"{costs['driver']:.2f} / {costs['core']:.2f} / {costs['product']:.2f}"
                        f" / {costs['orm']:.2f} ms",
                        "",
                        "in this process, 16 in flight",
                    )
                )

            if parts & {"webhook", "api"}:
                rss = max(peak_rss, product.peak_rss_mb())
                rows.append(
                    (
                        "memory: one serve process",
                        f"{rss:.0f} MB peak RSS",
                        f"< 150 MB: {verdict(rss < 150)}",
                        "after the loads above",
                    )
                )

            # scale-out
            if "scale" in parts:
                stage("two processes")
                second = serve_product(env)
                try:
                    with ThreadPoolExecutor(2) as pool:
                        two = list(
                            pool.map(
                                lambda k: webhook.load(
                                    (product, second)[k].url,
                                    offset=OFFSETS[f"scale{k}"],
                                    connections=options.connections // 2,
                                ),
                                (0, 1),
                            )
                        )
                    drained(url, timeout=600)
                finally:
                    second.stop()
                together = sum(r["rps"] for r in two)
                rows.append(
                    (
                        "scale-out: 2 serve processes, webhook at once",
                        f"{together:.0f} req/s together"
                        + (f" ({together / ours['rps']:.1f}x one)" if "webhook" in parts else ""),
                        "",
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
                # the sending rate, from the first delivery to the last; the drain time
                # beside it also counts queueing them and the trailing "delivered" notices
                span = deliveries[-1].at - deliveries[0].at if len(deliveries) > 1 else 0.0
                rate = (len(deliveries) - 1) / span if span > 0 else 0.0
                too_many = sum(1 for c in calls if not c.ok and c.response.get("error_code") == 429)
                lost = options.deliveries - len(per_chat)
                doubled = sum(n - 1 for n in per_chat.values())
                most = max(per_chat.values(), default=0)
                rows += [
                    (
                        f"delivery: {options.deliveries} queued at once",
                        f"{rate:.1f}/s ({rate / 30:.0%} of 30/s)",
                        f"≥ 95% of 30/s, no 429: {verdict(rate >= 28.5 and too_many == 0)}",
                        f"drained in {elapsed:.0f} s; busiest second {max(by_second.values())} "
                        f"calls; 429s {too_many}",
                    ),
                    (
                        "delivery: lost / duplicated",
                        f"{lost} / {doubled}",
                        f"0 / 0, ≤ 1 per chat: {verdict(lost == 0 and doubled == 0 and most <= 1)}",
                        f"most to one chat: {most}",
                    ),
                ]
        except BaseException:
            print(f"\nthe run failed; its logs are kept in {folder}", file=sys.stderr)
            failed = True
            raise
        finally:
            inbox.close()
            product.stop()
            bare.stop()
            if not failed:
                shutil.rmtree(folder, ignore_errors=True)

    print(
        f"\nConfessions benchmark — {os.cpu_count()} cores, PostgreSQL on loopback, "
        f"wrk -t{LANES} -c{options.connections}, {options.seconds} s per load, "
        f"{options.updates} updates to the peer and the product\n"
    )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0], strict=True)))


def webhook_rows(
    name: str,
    load: dict[str, float],
    base: dict[str, float],
    drain: float,
    inbox: Inbox,
    *,
    goal: bool,
) -> list[tuple[str, str, str, str]]:
    """The acknowledgement rate beside the bare endpoint's, and what became of the updates:
    stored against acknowledged (wrk counts answers; up to one update per connection was
    still in flight when it stopped), handled end to end. Counted over all the ids the load
    could have sent: its two threads each send every other line of the file, and one may
    run ahead of the other by thousands of lines."""
    lowest, highest = updates.id_range(int(load["ids"]), offset=int(load["offset"]))
    stored = inbox.count(lowest, highest)
    handled = inbox.count(lowest, highest, handled=True)
    acknowledged = int(load["requests"] - load["non2xx"])
    share = load["rps"] / base["rps"]
    return [
        (
            name,
            f"{load['rps']:.0f} req/s ({share:.0%} of bare)",
            f"≥ 50% of bare: {verdict(share >= 0.5)}" if goal else "(goal is for the split)",
            f"p50 {load['p50_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms; "
            f"non-2xx {load['non2xx']:.0f}; stored {stored} of {acknowledged} acknowledged",
        ),
        (
            "  updates handled end to end",
            f"{handled / (load['seconds'] + drain):.0f} updates/s",
            "",
            f"{handled} unique updates; inbox drained {drain:.1f} s after the load",
        ),
    ]


if __name__ == "__main__":
    main()
