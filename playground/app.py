"""The playground's HTTP face: the chat window, its JSON API, and the product behind it.

The playground is its own ASGI app in front of the product: `/playground` is served here and
everything else goes to the product untouched, so the product's routes, limits and logs are
the same as with a real token, and none of this exists when one is set.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from playground.world import (
    BOT,
    PATH,
    TELEGRAM_PATH,
    PeerMessage,
    Playground,
    PlaygroundError,
    PretendUser,
)

STATIC = Path(__file__).parent / "static"
MINI_APP_PAGE = Path(__file__).parent.parent / "webapp_api" / "static" / "index.html"
TELEGRAM_SDK = '<script src="https://telegram.org/js/telegram-web-app.js"></script>'
MAX_MEDIA_BYTES = 50 * 1024 * 1024


def create_playground_app(playground: Playground, product: FastAPI) -> FastAPI:
    """`/playground` here, the rest to the product, whose lifespan runs inside this one."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with product.router.lifespan_context(product):
            try:
                yield
            finally:
                await playground.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.playground = playground
    app.add_exception_handler(PlaygroundError, _playground_error)
    app.include_router(router)
    app.add_api_route("/app/", _mini_app_outside_playground, include_in_schema=False)
    app.mount(TELEGRAM_PATH, playground.telegram, name="playground-telegram")
    app.mount(f"{PATH}/static", StaticFiles(directory=STATIC), name="playground-static")
    app.mount("/", product, name="product")
    return app


async def _playground_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, PlaygroundError)
    return JSONResponse({"error": error.message}, status_code=error.status)


def _playground(request: Request) -> Playground:
    playground: Playground = request.app.state.playground
    return playground


PlaygroundDep = Annotated[Playground, Depends(_playground)]


def _acting_user(user_id: int, playground: PlaygroundDep) -> PretendUser:
    return playground.user(user_id)


ActingUser = Annotated[PretendUser, Depends(_acting_user)]

router = APIRouter(prefix=PATH)


class NewUser(BaseModel):
    first_name: str = Field(min_length=1, max_length=64)
    username: str | None = Field(default=None, max_length=33)


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=4096)


class Press(BaseModel):
    message_id: int
    data: str = Field(min_length=1, max_length=64)


class SharedUser(BaseModel):
    request_id: int
    user_id: int


class InlineQuery(BaseModel):
    query: str = Field(default="", max_length=256)


class InlineChoice(BaseModel):
    query_id: str
    result_id: str
    peer_id: int


@router.get("", include_in_schema=False)
async def chat_window() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


@router.get("/app/", include_in_schema=False)
async def mini_app_page() -> HTMLResponse:
    return HTMLResponse(_mini_app_page(), headers={"Cache-Control": "no-store"})


async def _mini_app_outside_playground() -> HTMLResponse:
    """`/app/` opened straight in a browser. With a bot token the product's page says "Open me
    in Telegram"; here there is no Telegram but the playground's, so this page points to it
    (the mini app inside the playground is served at `/playground/app/`)."""
    return HTMLResponse(_OUTSIDE_PAGE, headers={"Cache-Control": "no-store"})


_OUTSIDE_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Confessions · playground</title>
</head>
<body>
<main>
<h1>Open me in the playground</h1>
<p>This server runs without a bot token, so there is no Telegram to open this mini app in.
The playground is its stand-in: pretend users, their chats with the bot, and this mini app
beside them.</p>
<p><a href="{PATH}">Open the playground</a></p>
</main>
</body>
</html>
"""


@cache
def _mini_app_page() -> str:
    """The product's mini-app page with the playground's Telegram script in place of
    telegram.org's, which a machine without Telegram may not reach; the rest is unchanged."""
    page = MINI_APP_PAGE.read_text()
    page = page.replace(TELEGRAM_SDK, f'<script src="{PATH}/static/telegram-web-app.js"></script>')
    page = page.replace("base-uri 'none'", "base-uri 'self'")
    return page.replace("<head>", '<head>\n<base href="/app/">', 1)


@router.get("/api/view")
async def view(
    playground: PlaygroundDep, user: int, chat: int | None = None, since: int = -1
) -> dict[str, Any]:
    """Everything the chat window shows for one user and one open chat (`chat` empty: the
    bot). Answers only `version` when nothing changed since the one the window has."""
    me = playground.user(user)
    open_peer = None if chat is None else playground.user(chat)
    playground.mark_read(me, open_peer)
    version = playground.version
    if version == since:
        return {"version": version}
    others = [u for u in playground.users.values() if u.id != me.id]
    window: dict[str, Any] = {
        "version": version,
        "bot": {"id": BOT.id, "username": BOT.username, "first_name": BOT.first_name},
        "bot_unread": playground.unread(me, None),
        "users": [
            _person(u) | {"unread": playground.unread_total(u)} for u in playground.users.values()
        ],
        "chats": [
            {
                "peer": _person(other),
                "last": _last(playground.peer_chat(me, other)),
                "unread": playground.unread(me, other),
            }
            for other in others
        ],
        "commands": playground.commands(),
    }
    if chat is None:
        window["messages"] = playground.bot_chat(me)
        keyboard, folded = playground.reply_keyboard(me)
        window["reply_keyboard"] = keyboard
        window["reply_keyboard_folded"] = folded
    else:
        peer = playground.user(chat)
        window["messages"] = [m.to_dict() for m in playground.peer_chat(me, peer)]
        window["reply_keyboard"] = None
        window["reply_keyboard_folded"] = False
    return window


@router.get("/api/users")
async def list_users(playground: PlaygroundDep) -> list[dict[str, Any]]:
    return [_person(user) for user in playground.users.values()]


@router.post("/api/users", status_code=201)
async def add_user(body: NewUser, playground: PlaygroundDep) -> dict[str, Any]:
    return _person(playground.add_user(body.first_name, body.username))


@router.post("/api/users/{user_id}/messages", status_code=204)
async def send_text(body: Text, user: ActingUser, playground: PlaygroundDep) -> None:
    await playground.send_text(user, body.text)


class Start(BaseModel):
    parameter: str = Field(min_length=1, max_length=64)


@router.post("/api/users/{user_id}/start", status_code=204)
async def start(body: Start, user: ActingUser, playground: PlaygroundDep) -> None:
    """A t.me deep link's Start button."""
    await playground.start(user, body.parameter)


@router.post("/api/users/{user_id}/media", status_code=204)
async def send_media(
    user: ActingUser,
    playground: PlaygroundDep,
    file: Annotated[UploadFile, File()],
    caption: Annotated[str, Form(max_length=1024)] = "",
) -> None:
    data = await file.read(MAX_MEDIA_BYTES + 1)
    if len(data) > MAX_MEDIA_BYTES:
        raise PlaygroundError(413, "Telegram takes files up to 50 MB from bots' users here")
    content_type = file.content_type or "application/octet-stream"
    await playground.send_media(user, data, content_type=content_type, caption=caption)


@router.post("/api/users/{user_id}/press")
async def press(body: Press, user: ActingUser, playground: PlaygroundDep) -> dict[str, Any]:
    answer = await playground.press(user, body.message_id, body.data)
    if answer is None:
        return {"answer": None}
    return {"answer": {"text": answer.text, "show_alert": answer.show_alert, "url": answer.url}}


@router.post("/api/users/{user_id}/shared-user", status_code=204)
async def share_user(body: SharedUser, user: ActingUser, playground: PlaygroundDep) -> None:
    await playground.share_user(user, body.request_id, playground.user(body.user_id))


@router.post("/api/users/{user_id}/inline")
async def inline_query(
    body: InlineQuery, user: ActingUser, playground: PlaygroundDep
) -> dict[str, Any]:
    answer = await playground.inline_query(user, body.query)
    results = [
        {"id": r.get("id"), "title": r.get("title"), "description": r.get("description")}
        for r in answer.results
    ]
    return {"query_id": answer.query_id, "results": results}


@router.post("/api/users/{user_id}/inline/choice", status_code=204)
async def choose_inline(body: InlineChoice, user: ActingUser, playground: PlaygroundDep) -> None:
    peer = playground.user(body.peer_id)
    playground.post_inline_result(user, peer, body.query_id, body.result_id)


@router.post("/api/users/{user_id}/peers/{peer_id}/messages", status_code=204)
async def send_to_peer(
    peer_id: int, body: Text, user: ActingUser, playground: PlaygroundDep
) -> None:
    playground.send_to_peer(user, playground.user(peer_id), body.text)


@router.get("/api/users/{user_id}/init-data")
async def init_data(
    user: ActingUser, playground: PlaygroundDep, start_param: str | None = None
) -> dict[str, str]:
    return {"init_data": playground.init_data(user, start_param=start_param)}


@router.get("/api/files/{file_id}")
async def file(file_id: str, playground: PlaygroundDep) -> Response:
    stored = playground.state.file(file_id)
    if stored is None or not stored.data:
        raise PlaygroundError(404, "no such file")
    return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")


def _person(user: PretendUser) -> dict[str, Any]:
    return {"id": user.id, "first_name": user.first_name, "username": user.username}


def _last(messages: list[PeerMessage]) -> str | None:
    """The newest message as the chat list previews it: words only, no markup."""
    if not messages:
        return None
    last = messages[-1]
    text = re.sub(r"<[^>]+>", "", last.text) if last.parse_mode == "HTML" else last.text
    return html.unescape(text)[:80]
