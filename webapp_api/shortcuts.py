"""Shortcuts in front of the three busiest routes: the webhook, one confession, a list page.

FastAPI resolves a route's parameters on every request, validates what it returns, and
walks its included routers to find it: for the mini app's one-confession read that was a
quarter of the serve process's CPU under a wrk load (py-spy), more than the read itself.
A shortcut is a plain Starlette route placed first in the router. It takes a request only
when its arguments are plainly valid, reads them itself and calls the very endpoint the
FastAPI route declares; anything else (a malformed id, an out-of-range limit, another
method) it leaves to that route, which answers as it always did. So each route is still
written and documented once, and its errors are still mapped in one place
(`webapp_api.errors`), by the middleware both paths share.

The webhook, which takes the request alone, is taken before the router (`WebhookShortcut`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast, get_args

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from core.read_model import is_public_id
from webapp_api.routes import confessions

Endpoint = Callable[[Request], Awaitable[Response]]
Accepts = Callable[[Mapping[str, Any], Scope], bool]
"""Whether a request, by its path's parameters and its scope, needs nothing FastAPI checks."""


class Shortcut(Route):
    """A route that matches only what `accepts` says needs no validation by FastAPI."""

    def __init__(self, path: str, endpoint: Endpoint, *, method: str, accepts: Accepts) -> None:
        super().__init__(path, endpoint, methods=[method], include_in_schema=False)
        self.method = method
        self.accepts = accepts

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != self.method:
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match is not Match.FULL or not self.accepts(child["path_params"], scope):
            return Match.NONE, {}
        child["route"] = self  # the request log's and the metrics' route label
        return match, child


def install_shortcuts(app: FastAPI, *, webhook: Endpoint) -> None:
    """In front of the webhook (the messaging platform's endpoint) and the two reads. Call
    it before adding the middleware the webhook's requests go through as every other's (the
    request log, the body limit): the webhook's shortcut is then inside them."""
    app.add_middleware(WebhookShortcut, path=WEBHOOK_PATH, endpoint=webhook)
    app.router.routes[0:0] = [
        Shortcut(
            "/api/v1/confessions/{public_id}",
            _one_confession,
            method="GET",
            accepts=_a_public_id,
        ),
        Shortcut("/api/v1/confessions", _a_page, method="GET", accepts=_a_plain_page),
    ]


WEBHOOK_PATH = "/telegram/webhook"


class WebhookShortcut:
    """The webhook's POST, answered by its endpoint before the router, the exception
    middleware and the request wrappers are walked: under a load of updates those layers
    cost more of the serve process's CPU than the endpoint that stores the update (py-spy),
    and the webhook's acknowledgement is what Telegram waits for before sending the next.

    It sits inside the request log and the body limit, so the webhook is still logged,
    counted under its route and capped. A failure is answered by the app's exception
    handler for it, as the exception middleware would; one with none (unexpected) goes on
    to the server-error middleware, as it would from the route."""

    def __init__(self, app: ASGIApp, *, path: str, endpoint: Endpoint) -> None:
        self.app = app
        self.path = path
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        app: Starlette = scope["app"]
        scope["route"] = self  # the request log's and the metrics' route label: its path
        request = Request(scope, receive, send)
        try:
            response = await self.endpoint(request)
        except Exception as error:
            handler = _handler_for(app, error)
            if handler is None:
                raise
            response = await handler(request, error)
        await response(scope, receive, send)


ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


def _handler_for(app: Starlette, error: Exception) -> ExceptionHandler | None:
    """The handler the exception middleware would pick: the nearest class of `error` that
    has one. Those for any Exception (and for 500) are the server-error middleware's."""
    for kind in type(error).__mro__:
        if kind is Exception:
            return None
        handler = app.exception_handlers.get(kind)
        if handler is not None:
            return cast(ExceptionHandler, handler)
    return None


def _a_public_id(path: Mapping[str, Any], _scope: Scope) -> bool:
    return is_public_id(path["public_id"])


async def _one_confession(request: Request) -> Response:
    return await confessions.get_confession(
        request.path_params["public_id"], request, request.headers.get("authorization")
    )


BOXES = frozenset(get_args(confessions.Box))


def _a_plain_page(_path: Mapping[str, Any], scope: Scope) -> bool:
    """Each of the page's parameters at most once, and each as its route allows it."""
    query = QueryParams(scope["query_string"])
    if any(len(query.getlist(name)) > 1 for name in ("box", "cursor", "limit")):
        return False
    box, cursor, limit = query.get("box"), query.get("cursor"), query.get("limit")
    return (
        (box is None or box in BOXES)
        and (cursor is None or is_public_id(cursor))
        and (limit is None or _in_range(limit))
    )


def _in_range(limit: str) -> bool:
    """Plain digits, and few of them: int() refuses a string of over 4,300 digits with an
    error, which here would be a 500 where the route answers 422."""
    low, high = confessions.PAGE_LIMITS
    plain = limit.isascii() and limit.isdigit() and len(limit) <= len(str(high))
    return plain and low <= int(limit) <= high


async def _a_page(request: Request) -> Response:
    query = request.query_params
    limit = query.get("limit")
    return await confessions.list_confessions(
        request,
        request.headers.get("authorization"),
        box="sent" if query.get("box") == "sent" else "received",
        cursor=query.get("cursor"),
        limit=int(limit) if limit is not None else confessions.PAGE_SIZE,
    )
