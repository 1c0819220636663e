"""/openapi.json as the app really answers: what the middleware and the settings decide is
added to what the routes declare."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from core import text
from core.settings import Settings
from webapp_api.schemas import USER_TEXT

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
EVERY_OPERATION = {413: "The request body is too large."}
WITH_A_BODY = {400: "The body could not be read (FastAPI's answer to a failed read)."}
"""Malformed JSON is a 422, like any other invalid body."""


def install_document(app: FastAPI, settings: Settings) -> None:
    """Built once, on first request, like FastAPI's own."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
            )
            _text_rules(schema, settings)
            _responses_of_the_app(schema)
            _links_to_a_confession(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def _text_rules(schema: dict[str, Any], settings: Settings) -> None:
    """The text rule of `core.text` and the length limits of this deployment's settings."""
    limits = {"confession": settings.confession_max_length, "hint": settings.hint_max_length}
    for component in schema.get("components", {}).get("schemas", {}).values():
        for field in component.get("properties", {}).values():
            kind = field.pop(USER_TEXT, None)
            if kind is not None:
                field["maxLength"] = limits[kind]
                field["pattern"] = text.json_schema_pattern()


def _responses_of_the_app(schema: dict[str, Any]) -> None:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            extra = {**EVERY_OPERATION, **(WITH_A_BODY if "requestBody" in operation else {})}
            responses = operation.setdefault("responses", {})
            for status, description in extra.items():
                responses.setdefault(
                    str(status),
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    },
                )


def _links_to_a_confession(schema: dict[str, Any]) -> None:
    """How a client goes from a list, or from one confession, to what it can do with it (the
    stateful fuzzing follows the same links)."""
    paths = schema.get("paths", {})
    targets = {
        operation["operationId"]: operation["operationId"]
        for path, item in paths.items()
        if path.startswith("/api/v1/confessions/{public_id}")
        for operation in item.values()
    }
    sources = [
        (paths.get("/api/v1/confessions", {}).get("get"), "$response.body#/items/0/id"),
        (paths.get("/api/v1/confessions/{public_id}", {}).get("get"), "$response.body#/id"),
    ]
    for source, expression in sources:
        if source is None:
            continue
        source["responses"]["200"]["links"] = {
            name: {"operationId": target, "parameters": {"public_id": expression}}
            for name, target in targets.items()
        }
