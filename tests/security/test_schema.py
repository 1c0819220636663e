"""schemathesis against the app's own /openapi.json, in process, with every check and every
phase (examples, coverage, fuzzing, and the stateful one): no 500s, every answer as
documented, valid input accepted and invalid input refused. Real confessions are seeded and
their ids pinned, so the calls reach past 404 to the rules behind them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.pytest.lazy import get_all_tests
from sqlmodel import Session

from bot import telegram_auth
from core.settings import Settings
from models import Confession, ConfessionStatus, ConfessionStyle, User
from models.db import Database
from models.types import utcnow
from webapp_api.app import create_app

SENDER, RECIPIENT = 77, 78
MAX_EXAMPLES = 12
"""Per operation and phase: enough to cross every branch of the schema, small enough for the
suite (the whole module stays around a minute on a loaded two-core machine)."""


@dataclass(frozen=True)
class Seeded:
    delivered: str
    """From the sender to the recipient, not read yet: the sender may still change it."""
    revealed: str
    """Read by the recipient: replies and reactions are open."""


@pytest.fixture
def seeded(db: Session) -> Seeded:
    now = utcnow()
    db.add(User(id=SENDER, first_name="Fuzz", username="fuzz", can_message=True))
    db.add(User(id=RECIPIENT, first_name="Buzz", username="buzz", can_message=True))
    db.flush()
    ids = []
    # the last one the other way, so each caller's received list leads somewhere
    for status, sender, recipient in (
        (ConfessionStatus.DELIVERED, SENDER, RECIPIENT),
        (ConfessionStatus.REVEALED, SENDER, RECIPIENT),
        (ConfessionStatus.DELIVERED, RECIPIENT, SENDER),
    ):
        confession = Confession(
            sender_id=sender,
            recipient_id=recipient,
            status=status,
            text="I think about you every day",
            text_html="I think about you every day",
            queued_at=now,
            delivered_at=now,
            revealed_at=now if status == ConfessionStatus.REVEALED else None,
        )
        db.add(confession)
        db.flush()
        assert confession.id is not None
        db.add(ConfessionStyle(confession_id=confession.id))
        ids.append(confession.public_id)
    db.commit()
    return Seeded(delivered=ids[0], revealed=ids[1])


@pytest.fixture
def api_app(settings: Settings, seeded: Seeded) -> Iterator[FastAPI]:
    database = Database(settings.database)
    yield create_app(settings, database)
    asyncio.run(database.dispose())


def signed_in(settings: Settings, user_id: int) -> dict[str, str]:
    init_data = telegram_auth.sign(
        {"id": user_id, "first_name": "Fuzz"}, bot_token=settings.token or ""
    )
    return {"Authorization": f"tma {init_data}"}


def fuzzing(
    app: FastAPI, *, headers: dict[str, str], public_id: str | None
) -> schemathesis.BaseSchema:
    """Every check and phase on; seeded and derandomized, so a run is repeatable."""
    parameters: dict[str, Any] = {"path.public_id": public_id} if public_id else {}
    config = SchemathesisConfig.from_dict(
        {
            "seed": 20261201,
            "headers": headers,
            "parameters": parameters,
            "checks": {"enabled": True},
            "phases": {"enabled": True},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


CALLERS = {
    "the sender": (SENDER, "delivered"),
    "the recipient": (RECIPIENT, "revealed"),
    "a stranger": (79, "delivered"),
    "nobody signed in": (None, "delivered"),
}


def answers_as_documented(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


# No check is left out. Hundreds of calls come from one user, so the per-minute throttle and
# the media quota (each begun upload holds its cap against it) are raised: reached within the
# run, they are right to refuse. (A full quota answers 413, which schemathesis reads as valid
# input refused; a state of the account, not of the request, it would fit 409 better.)
@pytest.mark.settings(api_requests_per_minute=1_000_000, media_quota_bytes=10**12)
@pytest.mark.parametrize("who", list(CALLERS))
def test_the_api_answers_as_documented(
    api_app: FastAPI, settings: Settings, seeded: Seeded, who: str
) -> None:
    user_id, which = CALLERS[who]
    headers = signed_in(settings, user_id) if user_id else {}
    schema = fuzzing(api_app, headers=headers, public_id=getattr(seeded, which))
    # What `schema.parametrize()` runs per operation (examples, coverage, fuzzing), called
    # here directly: its pytest wrapper renames test nodes in a way pytest 9 no longer allows.
    tests = get_all_tests(
        schema=schema, test_func=answers_as_documented, settings=None, given_kwargs=None
    )
    failures, tried = [], 0
    for result in tests:
        tried += 1
        operation, test = result.ok()  # type: ignore[union-attr]
        try:
            test()
        except (FailureGroup, Exception) as error:  # every operation is tried before failing
            failures.append(f"{operation.label}\n{error}")
    assert tried >= 13, "some operations are missing from /openapi.json"
    assert len(failures) == 0, "\n\n".join(failures)


@pytest.mark.settings(api_requests_per_minute=1_000_000, media_quota_bytes=10**12)
@pytest.mark.parametrize("user_id", [SENDER, RECIPIENT], ids=["the sender", "the recipient"])
def test_sequences_of_calls_answer_as_documented(
    api_app: FastAPI, settings: Settings, seeded: Seeded, user_id: int
) -> None:
    """From the list to one confession and on (the links in /openapi.json), and through an
    upload: begun, completed, read."""
    schema = fuzzing(api_app, headers=signed_in(settings, user_id), public_id=None)
    answered: list[tuple[str, int]] = []

    class Recorded(schema.as_state_machine()):  # type: ignore[misc]
        def after_call(self, response: Any, case: schemathesis.Case[Any]) -> None:
            answered.append((f"{case.method} {case.operation.path}", response.status_code))

    Recorded.run(
        settings=hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )

    followed = {call for call, status in answered if status < 300 and "{public_id}" in call}
    assert followed, f"no link reached a seeded confession: {sorted(set(answered))}"
