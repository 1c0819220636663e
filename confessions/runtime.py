"""Wiring: the web app, and the background work (bot, delivery worker, housekeeping).

`serve` runs both in one process; `worker` runs only the background work, so web and
delivery can scale apart. Any number of either share one database safely.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from telegram import Update

from bot.app import build_application, register_commands
from bot.bot_api import connected
from bot.notices import NoticeRenderer
from bot.polling import poll
from bot.runner import InboxConsumer
from bot.sender import BotApiSender
from core.background import Wakers, run_until_stopped
from core.housekeeping import Housekeeper
from core.media import MediaStore, StorageUnavailable, build_media_store
from core.outbox import OutboxWorker
from core.settings import Settings
from models.db import Database
from playground import Playground, create_playground_app
from webapp_api.app import create_app, public_base

log = logging.getLogger("confessions")

WEBHOOK_PATH = "/telegram/webhook"


def playground_for(settings: Settings, address: str) -> Playground | None:
    """The playground, when there is no bot token to run the real bot with and it is wanted.

    Never with a token: then the product talks to Telegram and nothing here exists."""
    if settings.token is not None or not settings.playground:
        return None
    return Playground(address, roster=settings.data_dir / "playground-users.json")


def database_for(settings: Settings) -> Database:
    """The process's database, within its share of PostgreSQL's connections: `serve` and
    `worker` alike."""
    return Database(settings.database, max_connections=settings.database_max_connections)


def build_web_app(
    settings: Settings, *, polling: bool = False, playground: Playground | None = None
) -> FastAPI:
    """The ASGI app of `confessions serve`, with the background work in its lifespan;
    with a playground, the product runs against its emulated Telegram behind the chat window."""
    if playground is not None:
        settings = playground.settings_for(settings)
    database = database_for(settings)
    transport = playground.bot_transport() if playground is not None else None
    wakers = Wakers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(database.dispose)
            await _storage_ready(app.state.media_store)
            if settings.background_work:
                await stack.enter_async_context(
                    background_work(
                        settings, database, wakers=wakers, polling=polling, transport=transport
                    )
                )
            with collector_tuned_for_serving():
                yield

    app = create_app(settings, database, wakers=wakers, lifespan=lifespan)
    if playground is None:
        return app
    playground.connect(app)
    return create_playground_app(playground, app)


YOUNG_COLLECTION_THRESHOLD = 10_000
"""Net allocations between two young collections while the process serves (CPython's
default is 700). A request or an update makes a few hundred objects that live until it is
answered, nearly all freed as soon as it is; with 32 requests in flight the default ran a
young collection for most of them, which found almost nothing to free and cost about a
twentieth of a mini-app read's CPU (14 to 23 µs a request, measured with `gc.callbacks`
under a wrk load). At this threshold none ran in over 50,000 reads: little garbage is
cyclic, so what is left for the collector stays far below it. Requests with 900 KB bodies
that fail (401, 422, a webhook body that is not JSON) left the process no larger than at
the default."""


@contextmanager
def collector_tuned_for_serving() -> Iterator[None]:
    """Keep the garbage collector out of the way of serving: what start-up built is frozen,
    and young collections wait for `YOUNG_COLLECTION_THRESHOLD` net allocations.

    A serve process holds some 200,000 long-lived objects: mappers, compiled statements,
    validators, the bot's handlers. Every older-generation collection walked them all again,
    which was a tenth of the CPU under load; frozen, they are skipped (`make bench`: the
    collector's time fell by two thirds, the webhook's p99 under load from about 135 ms to
    50). No full collection first: it would cost every start (each test's) a tenth of a
    second to save a little memory once. Both are undone at shutdown, so a process that
    builds many apps (the tests) neither keeps their garbage forever nor collects its own
    more rarely."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


async def _storage_ready(store: MediaStore) -> None:
    """Make the bucket or folder; an unreachable S3 is logged, not fatal: uploads say so."""
    try:
        await store.ensure_ready()
    except StorageUnavailable as error:
        log.error("media storage unavailable at start: %s", error.detail)


def app_from_environment() -> FastAPI:
    """The factory uvicorn calls in each process of `serve --workers N`."""
    return build_web_app(Settings())


@asynccontextmanager
async def background_work(
    settings: Settings,
    database: Database,
    *,
    wakers: Wakers | None = None,
    polling: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[None]:
    """The bot's inbox consumer, the outbox worker and housekeeping, until the block ends;
    then each finishes what it holds, within SHUTDOWN_TIMEOUT_SECONDS. `wakers` start them
    at once (the web app's, in `serve`); `transport` stands in for the network to Telegram
    (the playground's emulated one)."""
    wakers = wakers or Wakers()
    if settings.token is None:
        log.warning(
            "Bot not connected: BOT_TOKEN is not set. The web app runs; set BOT_TOKEN "
            "(from @BotFather) and PUBLIC_URL, or run `confessions serve --polling`."
        )
        yield
        return
    stop = asyncio.Event()
    # the process's one client to Telegram: our calls and python-telegram-bot's share it
    async with connected(
        settings.telegram_api_base_url, settings.token, transport=transport
    ) as api:
        store = build_media_store(settings, base_url=public_base(settings))
        application = build_application(
            settings,
            database,
            api=api,
            media_store=store,
            wakers=wakers,
        )
        await application.initialize()
        await register_commands(application)
        worker = OutboxWorker(
            database,
            settings,
            sender=BotApiSender(api),
            render=NoticeRenderer(settings, application.bot.username),
            wakeup=wakers.outbox_event,
        )
        consumer = InboxConsumer(application, database, settings, wakeup=wakers.inbox_event)
        explain = database.unreachable
        housekeeper = Housekeeper(database, settings, store)
        jobs: list[Coroutine[Any, Any, None]] = [
            run_until_stopped(consumer, stop, explain=explain),
            run_until_stopped(worker, stop, explain=explain),
            run_until_stopped(housekeeper, stop, idle_seconds=5, explain=explain),
        ]
        if polling:
            await application.bot.delete_webhook()
            jobs.append(poll(application.bot, database, wakers, stop))
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
            _, unfinished = await asyncio.wait(tasks, timeout=settings.shutdown_timeout_seconds)
            for task in unfinished:
                task.cancel()
            if unfinished:
                log.warning(
                    "stopped %d background jobs that outlived the shutdown timeout", len(unfinished)
                )
            await application.shutdown()


async def run_worker(settings: Settings) -> None:
    """`confessions worker`: the background work alone, until SIGTERM or SIGINT."""
    database = database_for(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        async with background_work(settings, database):
            log.info("worker running")
            with collector_tuned_for_serving():
                await stopping.wait()
            log.info("worker stopping")
    finally:
        await database.dispose()
