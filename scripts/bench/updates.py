"""The updates every webhook load sends, made in one place: each has an update_id no other
update of the run has, and each user walks a composition the way a person would.

Earlier the mix came from webhook.lua's own counters, and two mistakes made part of the load
no work at all: a `local thread_id` hid the value `setup()` gave each wrk thread, so both
threads sent the same update ids and about half the updates were duplicates the product
rightly skipped; and the kind of update followed the user (`counter % 500` and `counter % 5`),
so one user only ever sent `/new`, another only text with no draft to put it in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

USERS_PER_LANE = 250
"""Users of one lane (one wrk thread): each sends its next step after the lane has given
every other user of the lane theirs, so 32 connections carry many users' updates at once."""
FIRST_USER = 9_000_000
STEPS = ("/new", "@load_friend", "text", "skipmedia", "stale_button", "/help")
"""One composition, as a person goes through it: start, name a recipient, write the words,
skip the photo; then a button from an old message (a reveal of nothing) and the help."""


def _user(uid: int) -> dict[str, object]:
    return {
        "id": FIRST_USER + uid,
        "is_bot": False,
        "first_name": f"Load{uid}",
        "language_code": "en",
    }


def _message(update_id: int, uid: int, text: str) -> dict[str, object]:
    message: dict[str, object] = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": FIRST_USER + uid, "type": "private"},
        "from": _user(uid),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


def _callback(update_id: int, uid: int, data: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": _user(uid),
            "chat_instance": "x",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": FIRST_USER + uid, "type": "private"},
                "text": "x",
            },
        },
    }


def update(n: int, *, offset: int, lanes: int = 2, cohort: int = 0) -> dict[str, object]:
    """The n-th update of a run (from 0), with update_id offset + n + 1. Update n belongs to
    lane n % lanes, so wrk's thread t sends n = t, t + lanes, … and no two threads share an
    id or a user. Each `cohort` has users of its own, so that a run measured in rounds walks
    the same mix in each, with users who are where the first round's were."""
    lane, k = n % lanes, n // lanes
    uid = (cohort * lanes + lane) * USERS_PER_LANE + k % USERS_PER_LANE
    step = STEPS[(k // USERS_PER_LANE) % len(STEPS)]
    update_id = offset + n + 1
    if step == "@load_friend":
        return _message(update_id, uid, f"@load_friend_{uid}")
    if step == "text":
        return _message(update_id, uid, "I have been meaning to tell you something")
    if step == "skipmedia":
        return _callback(update_id, uid, "skipmedia")
    if step == "stale_button":
        return _callback(update_id, uid, "rv:doesnotexist")
    return _message(update_id, uid, step)


def bodies(count: int, *, offset: int, lanes: int = 2, cohort: int = 0) -> Iterator[bytes]:
    for n in range(count):
        made = update(n, offset=offset, lanes=lanes, cohort=cohort)
        yield json.dumps(made, separators=(",", ":")).encode()


def write_bodies(path: Path, count: int, *, offset: int, lanes: int = 2) -> Path:
    """One body a line, for webhook.lua, which sends line n from thread n % lanes."""
    with path.open("wb") as out:
        for body in bodies(count, offset=offset, lanes=lanes):
            out.write(body + b"\n")
    return path


def id_range(count: int, *, offset: int) -> tuple[int, int]:
    """The update ids a run of `count` may have used: (lowest, highest), both included."""
    return offset + 1, offset + count
