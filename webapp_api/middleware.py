"""One log line and the metrics for every HTTP request, with a request id."""

from __future__ import annotations

import json
import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics

log = logging.getLogger("confessions.http")
REQUEST_ID = b"x-request-id"
# What a client or proxy may name its request with: anything else (spaces, `key=value`,
# control characters) would be written into the log line as if the server had said it.
MAX_REQUEST_ID_LENGTH = 64
ACCEPTED_REQUEST_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_REQUEST_ID_LENGTH}}}")
CLIENT_CLOSED_REQUEST = 499
"""The status logged for a request its client hung up on before any answer (as nginx logs
it): the server did not fail, and a 500 would page someone for it."""


class RequestLog:
    """Pure ASGI, so it adds no buffering to responses; the route is the matched template,
    never the raw path, which would carry confession ids into logs and label sets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        status = 0  # until a response starts
        hung_up = False
        started = time.perf_counter()

        async def receive_noting_hang_up() -> Message:
            nonlocal hung_up
            message = await receive()
            hung_up = hung_up or message["type"] == "http.disconnect"
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((REQUEST_ID, request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive_noting_hang_up, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if not status:
                status = CLIENT_CLOSED_REQUEST if hung_up else 500
            route = getattr(scope.get("route"), "path", None) or _mount(scope)
            self._count(route, scope["method"], status, seconds)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                    },
                )

    def _count(self, route: str, method: str, status: int, seconds: float) -> None:
        metrics.requests_counted(route, method, str(status)).inc()
        metrics.request_timed(route).observe(seconds)


def _request_id(scope: Scope) -> str:
    """The caller's id when it is a short token, so its logs and ours line up; else a new one."""
    given = _header(scope, REQUEST_ID, cut_at=MAX_REQUEST_ID_LENGTH + 1)  # too long shows
    if given is not None and ACCEPTED_REQUEST_ID.fullmatch(given):
        return given
    return os.urandom(8).hex()


def _header(scope: Scope, name: bytes, *, cut_at: int = 64) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            text: str = value.decode("latin-1")[:cut_at]
            return text
    return None


def _body_headers(scope: Scope) -> tuple[str | None, bool]:
    """The request's (first) Content-Length, if it gives one, and whether it has a
    Transfer-Encoding."""
    declared: str | None = None
    chunked = False
    for key, value in scope.get("headers", []):
        name = key.lower()
        if name == b"content-length" and declared is None:
            declared = value.decode("latin-1")[:64]
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked


def _mount(scope: Scope) -> str:
    """Static files and unknown paths: the first segment only."""
    path: str = scope.get("path", "")
    first = path.strip("/").split("/", 1)[0]
    return f"/{first}/" if first in ("app", "media") else "unmatched"


class BodyLimit:
    """Refuse a request body over the cap before reading it whole: by its Content-Length, or
    as soon as a streamed body passes the cap (bodies under it are small, so they are read
    here and handed on). Uploads stream to storage under their own cap."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared, chunked = _body_headers(scope)
        if declared is None and not chunked:
            # HTTP/1.1 gives a request a body only by one of these headers (RFC 9112, 6.3),
            # so this one has none to read: the mini app's reads pass straight through
            await self.app(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client hung up mid-body: no request was made, none to answer
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(send)
                return
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": {"code": "too_large", "message": "The request body is too large."}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
