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
