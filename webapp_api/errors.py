"""One place that turns failures into `{"error": {"code", "message"}}` with the right status."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from core.errors import DomainError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The `responses=` of a route, so /openapi.json documents its error shapes."""
    return {status: {"model": ErrorResponse} for status in statuses}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(_request: Request, error: DomainError) -> JSONResponse:
        retry_after = error.details.get("retry_after")
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return error_response(error.status, error.code, error.detail, headers)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        if first.get("type") == "json_invalid":
            return error_response(422, "invalid_request", "The body is not valid JSON.")
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = (
            f"{where}: {first.get('msg', 'invalid')}" if where else "The request is not valid."
        )
        return error_response(422, "invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 405:
            return _method_not_allowed(request, error)
        code = {404: "not_found", 405: "method_not_allowed", 403: "forbidden"}.get(
            error.status_code, "http_error"
        )
        return error_response(error.status_code, code, str(error.detail), headers=error.headers)

    @app.exception_handler(DataError)
    async def on_unstorable_value(_request: Request, error: DataError) -> JSONResponse:
        """The database refused a value (a NUL byte in text, say): bad input, not an outage
        to retry, whichever route let it through."""
        log.warning("the database refused a value: %s", type(error.orig).__name__)
        return error_response(
            422, "invalid_input", "The request holds a value that cannot be stored."
        )

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OSError)
    async def on_database_down(_request: Request, error: Exception) -> JSONResponse:
        log.warning("storage unavailable: %s", type(error).__name__)
        return error_response(
            503,
            "unavailable",
            "The service is briefly unavailable; try again.",
            {"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        return error_response(500, "internal", "Something went wrong on our side.")


def _method_not_allowed(request: Request, error: StarletteHTTPException) -> Response:
    """Routing names only the first route on the path in `Allow`; a 405 here lists every
    method the path takes, and OPTIONS is answered with that list."""
    declared = (error.headers or {}).get("Allow", "")
    allowed = _methods_of_path(request) or {m.strip() for m in declared.split(",") if m.strip()}
    allow = ", ".join(sorted({*allowed, "OPTIONS"}))
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    return error_response(405, "method_not_allowed", "Method Not Allowed", {"Allow": allow})


def _methods_of_path(request: Request) -> set[str]:
    """Asked of the router itself, method by method. A mount answers any method for routing,
    so only the static page's is read, as the methods StaticFiles serves."""
    methods: set[str] = set()
    routes = []
    for route in request.app.router.routes:
        if not isinstance(route, Mount):
            routes.append(route)
        elif isinstance(route.app, StaticFiles) and route.matches(request.scope)[0] == Match.FULL:
            methods |= {"GET", "HEAD"}
    for method in HTTP_METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            methods.add(method)
    return methods


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
