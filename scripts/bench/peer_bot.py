"""The peer of `make bench`: a bot written the way popular open-source python-telegram-bot
bots are, to say what handling an update costs in a typical bot on the same machine.

It is python-telegram-bot's own custom-webhook example (Starlette, updates put on the
application's queue, handled one at a time) with the most common storage pattern: one
SQLAlchemy ORM session per update that reads the user, creates them on first sight, writes
one row for the update and commits, then one `sendMessage` through PTB's httpx client. It
is driven exactly as the product is: run.py POSTs the same updates to /telegram/webhook,
with the same secret header, and it calls the same Bot API emulator.

What it does not do, and the product does: it acknowledges an update before storing it (a
crash loses what is queued), stores a re-sent update twice, keeps no order across processes,
sends no notice in the transaction that causes it, and answers every update with one fixed
message instead of walking a composition. So its cost is a floor for a bot, not a rival.

    python peer_bot.py --port 8100 --database-url postgresql+psycopg://… --token 123:abc \
        --base-url http://127.0.0.1:8081/bot --secret bench-secret
"""

from __future__ import annotations

import argparse
import hmac
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

os.environ.setdefault("PTB_TIMEDELTA", "true")  # python-telegram-bot 22's warning, silenced

import uvicorn
from sqlalchemy import BigInteger, DateTime, ForeignKey, String, create_engine, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler


class Base(DeclarativeBase):
    pass


class BotUser(Base):
    __tablename__ = "bot_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HandledUpdate(Base):
    __tablename__ = "handled_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("bot_users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(String(4096))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def build(
    *, database_url: str, token: str, base_url: str, secret: str
) -> tuple[Starlette, Application]:  # type: ignore[type-arg]
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    application = Application.builder().token(token).base_url(base_url).updater(None).build()

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = update.effective_user
        if person is None:
            return
        message = update.effective_message
        with sessions() as session:
            user = session.get(BotUser, person.id)
            if user is None:
                user = BotUser(
                    id=person.id,
                    first_name=person.first_name,
                    language_code=person.language_code,
                )
                session.add(user)
                session.flush()
            session.add(
                HandledUpdate(
                    update_id=update.update_id,
                    user_id=user.id,
                    kind="callback" if update.callback_query else "message",
                    text=update.callback_query.data
                    if update.callback_query
                    else (message.text if message else None),
                )
            )
            session.commit()
            name = user.first_name
        await context.bot.send_message(chat_id=person.id, text=f"Got it, {name}.")

    application.add_handler(TypeHandler(Update, handle))

    async def webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given, secret):
            return Response(status_code=403)
        await application.update_queue.put(
            Update.de_json(data=await request.json(), bot=application.bot)
        )
        return Response()

    async def health(_request: Request) -> Response:
        return Response("ok")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with application:
            await application.start()
            yield
            await application.stop()
        engine.dispose()

    app = Starlette(
        routes=[
            Route("/telegram/webhook", webhook, methods=["POST"]),
            Route("/healthz", health),
        ],
        lifespan=lifespan,
    )
    return app, application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--secret", required=True)
    options = parser.parse_args()
    app, _ = build(
        database_url=options.database_url,
        token=options.token,
        base_url=options.base_url,
        secret=options.secret,
    )
    uvicorn.run(app, host="127.0.0.1", port=options.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
