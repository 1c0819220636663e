"""The web API asks the platform's IdentityVerifier who is calling, and knows nothing else
of how the platform signs people in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from bot.telegram_auth import InitDataVerifier
from core.errors import Unauthorized
from core.settings import Settings
from core.users import TelegramIdentity
from emulator import ThreadedUvicorn
from models.db import Database
from webapp_api.app import create_app


class OneUserPlatform:
    """A platform that vouches for whoever presents the word "open-sesame"."""

    def verify(self, credentials: str | None) -> TelegramIdentity:
        if credentials != "open-sesame":
            raise Unauthorized("not this platform's word")
        return TelegramIdentity(id=9001, first_name="Wei")


@pytest.fixture
def serve(make_settings: Callable[..., Settings]) -> Iterator[Callable[[FastAPI], str]]:
    """Serves an app built by the test; its URL."""
    servers: list[ThreadedUvicorn] = []

    def start(app: FastAPI) -> str:
        server = ThreadedUvicorn(app)
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def app_for(settings: Settings) -> FastAPI:
    database = Database(settings.database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()

    return create_app(settings, database, lifespan=lifespan)


def test_the_bots_init_data_verifier_is_wired_in(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()

    assert isinstance(app_for(settings).state.identity, InitDataVerifier)


def test_another_platforms_verifier_signs_its_users_in(
    make_settings: Callable[..., Settings], serve: Callable[[FastAPI], str]
) -> None:
    app = app_for(make_settings())
    app.state.identity = OneUserPlatform()
    url = serve(app)

    me = httpx.get(f"{url}/api/v1/me", headers={"Authorization": "open-sesame"})
    refused = httpx.get(f"{url}/api/v1/me", headers={"Authorization": "tma forged"})

    assert (me.status_code, me.json()["id"]) == (200, 9001)
    assert refused.status_code == 401


def test_without_a_verifier_nobody_signs_in(
    make_settings: Callable[..., Settings], serve: Callable[[FastAPI], str]
) -> None:
    url = serve(app_for(make_settings(bot_token=None)))

    response = httpx.get(f"{url}/api/v1/me", headers={"Authorization": "tma anything"})

    assert response.status_code == 401
