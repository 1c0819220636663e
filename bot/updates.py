"""Telegram's updates as the inbox takes them: read from a webhook body or from polling.

Who sent an update decides the order it is handled in (one user's updates one at a time);
Telegram names the sender in a different field for each kind of update.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from core.inbox import INT64, InboundUpdate, MalformedUpdate

USER_FIELDS = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "pre_checkout_query",
    "message_reaction",
)


MAX_DEPTH = 64
"""Nesting an update may have: Telegram's deepest (a reply's message inside a message, a
keyboard's rows of buttons) stay around ten levels; a hundred thousand would make the JSON
parser, and everything that walks the payload after it, recurse past Python's limit."""
_SUSPECT_NUMBER = re.compile(rb"\d{19}|\d[eE]\+?\d{3}")
"""A number that might not fit: 19 digits or more, or an exponent of three digits. Only
updates holding one (or such digits in their text) are walked to check every number."""
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


def parse(body: bytes) -> InboundUpdate:
    """The update in a webhook body, or MalformedUpdate: too deep, not JSON, or holding a
    number the database cannot store. Checked before the update joins a group commit, where
    it would fail every update stored with it."""
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _too_deep(body):
        raise MalformedUpdate(f"nested deeper than {MAX_DEPTH} levels")
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    except ValueError as error:  # not JSON, or not UTF-8
        raise MalformedUpdate(f"not JSON ({type(error).__name__})") from None
    if not isinstance(payload, dict):
        raise MalformedUpdate("an update is a JSON object")
    if _SUSPECT_NUMBER.search(body) and not _numbers_fit(payload):
        raise MalformedUpdate("a number beyond 64 bits or beyond a double")
    return read(payload)


def read(payload: Any) -> InboundUpdate:
    """An update Telegram sent, as the inbox stores it, or MalformedUpdate."""
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise MalformedUpdate("an update is a JSON object with an integer update_id")
    return InboundUpdate(
        update_id=payload["update_id"], user_id=sender_id(payload), payload=payload
    )


def sender_id(payload: dict[str, Any]) -> int | None:
    """The user whose updates must be handled in order: the sender of this one."""
    for field in USER_FIELDS:
        body = payload.get(field)
        if isinstance(body, dict):
            sender = body.get("from") or body.get("user")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
    return None


def _too_deep(body: bytes) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH; no recursion."""
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', body)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            return True
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _numbers_fit(payload: Any) -> bool:
    """Every integer within BIGINT and every float finite, walked without recursion (the
    depth is already bounded, but a loop costs nothing more)."""
    stack = [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif not _fits(value):
            return False
    return True


def _fits(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return not isinstance(value, int) or isinstance(value, bool) or value in INT64
