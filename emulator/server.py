"""HTTP front of the emulator: Telegram's URL layout on top of :class:`ServerState`.

Clients differ in how they encode parameters: python-telegram-bot posts
``application/x-www-form-urlencoded`` (or ``multipart/form-data`` when uploading) with every
non-string value JSON-encoded into a string, while a plain ``httpx`` client posts JSON. This
module folds all of them (plus the query string) into one typed ``params`` dict, so the method
handlers and the recorded calls look the same whichever client made the request.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.methods import ApiCall, Upload, dispatch
from emulator.model import ApiError, JSONDict
from emulator.names import canonical_method
from emulator.state import ServerState

#: Parameters whose form-encoded value is a JSON object or array.
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "results",
        "result",
        "media",
        "commands",
        "scope",
        "menu_button",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
        "button",
    }
)
#: Parameters Telegram types as Integer (``chat_id`` may also be an ``@username``).
INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "cache_time",
        "duration",
        "width",
        "height",
        "length",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "video_start_timestamp",
    }
)
#: Parameters Telegram types as Boolean.
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "has_spoiler",
        "supports_streaming",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "show_caption_above_media",
        "for_channels",
    }
)
_INT_RE = re.compile(r"^-?\d+$")
_UNAUTHORIZED: JSONDict = {"ok": False, "error_code": 401, "description": "Unauthorized"}
_NOT_FOUND: JSONDict = {
    "ok": False,
    "error_code": 404,
    "description": "Not Found: method not found",
}
MAX_LONG_POLL_SECONDS = 50
# Form fields (not files) may hold answerInlineQuery results; allow more than Starlette's 1 MB.
_MAX_FIELD_SIZE = 16 * 1024 * 1024


def normalise_param(name: str, value: Any) -> Any:
    """Give a parameter the type Telegram would parse it as.

    Only known parameters are converted: a message text of ``"123"`` or ``"[1]"`` must stay a
    string, so blind JSON-decoding of every value would be wrong.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if name in JSON_PARAMS and text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return value
    if name in INT_PARAMS and _INT_RE.match(text):
        return int(text)
    if name in BOOL_PARAMS and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return value


async def read_params(request: Request) -> tuple[JSONDict, dict[str, Upload]]:
    """Collect query string, JSON, urlencoded and multipart parameters into one dict."""
    raw: JSONDict = dict(request.query_params)
    uploads: dict[str, Upload] = {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON body") from exc
            if not isinstance(data, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            raw.update(data)
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        async with request.form(max_part_size=_MAX_FIELD_SIZE) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data_bytes = await value.read()
                    uploads[key] = Upload(value.filename, value.content_type, data_bytes)
                    raw[key] = {
                        "upload": value.filename,
                        "size": len(data_bytes),
                        "mime_type": value.content_type,
                    }
                else:
                    raw[key] = value
    return {key: normalise_param(key, value) for key, value in raw.items()}, uploads


async def _long_poll(state: ServerState, params: JSONDict, request: Request) -> bool:
    """getUpdates confirms what came before its offset, and with a timeout waits, as
    Telegram's does, until an update is there; False if the client hung up meanwhile."""
    timeout = params.get("timeout")
    offset = params.get("offset")
    start = offset if isinstance(offset, int) else 0
    if start > 0:
        state.confirm_updates(start)
    if not isinstance(timeout, int) or timeout <= 0:
        return True
    deadline = time.monotonic() + min(timeout, MAX_LONG_POLL_SECONDS)
    # The state signals other threads with a threading.Condition; an event loop looks instead.
    while time.monotonic() < deadline and not state.has_updates_after(start):
        if await request.is_disconnected():
            return False
        await asyncio.sleep(0.05)
    return True


def _reply(body: JSONDict) -> JSONResponse:
    status = body.get("error_code", 200)
    return JSONResponse(body, status_code=status if isinstance(status, int) else 500)


def create_emulator_app(state: ServerState, *, token: str) -> Starlette:
    """An ASGI app serving the Bot API for ``token`` from ``state``, plus file downloads and
    the ``/_emulator`` inspection endpoints the browser playground reads."""

    async def api(request: Request) -> Response:
        method = request.path_params["method"]
        name = canonical_method(method)
        try:
            params, uploads = await read_params(request)
        except ApiError as exc:
            body = exc.to_response()
            state.record(name or method, {}, body)
            return _reply(body)
        if request.path_params["token"] != token:
            state.record(name or method, params, _UNAUTHORIZED)
            return _reply(_UNAUTHORIZED)
        if name is None:
            state.record(method, params, _NOT_FOUND)
            return _reply(_NOT_FOUND)
        if name == "getUpdates" and not await _long_poll(state, params, request):
            return Response(status_code=499)  # the bot went away: nothing to answer or record
        call = ApiCall(name, params, uploads)
        body = state.execute(name, params, lambda model: dispatch(model, call))
        delay = state.answer_delay(name, params)
        if delay > 0:
            await asyncio.sleep(delay)
        return _reply(body)

    async def download(request: Request) -> Response:
        if request.path_params["token"] != token:
            return _reply(_UNAUTHORIZED)
        stored = state.file_by_path(request.path_params["file_path"])
        if stored is None:
            return _reply({"ok": False, "error_code": 404, "description": "Not Found"})
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    async def calls(_request: Request) -> Response:
        return JSONResponse([call.to_dict() for call in state.calls])

    async def chats(_request: Request) -> Response:
        return JSONResponse(state.chat_ids)

    async def chat_messages(request: Request) -> Response:
        try:
            chat_id = int(request.path_params["chat_id"])
        except ValueError:
            return JSONResponse({"detail": "chat_id must be an integer"}, status_code=400)
        messages = state.chat_messages(chat_id)
        return JSONResponse([message.to_dict() for message in messages])

    async def reset(_request: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/bot{token}/{method}", api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{file_path:path}", download, methods=["GET"]),
            Route("/_emulator/calls", calls, methods=["GET"]),
            Route("/_emulator/chats", chats, methods=["GET"]),
            Route("/_emulator/chats/{chat_id}/messages", chat_messages, methods=["GET"]),
            Route("/_emulator/reset", reset, methods=["POST"]),
        ]
    )
