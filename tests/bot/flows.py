"""Common paths through the conversation, for tests about what comes after composing."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models import Confession
from tests.telegram import Person


def compose(
    sender: Person,
    recipient: Person | None,
    words: str = "I think about you every day",
    *,
    signature: str = "Anonymous",
    hint: str | None = None,
) -> None:
    """Write a confession up to its preview."""
    sender.command("new")
    if recipient is None:
        sender.says("🔗 I'll share it myself")
    else:
        sender.picks(recipient)
    sender.says(words)
    sender.presses("Skip")
    sender.presses("with a hint" if hint else signature)
    if hint:
        sender.says(hint)


def send(
    sender: Person,
    recipient: Person | None,
    words: str = "I think about you every day",
    signature: str = "Anonymous",
    hint: str | None = None,
    *,
    mutual: bool = False,
) -> None:
    """`mutual`: the sender agrees, on the preview, to be named if it turns out mutual."""
    compose(sender, recipient, words, signature=signature, hint=hint)
    if mutual:
        sender.presses("If it's mutual, name me: no")
    sender.presses("Send")


def latest_confession(db: Session, sender: Person) -> Confession:
    db.expire_all()
    return db.exec(
        select(Confession)
        .where(Confession.sender_id == sender.id)
        .order_by(col(Confession.id).desc())
    ).first() or _missing(sender)


def _missing(sender: Person) -> Confession:
    raise AssertionError(f"{sender.first_name} has no confession")
