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


def signature(draft: Confession, value: str) -> str:
    return f"{SIGNATURE}:{draft.public_id}:{value}"


def for_draft(prefix: str, draft: Confession, extra: str = "") -> str:
    """A button of one draft's conversation: it names the draft, so once that draft is sent,
    cancelled or replaced the button is known to be stale, and never acts on another draft."""
    return f"{prefix}:{draft.public_id}" + (f":{extra}" if extra else "")


def draft_argument(data: str | None) -> tuple[str, str]:
    """The draft a button names, and what follows it ("" for buttons made before they named
    their draft)."""
    draft_id, _, rest = argument(data).partition(":")
    return draft_id, rest


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
