"""PostgreSQL restarted under load: 503s while it is away, never a 500 or a hang; then back,
with no 503 once it is up again (a pooled connection it closed is never handed out)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from bot import telegram_auth
from core.settings import Settings
from tests.faults.conftest import PrivateCluster
from tests.support import Product
from tests.telegram import Person


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings], private_postgresql: PrivateCluster
) -> Settings:
    """The product on a cluster of its own, so that restarting it disturbs no other test."""
    return make_settings(
        database_url=private_postgresql.url.render_as_string(hide_password=False),
        api_requests_per_minute=1_000_000,
    )


@pytest.mark.postgres
def test_requests_get_503_while_postgresql_restarts_and_recover_by_themselves(
    product: Product, alice: Person, settings: Settings, private_postgresql: PrivateCluster
) -> None:
    headers = {
        "Authorization": "tma " + telegram_auth.sign(alice.profile, bot_token=settings.token or "")
    }
    seen: list[tuple[int, float]] = []
    started_at: list[float] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                started = time.monotonic()
                started_at.append(started)
                try:
                    status = client.get(
                        f"{product.url}/api/v1/confessions", headers=headers
                    ).status_code
                except httpx.TransportError:
                    status = 0
                seen.append((status, time.monotonic() - started))
                time.sleep(0.02)

    thread = threading.Thread(target=load)
    thread.start()
    try:
        time.sleep(0.5)
        private_postgresql.restart()  # returns once PostgreSQL accepts connections again
        back = time.monotonic()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (seen and seen[-1][0] == 200 and len(seen) > 5):
            time.sleep(0.1)
        time.sleep(1)
    finally:
        stop.set()
        thread.join(30)

    statuses = {status for status, _ in seen}
    assert statuses <= {200, 503}, statuses
    assert max(seconds for _, seconds in seen) < 10
    assert seen[-1][0] == 200
    after_restart = [status for (status, _), at in zip(seen, started_at, strict=False) if at > back]
    assert after_restart, "no request after the restart"
    assert set(after_restart) == {200}, after_restart
