"""schemathesis against the app's own /openapi.json, in process: no 500s, responses as
documented, for a signed-in user and for anyone else."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from core import telegram_auth
from core.settings import Settings
from models.db import Database
from webapp_api.app import create_app


@pytest.fixture
def api_app(settings: Settings) -> Iterator[FastAPI]:
    database = Database(settings.database)
    yield create_app(settings, database)
    asyncio.run(database.dispose())


@pytest.fixture
def api_schema(api_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


# What this API promises: no 500s, and every answer as documented. Business rules beyond the
# schema (the length limit is a setting, a hint needs its text) answer 422, on purpose.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def signed_in(settings: Settings) -> dict[str, str]:
    init_data = telegram_auth.sign(
        {"id": 77, "first_name": "Fuzz", "username": "fuzz"}, bot_token=settings.token or ""
    )
    return {"Authorization": f"tma {init_data}"}


@pytest.mark.settings(api_requests_per_minute=1_000_000)
@pytest.mark.parametrize("who", ["signed in", "anonymous"])
def test_the_api_answers_as_documented(
    api_schema: schemathesis.BaseSchema, settings: Settings, who: str
) -> None:
    headers = signed_in(settings) if who == "signed in" else {}
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def answers_as_documented(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_documented()
