"""One log line and the metrics for every HTTP request, with a request id."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics

log = logging.getLogger("confessions.http")
REQUEST_ID = "x-request-id"


class RequestLog:
    """Pure ASGI, so it adds no buffering to responses; the route is the matched template,
    never the raw path, which would carry confession ids into logs and label sets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, REQUEST_ID) or uuid.uuid4().hex[:16]
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((REQUEST_ID.encode(), request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or _mount(scope)
            metrics.API_REQUESTS.labels(route, scope["method"], str(status)).inc()
            metrics.API_SECONDS.labels(route).observe(seconds)
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


def _header(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key.decode("latin-1").lower() == name:
            text: str = value.decode("latin-1")[:64]
            return text
    return None


def _mount(scope: Scope) -> str:
    """Static files and unknown paths: the first segment only."""
    path: str = scope.get("path", "")
    first = path.strip("/").split("/", 1)[0]
    return f"/{first}/" if first in ("app", "media") else "unmatched"
