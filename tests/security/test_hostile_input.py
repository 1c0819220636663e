"""What a hostile client sends where a secret, a signature or an id is expected: never a 500,
never seconds of CPU, never a forged log line."""

from __future__ import annotations

import logging
import re
import socket
import time

import httpx
import pytest

from bot import telegram_auth
from confessions.logs import TextFormatter
from core import constant_time
from core.settings import Settings
from tests.support import Product, ServeProcess

MALLORY = {"id": 4001, "is_bot": False, "first_name": "Mallory"}
NON_ASCII = "%C3%A9"  # é, as a client percent-encodes it


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def signed_init_data(settings: Settings, *, padding: str) -> str:
    return telegram_auth.sign(MALLORY, bot_token=settings.token or "", padding=padding)


@pytest.mark.parametrize("given", ["\u00e9", "\ud800", "abc\u00e9", "ab"])
def test_secrets_that_are_not_ascii_compare_unequal_instead_of_raising(given: str) -> None:
    assert not constant_time.equal(given, "abc")
    assert constant_time.equal(given, given)


def test_a_non_ascii_init_data_hash_is_unauthorized(product: Product) -> None:
    response = httpx.get(
        f"{product.url}/api/v1/me", headers={"Authorization": f"tma hash={NON_ASCII}"}
    )

    assert response.status_code == 401
    assert error_code(response) == "init_data_bad_signature"


def test_a_non_ascii_webhook_secret_is_forbidden(product: Product) -> None:
    response = httpx.post(
        f"{product.url}/telegram/webhook",
        headers={b"X-Telegram-Bot-Api-Secret-Token": b"\xe9"},
        json={"update_id": 1},
    )

    assert response.status_code == 403
    assert error_code(response) == "forbidden"


def test_a_non_ascii_media_link_signature_is_forbidden(product: Product) -> None:
    expires = int(time.time()) + 600
    read = httpx.get(f"{product.url}/media/files/m/some-key?expires={expires}&sig={NON_ASCII}")
    upload = httpx.put(
        f"{product.url}/media/uploads/u/some-key?expires={expires}&max=10&sig={NON_ASCII}",
        content=b"x",
    )

    assert (read.status_code, upload.status_code) == (403, 403)


@pytest.mark.settings(metrics_token="s3cret")
def test_a_non_ascii_metrics_token_is_forbidden(product: Product) -> None:
    response = httpx.get(f"{product.url}/metrics", headers={b"Authorization": b"Bearer \xe9"})

    assert response.status_code == 403


def test_init_data_over_the_length_cap_is_refused_even_when_signed(
    product: Product, settings: Settings
) -> None:
    padding = "x" * telegram_auth.MAX_INIT_DATA_LENGTH
    response = httpx.get(
        f"{product.url}/api/v1/me",
        headers={"Authorization": f"tma {signed_init_data(settings, padding=padding)}"},
    )

    assert response.status_code == 401
    assert error_code(response) == "init_data_too_large"


def test_init_data_of_a_real_size_is_accepted(product: Product, settings: Settings) -> None:
    padding = "x" * (telegram_auth.MAX_INIT_DATA_LENGTH // 2)
    response = httpx.get(
        f"{product.url}/api/v1/me",
        headers={"Authorization": f"tma {signed_init_data(settings, padding=padding)}"},
    )

    assert response.status_code == 200


def test_the_server_refuses_a_megabyte_of_headers_at_once(serve_process: ServeProcess) -> None:
    serve_process.start()
    head = (
        f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: tma {'k=v&' * 262_144}\r\n\r\n"
    ).encode()

    started = time.monotonic()
    answer = _send_raw(serve_process.port, head)
    seconds = time.monotonic() - started

    status_line = answer.split(b"\r\n", 1)[0]
    assert answer == b"" or re.match(rb"HTTP/1\.1 4\d\d ", status_line), status_line
    assert seconds < 5
    assert httpx.get(f"{serve_process.url}/healthz").status_code == 200


def test_the_server_reads_a_large_body_behind_headers_of_a_real_size(
    serve_process: ServeProcess,
) -> None:
    serve_process.start()
    body = b"x" * 1024 * 1024
    head = (
        "POST /telegram/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: wrong\r\nX-Padding: {'p' * 20_000}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()

    answer = _send_raw(serve_process.port, head + body)

    assert answer.startswith(b"HTTP/1.1 403 "), answer[:80]


def _send_raw(port: int, request: bytes) -> bytes:
    """What the server answers before it closes the connection; b"" when it closes first."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        try:
            connection.sendall(request)
        except OSError:  # closed on us mid-send: refused
            return b""
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
                if b"\r\n" in received:
                    break
        except OSError:
            pass
        return received


FORGED_ID = "x status=500 route=/api/v1/admin user_id=4001"


@pytest.mark.parametrize(
    "hostile_id",
    [FORGED_ID, "a" * 65, "abc\tdef", "id\u00e9", ""],
    ids=["log forging", "too long", "tab", "non-ascii", "empty"],
)
def test_a_request_id_that_is_not_a_short_token_is_replaced(
    product: Product, caplog: pytest.LogCaptureFixture, hostile_id: str
) -> None:
    caplog.set_level(logging.INFO, logger="confessions.http")

    response = httpx.get(
        f"{product.url}/healthz", headers={b"X-Request-ID": hostile_id.encode("utf-8")}
    )

    given = response.headers["x-request-id"]
    assert not hostile_id.startswith(given)  # neither kept nor cut short: a new one
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", given)
    lines = [TextFormatter().format(record) for record in _request_records(caplog)]
    assert any(f"request_id={given} " in line for line in lines)
    assert not any("user_id=4001" in line or "/api/v1/admin" in line for line in lines)


def test_a_short_token_request_id_is_kept(
    product: Product, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="confessions.http")
    request_id = "A" * 32 + "-b_9" + "c" * 28

    response = httpx.get(f"{product.url}/healthz", headers={"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id
    assert any(record.__dict__["request_id"] == request_id for record in _request_records(caplog))


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The request's log line, which the server writes once the response is out: the client
    can have read the answer before it is written, so wait a little for it."""
    deadline = time.monotonic() + 5
    while True:
        found = [record for record in caplog.records if record.name == "confessions.http"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)
