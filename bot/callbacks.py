"""Callback data on inline buttons: short, and naming confessions by their public id only."""

from __future__ import annotations

from models import Confession

REVEAL = "rv"
SKIP_MEDIA = "skipmedia"
SIGNATURE = "sig"
SEND = "send"
EDIT_TEXT = "edittext"
EDIT_RECIPIENT = "editto"
CANCEL = "cancel"
NEW = "new"
MY = "my"
REACT = "re"


def reveal(confession: Confession) -> str:
    return f"{REVEAL}:{confession.public_id}"


def react(confession: Confession, kind: str) -> str:
    return f"{REACT}:{confession.public_id}:{kind}"


def signature(value: str) -> str:
    return f"{SIGNATURE}:{value}"


def pattern(prefix: str) -> str:
    """The handler pattern for a prefix, with or without an argument."""
    return rf"^{prefix}(:|$)"


def argument(data: str | None) -> str:
    return (data or "").partition(":")[2]


REPLY = "rp"
BLOCK = "bl"
REPORT = "rpt"
WITHDRAW = "wd"
SIGN = "sg"
VERDICT = "op"
UNBLOCK = "ub"
MY_PAGE = "myp"
DELETE_ME = "delme"
THREAD = "th"


def thread(confession: Confession) -> str:
    return f"{THREAD}:{confession.public_id}"


def reply(confession: Confession) -> str:
    return f"{REPLY}:{confession.public_id}"


def block(confession: Confession) -> str:
    return f"{BLOCK}:{confession.public_id}"


def report(confession: Confession) -> str:
    return f"{REPORT}:{confession.public_id}"


def withdraw(confession: Confession) -> str:
    return f"{WITHDRAW}:{confession.public_id}"


def sign(confession: Confession) -> str:
    return f"{SIGN}:{confession.public_id}"


def verdict(report_id: int, action: str) -> str:
    return f"{VERDICT}:{report_id}:{action}"


def unblock(block_id: int) -> str:
    return f"{UNBLOCK}:{block_id}"


ACCEPT = "ac"
DECLINE = "dc"
SETTINGS = "set"
HELD = "held"
MUTUAL = "mut"


def accept(confession: Confession) -> str:
    return f"{ACCEPT}:{confession.public_id}"


def decline(confession: Confession) -> str:
    return f"{DECLINE}:{confession.public_id}"


def settings(action: str, value: str = "") -> str:
    """A choice on the settings screen: who may send, or a filter word to remove (by index)."""
    return f"{SETTINGS}:{action}:{value}" if value else f"{SETTINGS}:{action}"


def held(held_id: int) -> str:
    """Show one held item; its number is checked against whoever presses."""
    return f"{HELD}:{held_id}"
