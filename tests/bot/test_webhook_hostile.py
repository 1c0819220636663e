"""The webhook under updates built to break it: one bad update is dropped on its own.

Telegram re-sends whatever gets no 2xx, so an update that can never be stored is
acknowledged and ignored (as malformed updates always were); the updates that arrived with
it, and shared its group commit, are stored and handled as if it had never come.
"""

from __future__ import annotations

import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from emulator import BotApiState
from models import InboxUpdate
from tests.telegram import People, Person, Webhook, next_update_id

BEYOND_64_BITS = 2**64 + 7
VALID_COMPANIONS = 40


def help_update(person: Person, *, update_id: int | None = None) -> dict[str, Any]:
    return {
        "update_id": next_update_id() if update_id is None else update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": person.chat,
            "from": person.profile,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def deeply_nested(depth: int) -> bytes:
    return b'{"update_id": 1, "message": ' + b"[" * depth + b"]" * depth + b"}"


def post_raw(webhook: Webhook, body: bytes) -> httpx.Response:
    return webhook.client.post(
        f"{webhook.url}/telegram/webhook",
        content=body,
        headers={
            "X-Telegram-Bot-Api-Secret-Token": webhook.secret,
            "Content-Type": "application/json",
        },
    )


def post_together(
    webhook: Webhook, bad: bytes, valid: list[dict[str, Any]]
) -> tuple[httpx.Response, list[httpx.Response]]:
    """The bad update and the valid ones at once, so they share the webhook's group commit."""
    half = len(valid) // 2
    with ThreadPoolExecutor(max_workers=len(valid) + 1) as pool:
        before = [pool.submit(webhook.post, update) for update in valid[:half]]
        refused = pool.submit(post_raw, webhook, bad)
        after = [pool.submit(webhook.post, update) for update in valid[half:]]
        return refused.result(), [answer.result() for answer in before + after]


def stored_updates(db: Session) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(InboxUpdate)).one()


def assert_all_acknowledged_and_handled(
    webhook: Webhook, valid: list[dict[str, Any]], answers: list[httpx.Response]
) -> None:
    failed = [answer.status_code for answer in answers if answer.status_code != 200]
    assert not failed, f"{len(failed)} of {len(valid)} valid updates failed: {failed}"
    for update in valid:
        webhook.wait_handled(update, timeout=30)


def assert_ignored(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "ignored": "malformed"}


@pytest.fixture
def companions(people: People) -> list[Person]:
    return [people(f"Companion {n}") for n in range(VALID_COMPANIONS)]


def test_an_update_id_beyond_64_bits_is_dropped_alone(
    webhook: Webhook, companions: list[Person], people: People, db: Session
) -> None:
    bad = help_update(people("Mallory"), update_id=BEYOND_64_BITS)
    valid = [help_update(person) for person in companions]

    refused, answers = post_together(webhook, httpx.Request("POST", "/", json=bad).read(), valid)

    assert_all_acknowledged_and_handled(webhook, valid, answers)
    assert_ignored(refused)
    assert stored_updates(db) == VALID_COMPANIONS


def test_a_sender_id_beyond_64_bits_is_dropped_alone(
    webhook: Webhook, companions: list[Person], people: People, db: Session
) -> None:
    mallory = people("Mallory")
    mallory.id = -BEYOND_64_BITS
    bad = help_update(mallory)
    valid = [help_update(person) for person in companions]

    refused, answers = post_together(webhook, httpx.Request("POST", "/", json=bad).read(), valid)

    assert_all_acknowledged_and_handled(webhook, valid, answers)
    assert_ignored(refused)
    assert stored_updates(db) == VALID_COMPANIONS


def test_a_huge_number_anywhere_in_an_update_is_dropped(
    webhook: Webhook, people: People, db: Session
) -> None:
    update = help_update(people("Mallory"))
    update["message"]["chat"]["id"] = BEYOND_64_BITS
    update["message"]["reply_to_message"] = {"message_id": 2**70, "date": 1}

    assert_ignored(post_raw(webhook, httpx.Request("POST", "/", json=update).read()))
    assert stored_updates(db) == 0


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_a_number_json_cannot_store_is_dropped(
    webhook: Webhook, people: People, db: Session, number: bytes
) -> None:
    body = httpx.Request("POST", "/", json=help_update(people("Mallory"))).read()
    body = body[:-1] + b', "location": {"latitude": ' + number + b', "longitude": 1}}'

    assert_ignored(post_raw(webhook, body))
    assert stored_updates(db) == 0


def test_a_100000_deep_update_is_dropped_alone_without_recursion(
    webhook: Webhook, companions: list[Person], db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    valid = [help_update(person) for person in companions]

    with caplog.at_level(logging.DEBUG):
        refused, answers = post_together(webhook, deeply_nested(100_000), valid)

    assert_all_acknowledged_and_handled(webhook, valid, answers)
    assert_ignored(refused)
    assert stored_updates(db) == VALID_COMPANIONS
    assert "RecursionError" not in caplog.text


def test_a_deep_but_ordinary_update_is_still_taken(
    webhook: Webhook, people: People, bot_api: BotApiState
) -> None:
    """Telegram nests a reply inside a reply's message, keyboards in lists of lists: a few
    dozen levels of nesting stay well within the bound."""
    alice = people("Alice")
    update = help_update(alice)
    update["message"]["reply_markup"] = {"inline_keyboard": [[{"text": "x", "url": "https://x"}]]}
    inner: dict[str, Any] = {"message_id": 9, "date": 1, "chat": alice.chat}
    for _ in range(10):
        inner = {"message_id": 9, "date": 1, "chat": alice.chat, "reply_to_message": inner}
    update["message"]["reply_to_message"] = inner

    webhook.deliver(update)

    assert alice.wait_for_message("How it works")


def post_and_hang_up(webhook: Webhook, update: dict[str, Any]) -> None:
    """The whole update sent, with a Content-Length promising more, and the connection
    closed while the server waits for the rest."""
    body = httpx.Request("POST", "/", json=update).read()
    head = (
        "POST /telegram/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {webhook.secret}\r\n"
        f"Content-Length: {len(body) + 100}\r\n\r\n"
    ).encode()
    host, port = webhook.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head + body)
        time.sleep(0.2)  # read by the server, which now waits for the rest


def test_an_update_whose_sender_hung_up_mid_body_is_not_taken(
    webhook: Webhook, people: People, db: Session
) -> None:
    """A request cut off before its body was whole was never made: Telegram sends it again.
    Here the part that arrived is a whole update on its own, so taking it would act on a
    request its sender gave up on."""
    post_and_hang_up(webhook, help_update(people("Mallory")))

    webhook.deliver(help_update(people("Alice")))

    assert stored_updates(db) == 1


def test_a_request_its_sender_hung_up_on_is_logged_as_499_not_as_a_failure(
    webhook: Webhook, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="confessions.http")

    post_and_hang_up(webhook, help_update(people("Mallory")))
    webhook.deliver(help_update(people("Alice")))

    statuses = [
        record.__dict__["status"] for record in caplog.records if record.name == "confessions.http"
    ]
    assert 499 in statuses
    assert 500 not in statuses
