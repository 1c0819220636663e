"""The busiest routes' shortcuts answer exactly as the FastAPI routes behind them, whatever
is sent, and the request log still names the route, never the confession."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from bot import telegram_auth
from confessions.runtime import build_web_app
from core.settings import Settings
from emulator import ThreadedUvicorn
from models.db import Database
from tests import factories
from tests.conftest import WEBHOOK_SECRET
from tests.support import Product
from tests.telegram import Person
from webapp_api.app import create_app
from webapp_api.shortcuts import Shortcut, WebhookShortcut

# {id} is a confession Alice sent Bob; every request goes out as Alice, as Bob, as a stranger,
# with forged init data and with none
TARGETS = [
    "/api/v1/confessions/{id}",
    "/api/v1/confessions/{id}?box=sent&limit=0",
    "/api/v1/confessions/nothing_here",
    "/api/v1/confessions/" + "a" * 25,
    "/api/v1/confessions/not%20an%20id",
    "/api/v1/confessions/%00",
    "/api/v1/confessions/%D0%B4%D0%B0",
    "/api/v1/confessions",
    "/api/v1/confessions?box=sent",
    "/api/v1/confessions?box=received&limit=1",
    "/api/v1/confessions?box=SENT",
    "/api/v1/confessions?box=",
    "/api/v1/confessions?box=sent&box=received",
    "/api/v1/confessions?limit=0",
    "/api/v1/confessions?limit=50",
    "/api/v1/confessions?limit=51",
    "/api/v1/confessions?limit=+5",
    "/api/v1/confessions?limit=%D9%A3",
    "/api/v1/confessions?limit=1&limit=2",
    "/api/v1/confessions?limit=99999999999999999999999",
    "/api/v1/confessions?limit=" + "9" * 5000,
    "/api/v1/confessions?limit=" + "0" * 5000 + "7",
    "/api/v1/confessions?cursor={id}",
    "/api/v1/confessions?cursor=",
    "/api/v1/confessions?cursor=bad!",
    "/api/v1/confessions?cursor={id}&cursor={id}",
    "/api/v1/confessions?unknown=1",
]


@pytest.fixture
def without_shortcuts(product: Product, settings: Settings) -> Iterator[str]:
    """The same product on the same data, its FastAPI routes answering everything."""
    app = build_web_app(settings)
    app.router.routes = [route for route in app.router.routes if not isinstance(route, Shortcut)]
    app.user_middleware = [
        each for each in app.user_middleware if cast(Any, each.cls) is not WebhookShortcut
    ]
    server = ThreadedUvicorn(app)
    server.start()
    yield server.url
    server.stop()


def callers(settings: Settings, *people: Person) -> dict[str, dict[str, str]]:
    token = settings.token or ""
    signed = {
        person.first_name: {
            "Authorization": "tma " + telegram_auth.sign(person.profile, bot_token=token)
        }
        for person in people
    }
    forged = telegram_auth.sign(people[0].profile, bot_token="1:not-our-bot")
    return {**signed, "forged": {"Authorization": f"tma {forged}"}, "nobody": {}}


def answer(response: httpx.Response) -> tuple[int, str, str]:
    return response.status_code, response.headers.get("content-type", ""), response.text


def test_the_reads_answer_as_their_routes_do(
    product: Product,
    without_shortcuts: str,
    settings: Settings,
    alice: Person,
    bob: Person,
    people: Callable[..., Person],
) -> None:
    public_id = factories.delivered(settings, alice, bob)
    stranger = people("Eve")
    for target in TARGETS:
        path = target.replace("{id}", public_id)
        for who, headers in callers(settings, alice, bob, stranger).items():
            shortcut = httpx.get(product.url + path, headers=headers, timeout=10)
            routed = httpx.get(without_shortcuts + path, headers=headers, timeout=10)

            assert answer(shortcut) == answer(routed), f"{who}: GET {path[:120]}"


@pytest.mark.parametrize("method", ["HEAD", "PUT", "DELETE", "OPTIONS"])
def test_other_methods_answer_as_their_routes_do(
    product: Product,
    without_shortcuts: str,
    settings: Settings,
    alice: Person,
    bob: Person,
    method: str,
) -> None:
    public_id = factories.delivered(settings, alice, bob)
    headers = callers(settings, alice)["Alice"]
    for path in (f"/api/v1/confessions/{public_id}", "/api/v1/confessions", "/telegram/webhook"):
        shortcut = httpx.request(method, product.url + path, headers=headers, timeout=10)
        routed = httpx.request(method, without_shortcuts + path, headers=headers, timeout=10)

        assert answer(shortcut) == answer(routed), f"{method} {path}"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, b'{"update_id": 1}'),
        ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, b'{"update_id": 1}'),
        ({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}, b"{not json"),
        ({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}, b'{"update_id": "one"}'),
        ({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}, b"[]"),
    ],
    ids=["no secret", "wrong secret", "not json", "no update id", "not an object"],
)
def test_the_webhook_answers_as_its_route_does(
    product: Product, without_shortcuts: str, headers: dict[str, str], body: bytes
) -> None:
    shortcut = httpx.post(product.url + "/telegram/webhook", headers=headers, content=body)
    routed = httpx.post(without_shortcuts + "/telegram/webhook", headers=headers, content=body)

    assert answer(shortcut) == answer(routed)


def test_the_webhook_answers_503_while_the_database_is_away(tmp_path: Path) -> None:
    """Telegram sends the update again after a 503, and holds back the ones after it: the
    one refusal the webhook makes that is not about the request itself."""
    settings = Settings(
        _env_file=None,
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        data_dir=tmp_path,
        webhook_secret=WEBHOOK_SECRET,
    )
    with ThreadedUvicorn(create_app(settings, Database(settings.database))) as server:
        answered = httpx.post(
            server.url + "/telegram/webhook",
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            content=b'{"update_id": 1, "message": {"text": "hi"}}',
            timeout=30,
        )

    assert answered.status_code == 503
    assert answered.json()["error"]["code"] == "unavailable"


def test_the_request_log_names_the_route_not_the_confession(
    product: Product, settings: Settings, alice: Person, bob: Person
) -> None:
    public_id = factories.delivered(settings, alice, bob)
    headers = callers(settings, bob)["Bob"]

    assert httpx.get(f"{product.url}/api/v1/confessions/{public_id}", headers=headers).is_success
    metrics = httpx.get(f"{product.url}/metrics").text

    assert 'route="/api/v1/confessions/{public_id}"' in metrics
    assert public_id not in metrics
