"""Wiring: one process serves the web app and the webhook and runs the bot and the worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from telegram import Update

from bot.app import build_application, register_commands
from bot.notices import NoticeRenderer
from bot.runner import InboxConsumer
from core import inbox
from core.background import run_until_stopped
from core.housekeeping import Housekeeper
from core.outbox import OutboxWorker
from core.settings import Settings
from core.telegram_api import BotApi
from models.db import Database
from webapp_api.app import create_app

log = logging.getLogger("confessions")

WEBHOOK_PATH = "/telegram/webhook"


def build_web_app(settings: Settings, *, polling: bool = False) -> FastAPI:
    """The ASGI app of `confessions serve`, with the bot and worker in its lifespan."""
    database = Database(settings.database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(database.dispose)
            if settings.token is None:
                log.warning(
                    "Bot not connected: BOT_TOKEN is not set. The web app runs; set BOT_TOKEN "
                    "(from @BotFather) and PUBLIC_URL, or run `confessions serve --polling`."
                )
            else:
                await stack.enter_async_context(
                    _bot_running(app, settings, database, polling=polling)
                )
            yield

    return create_app(settings, database, lifespan=lifespan)


@asynccontextmanager
async def _bot_running(
    app: FastAPI, settings: Settings, database: Database, *, polling: bool
) -> AsyncIterator[None]:
    assert settings.token is not None
    stop = asyncio.Event()
    async with httpx.AsyncClient(timeout=httpx.Timeout(15.0)) as http:
        api = BotApi(settings.telegram_api_base_url, settings.token, client=http)
        wake_outbox = asyncio.Event()
        application = build_application(settings, database, api=api, wake_outbox=wake_outbox.set)
        await application.initialize()
        await register_commands(application)
        worker = OutboxWorker(
            database,
            settings,
            api=api,
            render=NoticeRenderer(settings, application.bot.username),
            wakeup=wake_outbox,
        )
        consumer = InboxConsumer(application, database, settings)
        app.state.on_update_received = consumer.wakeup.set
        app.state.wake_outbox = wake_outbox.set
        jobs: list[Coroutine[Any, Any, None]] = [
            run_until_stopped(consumer, stop),
            run_until_stopped(worker, stop),
            run_until_stopped(Housekeeper(database, settings), stop, idle_seconds=5),
        ]
        if polling:
            await application.bot.delete_webhook()
            jobs.append(_poll(application.bot, database, consumer.wakeup, stop))
            log.info("Bot @%s connected by polling", application.bot.username)
        elif settings.public_url is not None:
            url = str(settings.public_url).rstrip("/") + WEBHOOK_PATH
            await application.bot.set_webhook(
                url,
                secret_token=settings.effective_webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("Bot @%s connected; webhook at %s", application.bot.username, url)
        else:
            log.info(
                "Bot @%s ready; updates are taken at %s", application.bot.username, WEBHOOK_PATH
            )
        tasks = [asyncio.create_task(job) for job in jobs]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await application.shutdown()


async def _poll(bot: Any, database: Database, wakeup: asyncio.Event, stop: asyncio.Event) -> None:
    """Local development without HTTPS: fetch updates and store them as the webhook would."""
    offset = 0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=20, allowed_updates=Update.ALL_TYPES
            )
        except Exception as error:
            log.warning("polling failed (%s); retrying", type(error).__name__)
            await asyncio.sleep(3)
            continue
        async with database.session() as session:
            for update in updates:
                await inbox.receive(session, update.to_dict())
                offset = update.update_id + 1
        if updates:
            wakeup.set()
