"""`confessions serve | migrate`: the product's one command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

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


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


def migrate(settings: Settings) -> None:
    from models import migrate as migrations

    migrations.upgrade(settings.database)
    logging.getLogger("confessions").info(
        "database at revision %s", migrations.current_revision(settings.database)
    )


def serve(settings: Settings, *, host: str, port: int, polling: bool) -> None:
    import uvicorn

    from confessions.runtime import build_web_app

    if settings.is_embedded_database:
        migrate(settings)
    uvicorn.run(
        build_web_app(settings, polling=polling),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )


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
    commands.add_parser("migrate", help="bring the database to the newest schema")
    return root


def main(argv: Sequence[str] | None = None) -> None:
    arguments = parser().parse_args(argv)
    settings = load_settings()
    configure_logging(settings)
    try:
        if arguments.command == "migrate":
            migrate(settings)
        else:
            serve(settings, host=arguments.host, port=arguments.port, polling=arguments.polling)
    except OSError as error:
        print(f"confessions: {error}", file=sys.stderr)
        raise SystemExit(1) from None
