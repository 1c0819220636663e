"""Who may do what: every API endpoint against every kind of caller, with the exact status."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import pytest

from bot import telegram_auth
from core import consent, lifecycle
from core.settings import Settings
from tests import factories
from tests.support import Product
from tests.telegram import People, Person

SECRET_WORDS = "the words only two people may read"
CALLERS = (
    "sender",
    "recipient before reveal",
    "recipient after reveal",
    "stranger",
    "no auth",
    "forged",
    "expired",
)
STYLE: dict[str, object] = {
    "theme": "blush",
    "accent_color": "#ff6f91",
    "font": "sans",
    "animation": "fade",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    body: Mapping[str, object] | None
    expected: dict[str, int]
    shows_words_to_recipient: bool = False
    """Revealing, and the list once revealed, are where the recipient reads the words."""


def statuses(sender: int, before: int, after: int, stranger: int) -> dict[str, int]:
    return {
        "sender": sender,
        "recipient before reveal": before,
        "recipient after reveal": after,
        "stranger": stranger,
        "no auth": 401,
        "forged": 401,
        "expired": 401,
    }


ENDPOINTS = (
    Endpoint("GET", "/confessions/{id}", None, statuses(200, 200, 200, 404)),
    Endpoint("PATCH", "/confessions/{id}", {"text": "changed"}, statuses(200, 403, 403, 404)),
    Endpoint("PUT", "/confessions/{id}/style", STYLE, statuses(200, 403, 403, 404)),
    Endpoint("POST", "/confessions/{id}/reveal", None, statuses(404, 200, 200, 404), True),
    Endpoint(
        "POST", "/confessions/{id}/reaction", {"reaction": "heart"}, statuses(403, 409, 200, 404)
    ),
    Endpoint("GET", "/confessions/{id}/replies", None, statuses(200, 200, 200, 404)),
    Endpoint("POST", "/confessions/{id}/replies", {"text": "hi"}, statuses(409, 409, 201, 404)),
    Endpoint("GET", "/confessions?box=received", None, statuses(200, 200, 200, 200), True),
    Endpoint("GET", "/me", None, statuses(200, 200, 200, 200)),
    Endpoint("GET", "/themes", None, statuses(200, 200, 200, 200)),
    Endpoint("POST", "/media", {"kind": "image"}, statuses(201, 201, 201, 201)),
    Endpoint("GET", "/media/{id}", None, statuses(404, 404, 404, 404)),
)


@dataclass
class World:
    sender: Person
    recipient: Person
    stranger: Person
    delivered: str
    revealed: str


@pytest.fixture
def world(people: People, product: Product, settings: Settings) -> World:
    """Two confessions from Ann to Ben: one delivered, one revealed; and Cleo, a stranger.
    Made through the domain, as the chat would make them: this file is about the API."""
    ann, ben, cleo = people("Ann", username="ann_s"), people("Ben"), people("Cleo")
    revealed, delivered = asyncio.run(two_confessions(settings, ann, ben))
    return World(ann, ben, cleo, delivered, revealed)


async def two_confessions(settings: Settings, ann: Person, ben: Person) -> tuple[str, str]:
    """The first, a stranger's request, accepted and revealed; the second delivered."""
    async with factories.product_session(settings) as session:
        sender = await factories.started(session, ann)
        recipient = await factories.started(session, ben)
        first = await factories.compose_and_send(
            session, settings, sender, recipient, text=SECRET_WORDS
        )
        await consent.accept(session, first, recipient)
        await factories.delivered_to(session, first, ben)
        await lifecycle.reveal(session, first.public_id, recipient)
        second = await factories.compose_and_send(
            session, settings, sender, recipient, text=SECRET_WORDS
        )
        await factories.delivered_to(session, second, ben)
        return first.public_id, second.public_id


def headers_for(caller: str, world: World, settings: Settings) -> dict[str, str]:
    token = settings.token or ""
    person = {
        "sender": world.sender,
        "recipient before reveal": world.recipient,
        "recipient after reveal": world.recipient,
        "stranger": world.stranger,
        "forged": world.sender,
        "expired": world.sender,
    }.get(caller)
    if person is None:
        return {}
    if caller == "forged":
        token = "1:forged"
    auth_date = int(time.time()) - (10 * 86400 if caller == "expired" else 0)
    init_data = telegram_auth.sign(person.profile, bot_token=token, auth_date=auth_date)
    return {"Authorization": f"tma {init_data}"}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_access(
    endpoint: Endpoint, caller: str, world: World, product: Product, settings: Settings
) -> None:
    confession = world.revealed if caller == "recipient after reveal" else world.delivered
    path = endpoint.path.replace("{id}", confession)
    response = httpx.request(
        endpoint.method,
        f"{product.url}/api/v1{path}",
        json=endpoint.body,
        headers=headers_for(caller, world, settings),
    )

    assert response.status_code == endpoint.expected[caller], response.text
    if caller != "sender":
        assert "Ann" not in response.text
        assert "ann_s" not in response.text
        assert str(world.sender.id) not in response.text
    reader = caller == "recipient after reveal" or (
        caller == "recipient before reveal" and endpoint.shows_words_to_recipient
    )
    if caller != "sender" and not reader:
        assert SECRET_WORDS not in response.text


@pytest.mark.settings(api_requests_per_minute=3)
def test_the_api_limits_each_user_with_429_and_retry_after(
    product: Product, alice: Person, settings: Settings
) -> None:
    init_data = telegram_auth.sign(alice.profile, bot_token=settings.token or "")
    headers = {"Authorization": f"tma {init_data}"}

    answers = [httpx.get(f"{product.url}/api/v1/me", headers=headers) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "limit_reached"
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 61


@pytest.mark.settings(bot_updates_per_minute=3)
def test_the_bot_slows_down_a_flood_and_says_so_once(alice: Person) -> None:
    for _ in range(3):
        alice.command("help")

    first_flood = alice.command("help")
    second_flood = alice.command("help")

    assert len(first_flood) == 1
    assert "Give me" in (first_flood[0].content or "")
    assert second_flood == []


def test_a_body_over_the_cap_is_refused_by_its_declared_length(product: Product) -> None:
    response = httpx.post(
        f"{product.url}/telegram/webhook",
        content=b"x" * (1024 * 1024 + 1),
        headers={"X-Telegram-Bot-Api-Secret-Token": "anything"},
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_streamed_body_is_cut_off_at_the_cap(product: Product) -> None:
    def chunks() -> object:
        for _ in range(40):
            yield b"x" * 65536

    response = httpx.put(
        f"{product.url}/api/v1/confessions/any/style",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413


def test_a_read_that_streams_a_body_is_held_to_the_cap_too(product: Product) -> None:
    """Requests without a body pass the cap's check unread; a GET that sends one anyway
    (chunked, so it declares no length) must not slip through that way."""

    def chunks() -> object:
        for _ in range(40):
            yield b"x" * 65536

    response = httpx.request(
        "GET",
        f"{product.url}/api/v1/confessions/any",
        content=chunks(),  # type: ignore[arg-type]
    )

    assert response.status_code == 413
