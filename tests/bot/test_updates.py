"""Telegram's updates as the inbox takes them: the sender that orders them, or a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from bot import updates
from core.inbox import MalformedUpdate

ANN = {"id": 42, "is_bot": False, "first_name": "Ann"}


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "message": {"message_id": 1, "from": ANN, "chat": {"id": 42}}},
        {"update_id": 1, "callback_query": {"id": "q", "from": ANN, "data": "x"}},
        {"update_id": 1, "inline_query": {"id": "q", "from": ANN, "query": ""}},
        {"update_id": 1, "message_reaction": {"user": ANN, "chat": {"id": 42}}},
    ],
)
def test_the_sender_of_each_kind_of_update_is_found(update: dict[str, Any]) -> None:
    inbound = updates.read(update)

    assert (inbound.update_id, inbound.user_id, inbound.payload) == (1, 42, update)


def test_an_update_from_nobody_has_no_user() -> None:
    assert updates.read({"update_id": 5, "channel_post": {"message_id": 1}}).user_id is None


@pytest.mark.parametrize(
    "body",
    [
        b'{"update_id": "7"}',
        b"[1, 2]",
        b"not json",
        b'{"update_id": 1, "message": {"from": {"id": 1e999}}}',
        b'{"update_id": 123456789012345678901234567890}',
        b"[" * 100 + b"]" * 100,
    ],
)
def test_what_telegram_would_never_send_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedUpdate):
        updates.parse(body)
