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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, get_args

from fastapi import FastAPI
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

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
    """In front of the webhook (the messaging platform's endpoint, which takes the request
    alone) and the two reads."""
    app.router.routes[0:0] = [
        Shortcut("/telegram/webhook", webhook, method="POST", accepts=_any),
        Shortcut(
            "/api/v1/confessions/{public_id}",
            _one_confession,
            method="GET",
            accepts=_a_public_id,
        ),
        Shortcut("/api/v1/confessions", _a_page, method="GET", accepts=_a_plain_page),
    ]


def _any(_path: Mapping[str, Any], _scope: Scope) -> bool:
    return True


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
