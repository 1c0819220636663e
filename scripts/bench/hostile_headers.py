"""What a huge Authorization header costs `confessions serve`: the server's CPU per request,
and /healthz's latency while four clients keep sending such headers.

Runs the playground (no settings, SQLite in a temporary folder) on loopback and reads the
server process's CPU time from /proc. Run from a checkout: `python scripts/bench/hostile_headers.py`
(PYTHONPATH chooses which code is measured).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def hostile(megabytes: float) -> str:
    return "tma " + "k=v&" * int(megabytes * 1024 * 1024 / 4)


def send(url: str, authorization: str | None) -> str:
    headers = {"Authorization": authorization} if authorization else {}
    try:
        return str(httpx.get(url, headers=headers, timeout=30).status_code)
    except httpx.TransportError as error:
        return type(error).__name__


def cost(pid: int, url: str, authorization: str | None, count: int) -> tuple[float, set[str]]:
    outcomes: set[str] = set()
    before = cpu_seconds(pid)
    for _ in range(count):
        outcomes.add(send(url, authorization))
    return (cpu_seconds(pid) - before) / count, outcomes


def keep_alive_cost(pid: int, url: str, count: int) -> float:
    """CPU per request on one kept-alive connection: mostly the HTTP parser and the app."""
    with httpx.Client(timeout=30) as client:
        client.get(url)
        before = cpu_seconds(pid)
        for _ in range(count):
            client.get(url)
        return (cpu_seconds(pid) - before) / count


def healthz_p50(base: str, *, senders: int, seconds: float) -> tuple[float, int]:
    """/healthz's median latency while `senders` clients each keep sending 1 MB headers."""
    stop = threading.Event()
    sent = [0]

    def flood() -> None:
        authorization = hostile(1)
        while not stop.is_set():
            send(f"{base}/api/v1/me", authorization)
            sent[0] += 1

    threads = [threading.Thread(target=flood) for _ in range(senders)]
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=30) as client:
        while time.monotonic() < deadline:
            started = time.monotonic()
            client.get(f"{base}/healthz")
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(60)
    return statistics.median(latencies), sent[0]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        environment = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "DATA_DIR": folder,
            "LOG_LEVEL": "WARNING",
            "PTB_TIMEDELTA": "true",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "confessions", "serve", "--port", str(port)],
            env=environment,
            cwd=folder,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            cost(server.pid, f"{base}/healthz", None, 50)  # warm up
            rows = [
                ("/healthz, no Authorization", None, 500),
                ("/api/v1/me, 1 MB of k=v& init data", hostile(1), 10),
                ("/api/v1/me, 5 MB of k=v& init data", hostile(5), 4),
            ]
            for label, authorization, count in rows:
                seconds, outcomes = cost(
                    server.pid, f"{base}{label.split(',')[0]}", authorization, count
                )
                print(
                    f"{label:40} {seconds * 1000:9.2f} ms CPU/request   answers {sorted(outcomes)}"
                )
            seconds = keep_alive_cost(server.pid, f"{base}/healthz", 3000)
            print(
                f"{'/healthz, one kept-alive connection':40} {seconds * 1000:9.2f} ms CPU/request"
            )
            p50, sent = healthz_p50(base, senders=4, seconds=5)
            print(
                f"{'/healthz p50, 4 senders of 1 MB headers':40} {p50 * 1000:9.1f} ms         ({sent} hostile requests in 5 s)"
            )
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
