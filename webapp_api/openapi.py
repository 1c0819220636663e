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
