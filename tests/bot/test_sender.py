"""The Sender on Telegram: each Bot API answer becomes the outcome the outbox acts on."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bot.bot_api import BotApi
from bot.sender import BotApiSender
from core.outbox import ApiCall, Failed, Outcome, RetryAfter, Sent, Unchanged, Unreachable

CALL = ApiCall("sendMessage", {"chat_id": 1, "text": "hi"})


def telegram_answering(status: int, body: dict[str, Any] | bytes) -> BotApiSender:
    """A sender whose Telegram answers every call with this status and body."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return BotApiSender(BotApi("https://api.example/bot", "1:T", client=client))


def refusal(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {"ok": True, "result": {"message_id": 77}}, Sent(77)),
        (200, {"ok": True, "result": True}, Sent(None)),
        (
            429,
            refusal(429, "Too Many Requests: retry after 7", retry_after=7),
            RetryAfter(7.0, "Too Many Requests: retry after 7"),
        ),
        (429, refusal(429, "Too Many Requests"), RetryAfter(1.0, "Too Many Requests")),
        (
            403,
            refusal(403, "Forbidden: bot was blocked by the user"),
            Unreachable("Forbidden: bot was blocked by the user"),
        ),
        (
            400,
            refusal(400, "Bad Request: message is not modified: specified new message content"),
            Unchanged(),
        ),
        (
            400,
            refusal(400, "Bad Request: chat not found"),
            Failed("Bad Request: chat not found", transient=False),
        ),
        (
            502,
            refusal(502, "Bad Gateway"),
            Failed("Bad Gateway", transient=True),
        ),
        (502, b"<html>nginx</html>", Failed("not a JSON answer", transient=True)),
    ],
)
async def test_telegrams_answer_becomes_an_outcome(
    status: int, body: dict[str, Any] | bytes, expected: Outcome
) -> None:
    assert await telegram_answering(status, body).send(CALL) == expected


async def test_the_network_away_is_a_transient_failure() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(unreachable))
    sender = BotApiSender(BotApi("https://api.example/bot", "1:T", client=client))

    outcome = await sender.send(CALL)

    assert isinstance(outcome, Failed)
    assert outcome.transient
