"""The FastAPI application: health, the Telegram webhook, the mini-app API and page.

The messaging platform comes in here and nowhere else in the web app: its identity port
(who signed a mini-app request) and its inbound route (the webhook), both from its adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot import telegram_auth, webhook
from bot.bot_api import chat_files
from bot.share import ShareSheet
from core.background import Wakers
from core.inbox import InboxWriter
from core.limits import SharedThrottle
from core.media import build_media_store
from core.settings import Settings
from models.db import Database
from webapp_api.errors import install_error_handlers
from webapp_api.middleware import BodyLimit, RequestLog
from webapp_api.openapi import install_document
from webapp_api.routes import (
    confessions,
    health,
    media,
    metrics,
    preferences,
    safety,
    share,
    words,
)
from webapp_api.shortcuts import install_shortcuts

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 1024 * 1024
"""Updates and API bodies are small; the largest Telegram update is well under this."""

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _no_background_work(_app: FastAPI) -> AsyncIterator[None]:
    yield


def public_base(settings: Settings) -> str:
    """Local media links are absolute behind PUBLIC_URL, else relative to this app."""
    return str(settings.public_url).rstrip("/") if settings.public_url else ""


def create_app(
    settings: Settings,
    database: Database,
    *,
    wakers: Wakers | None = None,
    lifespan: Lifespan | None = None,
) -> FastAPI:
    """Build the app; background work (bot, worker) comes in through `lifespan`, and is woken
    through `wakers` when there is some in this process."""
    inbox_writer = InboxWriter(database)
    background = lifespan or _no_background_work

    @asynccontextmanager
    async def serving(app: FastAPI) -> AsyncIterator[None]:
        async with background(app):
            try:
                yield
            finally:
                await inbox_writer.close()  # before the database it writes to goes

    app = FastAPI(
        title="Confessions",
        version="0.1.0",
        summary="Mini-app API and Telegram webhook of the Confessions bot.",
        lifespan=serving,
        # its own metrics are Prometheus's (/metrics) and its logs JSON lines: FastAPI's
        # OpenTelemetry layer would only ask, on every request, whether anyone configured it
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.database = database
    app.state.inbox_writer = inbox_writer
    app.state.identity = telegram_auth.verifier(settings)
    app.state.card_preparer = ShareSheet(settings)
    app.state.wakers = wakers or Wakers()
    app.state.media_store = build_media_store(settings, base_url=public_base(settings))
    app.state.chat_files = chat_files(settings)
    app.state.api_throttle = SharedThrottle(
        database, scope="api", per_minute=settings.api_requests_per_minute
    )
    install_error_handlers(app)
    install_document(app, settings)
    app.include_router(health.router)
    app.include_router(webhook.router)
    app.include_router(confessions.router)
    app.include_router(preferences.router)
    app.include_router(media.router)
    app.include_router(safety.router)
    app.include_router(metrics.router)
    app.include_router(share.router)
    app.include_router(words.router)  # before the page's mount, which would take /app/words
    install_shortcuts(app, webhook=webhook.telegram_webhook)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, exempt_prefixes=("/media/uploads/",))
    app.add_middleware(RequestLog)
    app.mount("/app", StaticFiles(directory=STATIC, html=True), name="mini-app")
    return app
