"""`confessions serve | migrate`: the product's one command."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from confessions import logs
from core import metrics
from core.settings import Settings

EXIT_CONFIG = 2


def load_settings() -> Settings:
    """Settings, or one line per wrong variable and exit status 2: no traceback."""
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            variable = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
            message = str(problem["msg"]).removeprefix("Value error, ")
            print(f"confessions: configuration error: {variable}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def migrate(settings: Settings) -> None:
    from models import migrate as migrations

    migrations.upgrade(settings.database)
    logging.getLogger("confessions").info(
        "database at revision %s", migrations.current_revision(settings.database)
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while the product imports and wires itself.

    Start-up makes a few hundred thousand objects that live as long as the process (modules,
    models, mappers, validators), and each collection on the way walked all of them again:
    a fifth of a start's CPU (importing `confessions.runtime`: 2.2 s, 1.75 s without). Little
    garbage is made meanwhile, and what is left is collected once start-up is done."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def serve(settings: Settings, *, host: str, port: int, polling: bool, workers: int) -> None:
    with collector_paused():
        import uvicorn

        from confessions.http_server import CappedHeadHttpTools
        from confessions.runtime import build_web_app, playground_for

        playground = playground_for(settings, _local_address(host, port))
        if playground is not None and (workers > 1 or polling):
            raise SystemExit(
                "confessions: the playground (no BOT_TOKEN) runs in one process without "
                "--polling; set BOT_TOKEN, or PLAYGROUND=false, or drop those options"
            )
        if workers > 1 and polling:
            raise SystemExit("confessions: --polling takes one process; drop --workers")
        if settings.is_embedded_database:
            migrate(settings)
        # with --workers, each process builds its own (`app_from_environment`)
        app = (
            build_web_app(settings, polling=polling, playground=playground)
            if workers == 1
            else None
        )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "http": CappedHeadHttpTools,
        "timeout_graceful_shutdown": int(settings.shutdown_timeout_seconds),
    }
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again to end the
    # process; answering that with exit status 0 tells orchestrators the stop was clean.
    signal.signal(signal.SIGTERM, _stopped_cleanly)
    if app is None:
        metrics.share_between_processes()
        uvicorn.run(
            "confessions.runtime:app_from_environment", factory=True, workers=workers, **options
        )
    else:
        if playground is not None:
            log = logging.getLogger("confessions")
            log.warning("No BOT_TOKEN: running the PLAYGROUND, an emulated Telegram in-process")
            log.info("Playground chat window: %s/playground", playground.address)
        uvicorn.run(app, **options)


def _local_address(host: str, port: int) -> str:
    """How this machine reaches the server it is about to start."""
    reachable = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


def _stopped_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def worker(settings: Settings) -> None:
    if settings.worker_niceness:
        os.nice(settings.worker_niceness)
    with collector_paused():
        from confessions.runtime import run_worker

        if settings.is_embedded_database:
            migrate(settings)
    asyncio.run(run_worker(settings))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="confessions", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve_command = commands.add_parser(
        "serve", help="run the web app, the webhook, the bot and the worker"
    )
    serve_command.add_argument("--host", default="127.0.0.1")
    serve_command.add_argument("--port", type=int, default=8000)
    serve_command.add_argument(
        "--polling", action="store_true", help="fetch updates from Telegram instead of a webhook"
    )
    serve_command.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving HTTP (each also runs the worker unless BACKGROUND_WORK=false)",
    )
    commands.add_parser("migrate", help="bring the database to the newest schema")
    commands.add_parser("worker", help="run the bot, the delivery worker and housekeeping alone")
    return root


def main(argv: Sequence[str] | None = None) -> None:
    arguments = parser().parse_args(argv)
    settings = load_settings()
    logs.configure(settings)
    try:
        if arguments.command == "migrate":
            migrate(settings)
        elif arguments.command == "worker":
            worker(settings)
        else:
            serve(
                settings,
                host=arguments.host,
                port=arguments.port,
                polling=arguments.polling,
                workers=arguments.workers,
            )
    except OSError as error:
        print(f"confessions: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except (OperationalError, InterfaceError) as error:
        # migrating (`migrate`, or `serve` on the embedded database) needs the database now
        from models.db import unreachable

        reason = unreachable(settings.database, error)
        if reason is None:
            raise
        print(f"confessions: {reason}", file=sys.stderr)
        raise SystemExit(1) from None
