"""The web app wakes background work through the one `Wakers` the wiring hands it: the inbox
consumer for a new update, the outbox worker after a unit of work that queued notices, and
neither for what changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import Session

from bot import telegram_auth
from bot.webhook import SECRET_HEADER
from core.background import Wakers
from core.settings import Settings
from models import Confession, ConfessionStatus, ConfessionStyle, User
from models.db import Database
from models.types import utcnow
from tests.conftest import WEBHOOK_SECRET
from webapp_api.app import create_app

SENDER, RECIPIENT = 91, 92


@pytest.fixture
def delivered(db: Session) -> str:
    now = utcnow()
    db.add(User(id=SENDER, first_name="Sender"))
    db.add(User(id=RECIPIENT, first_name="Recipient"))
    db.flush()
    confession = Confession(
        sender_id=SENDER,
        recipient_id=RECIPIENT,
        status=ConfessionStatus.DELIVERED,
        text="I think about you",
        text_html="I think about you",
        queued_at=now,
        delivered_at=now,
    )
    db.add(confession)
    db.flush()
    db.add(ConfessionStyle(confession_id=confession.id or 0))
    db.commit()
    return confession.public_id


@pytest.fixture
def wakers() -> Wakers:
    return Wakers()


@pytest.fixture
async def client(settings: Settings, wakers: Wakers) -> AsyncIterator[httpx.AsyncClient]:
    database = Database(settings.database)
    app = create_app(settings, database, wakers=wakers)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as client,
    ):
        yield client
    await database.dispose()


def signed_in(settings: Settings, user_id: int) -> dict[str, str]:
    init_data = telegram_auth.sign(
        {"id": user_id, "first_name": "R"}, bot_token=settings.token or ""
    )
    return {"Authorization": f"tma {init_data}"}


async def test_a_new_update_wakes_the_inbox_consumer_and_a_repeated_one_does_not(
    client: httpx.AsyncClient, wakers: Wakers
) -> None:
    update = {"update_id": 4242, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
    headers = {SECRET_HEADER: WEBHOOK_SECRET}

    first = await client.post("/telegram/webhook", json=update, headers=headers)
    woken_first = wakers.inbox_event.is_set()
    wakers.inbox_event.clear()
    again = await client.post("/telegram/webhook", json=update, headers=headers)

    assert first.status_code == again.status_code == 200
    assert woken_first
    assert not wakers.inbox_event.is_set()
    assert not wakers.outbox_event.is_set()


async def test_a_forged_update_wakes_nothing(client: httpx.AsyncClient, wakers: Wakers) -> None:
    response = await client.post(
        "/telegram/webhook", json={"update_id": 4243}, headers={SECRET_HEADER: "wrong"}
    )

    assert response.status_code == 403
    assert not wakers.inbox_event.is_set()


async def test_a_reveal_wakes_the_outbox_worker_and_a_read_does_not(
    client: httpx.AsyncClient, wakers: Wakers, settings: Settings, delivered: str
) -> None:
    headers = signed_in(settings, RECIPIENT)

    read = await client.get(f"/api/v1/confessions/{delivered}", headers=headers)
    woken_by_read = wakers.outbox_event.is_set()
    revealed = await client.post(f"/api/v1/confessions/{delivered}/reveal", headers=headers)

    assert read.status_code == revealed.status_code == 200
    assert not woken_by_read
    assert wakers.outbox_event.is_set()
