"""One client to Telegram: python-telegram-bot's calls travel on our Bot API client."""

from __future__ import annotations

import json

import httpx
import pytest
from prometheus_client import REGISTRY
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.bot_api import BotApi, BotApiRequest

TOKEN = "123:ABC"
ME = {"id": 123, "is_bot": True, "first_name": "Confessions", "username": "confessions_bot"}


def counted(method: str, result: str) -> float:
    value = REGISTRY.get_sample_value(
        "confessions_bot_api_calls_total", {"method": method, "result": result}
    )
    return value or 0.0


def library_bot(transport: httpx.MockTransport) -> tuple[Bot, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=transport)
    request = BotApiRequest(BotApi("https://api.example/bot", TOKEN, client=client))
    bot = Bot(TOKEN, base_url="https://api.example/bot", request=request)
    return bot, client


async def test_the_librarys_calls_go_through_our_client_and_are_counted() -> None:
    seen: list[str] = []

    def telegram(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path.rsplit("/", 1)[-1])
        result = ME if request.url.path.endswith("getMe") else True
        return httpx.Response(200, content=json.dumps({"ok": True, "result": result}))

    bot, client = library_bot(httpx.MockTransport(telegram))
    before = counted("answerCallbackQuery", "ok")

    async with bot:
        await bot.answer_callback_query("q1", "done")

    assert seen == ["getMe", "answerCallbackQuery"]
    assert counted("answerCallbackQuery", "ok") == before + 1
    assert not client.is_closed, "the client belongs to the wiring, not to the library"
    await client.aclose()


@pytest.mark.parametrize(
    ("failure", "raised"),
    [(httpx.ConnectError, NetworkError), (httpx.ReadTimeout, TimedOut)],
)
async def test_the_network_failing_is_the_error_the_library_expects(
    failure: type[httpx.TransportError], raised: type[Exception]
) -> None:
    def telegram(request: httpx.Request) -> httpx.Response:
        raise failure("away", request=request)

    bot, client = library_bot(httpx.MockTransport(telegram))

    with pytest.raises(raised):
        await bot.get_me()
    await client.aclose()
