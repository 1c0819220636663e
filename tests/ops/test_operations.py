"""What an operator relies on: metrics, logs that keep secrets, graceful shutdown, scaling."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from emulator import BotApiState
from models import InboxUpdate
from tests.bot.flows import send
from tests.conftest import WEBHOOK_SECRET
from tests.support import (
    PROCESS_START_SECONDS,
    Product,
    ServeProcess,
    free_port,
    started,
    wait_until,
    wait_until_ready,
)
from tests.telegram import Person, Webhook, next_update_id


def metric(product: Product, name: str, **labels: str) -> float:
    text = httpx.get(f"{product.url}/metrics").text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def test_metrics_parse_and_count_the_updates_handled(product: Product, alice: Person) -> None:
    before = metric(product, "confessions_updates_total", type="message", outcome="ok")

    alice.command("start")
    alice.command("help")

    after = metric(product, "confessions_updates_total", type="message", outcome="ok")
    assert after - before == 2


def test_metrics_count_bot_api_calls_and_requests(product: Product, alice: Person) -> None:
    alice.command("start")

    assert (
        metric(product, "confessions_bot_api_calls_total", method="sendMessage", result="ok") >= 1
    )
    assert (
        metric(product, "confessions_http_requests_total", route="/telegram/webhook", status="200")
        >= 1
    )


def test_the_outbox_backlog_is_reported(product: Product) -> None:
    text = httpx.get(f"{product.url}/metrics").text

    assert "confessions_outbox_pending" in text
    assert "confessions_outbox_oldest_seconds" in text


@pytest.mark.settings(metrics_token="s3cret")
def test_metrics_need_the_token_when_one_is_set(product: Product) -> None:
    refused = httpx.get(f"{product.url}/metrics")
    allowed = httpx.get(f"{product.url}/metrics", headers={"Authorization": "Bearer s3cret"})

    assert refused.status_code == 403
    assert allowed.status_code == 200


def test_every_response_carries_a_request_id(product: Product) -> None:
    response = httpx.get(f"{product.url}/healthz", headers={"X-Request-ID": "abc123"})

    assert response.headers["x-request-id"] == "abc123"


@pytest.mark.settings(log_level="DEBUG", log_format="json")
def test_logs_never_show_confession_text_or_the_anonymous_sender(
    serve_process: ServeProcess, bot_api: BotApiState, db_engine: Engine
) -> None:
    serve_process.start()
    webhook = Webhook(serve_process.url, WEBHOOK_SECRET, db_engine)
    zelda = Person(webhook, bot_api, "Zelda", username="zelda_hidden", last_name="Hidden")
    bob = Person(webhook, bot_api, "Bob")
    started(bob)

    send(zelda, bob, "my most secret words")
    bob.accepts_request()
    bob.presses("Reveal")
    bob.presses("Reply")
    bob.says("a secret reply")
    zelda.wait_for_message("a secret reply")
    webhook.close()
    serve_process.stop()

    log = serve_process.log()
    assert '"message": "update"' in log
    for secret in (
        "my most secret words",
        "a secret reply",
        "Zelda",
        "zelda_hidden",
        str(zelda.id),
    ):
        assert secret not in log


@pytest.mark.settings(outbox_rate_per_second=5.0, shutdown_timeout_seconds=5)
def test_sigterm_mid_burst_exits_cleanly_and_loses_nothing(
    serve_process: ServeProcess, bot_api: BotApiState, db: Session, db_engine: Engine
) -> None:
    serve_process.start()
    webhook = Webhook(serve_process.url, WEBHOOK_SECRET, db_engine)
    people = [Person(webhook=webhook, bot_api=bot_api, first_name=f"P{n}") for n in range(20)]
    acknowledged: list[tuple[dict[str, Any], Person]] = []
    for person in people:
        update_id = next_update_id()
        update = {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": person.chat,
                "from": person.profile,
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        if webhook.post(update).status_code == 200:
            acknowledged.append((update, person))

    started_at = time.monotonic()
    exit_code = serve_process.terminate()
    stopped_in = time.monotonic() - started_at
    serve_process.start()
    for update, _ in acknowledged:
        webhook.wait_handled(update, timeout=20)
    webhook.close()

    assert exit_code == 0
    assert stopped_in < 5 + 3
    assert len(acknowledged) == len(people)
    greetings = [
        len(bot_api.calls_to("sendMessage", chat_id=person.id)) for _, person in acknowledged
    ]
    assert greetings == [1] * len(acknowledged)


@pytest.mark.settings(background_work=False)
def test_a_separate_worker_process_handles_what_web_only_processes_store(
    product: Product, alice: Person, serve_process: ServeProcess
) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "confessions", "worker"],
        env=serve_process.environment() | {"BACKGROUND_WORK": "true"},
    )
    try:
        # the worker is still starting: a process's imports take seconds on a busy machine
        replies = alice.command("start", timeout=PROCESS_START_SECONDS)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(15)

    assert "Confessions" in (replies[0].content or "")
    assert code == 0


@pytest.mark.settings(background_work=False, worker_niceness=7)
def test_a_worker_process_yields_the_cpu_to_the_webhook(serve_process: ServeProcess) -> None:
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    worker = subprocess.Popen(
        [sys.executable, "-m", "confessions", "worker"],
        env=serve_process.environment() | {"BACKGROUND_WORK": "true"},
    )
    try:
        lowered = wait_until(
            lambda: os.getpriority(os.PRIO_PROCESS, worker.pid) != ours,
            seconds=PROCESS_START_SECONDS,
        )
        niceness = os.getpriority(os.PRIO_PROCESS, worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(15)

    assert lowered
    assert niceness == min(ours + 7, 19)


def test_json_logs_are_one_object_per_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "confessions", "serve", "--port", str(port)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "LOG_FORMAT": "json"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = wait_until_ready(f"http://127.0.0.1:{port}/readyz", seconds=PROCESS_START_SECONDS)
        if ready:
            httpx.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        process.terminate()
        _, log = process.communicate(timeout=15)

    assert ready, log

    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [entry for entry in entries if entry["message"] == "request"]
    assert any(entry["route"] == "/healthz" and entry["status"] == 200 for entry in requests)
    assert all(line.startswith("{") for line in log.splitlines() if line.strip())


def test_handled_updates_are_counted_once_in_the_database(
    db: Session, product: Product, alice: Person
) -> None:
    alice.command("start")

    db.expire_all()
    pending = db.exec(
        select(func.count()).select_from(InboxUpdate).where(col(InboxUpdate.handled_at).is_(None))
    )
    assert pending.one() == 0
