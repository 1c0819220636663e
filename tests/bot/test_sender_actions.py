"""The sender is offered, in the chat and in the mini app, only what the domain will do: an
expired confession can no longer be signed, so nothing offers to sign it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from bot import callbacks
from emulator import StoredMessage
from models import ConfessionStatus, Signature
from models.types import utcnow
from tests.bot.flows import latest_confession, send
from tests.support import started
from tests.telegram import MiniApp, Person

SIGN = "Reveal it was me"


def labels(messages: list[StoredMessage]) -> list[str]:
    return [
        button["text"]
        for message in messages
        for row in message.inline_keyboard or []
        for button in row
    ]


@pytest.fixture
def delivered(alice: Person, bob: Person) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    alice.wait_for_message("was delivered")


def expire(db: Session, sender: Person) -> str:
    confession = latest_confession(db, sender)
    confession.status = ConfessionStatus.EXPIRED
    confession.expired_at = utcnow()
    db.add(confession)
    db.commit()
    return confession.public_id


@pytest.mark.usefixtures("delivered")
def test_an_unread_confession_offers_its_sender_to_sign_it(
    alice: Person, db: Session, mini_app: Callable[[Person], MiniApp]
) -> None:
    opened = alice.presses("📤", on=alice.command("my")[-1])
    answer = mini_app(alice).get(f"/confessions/{latest_confession(db, alice).public_id}").json()

    assert any(SIGN in label for label in labels(opened))
    assert answer["can"]["sign"] is True
    assert answer["can"]["withdraw"] is True


@pytest.mark.usefixtures("delivered")
def test_an_expired_confession_offers_its_sender_no_sign_in_the_chat_or_the_api(
    alice: Person, db: Session, mini_app: Callable[[Person], MiniApp]
) -> None:
    public_id = expire(db, alice)

    opened = alice.presses("📤", on=alice.command("my")[-1])
    answer = mini_app(alice).get(f"/confessions/{public_id}").json()

    assert opened, "the confession opens from /my"
    assert not any(SIGN in label for label in labels(opened))
    assert answer["can"] == {
        "reveal": False,
        "edit": False,
        "sign": False,
        "withdraw": False,
        "reply": False,
        "react": False,
        "block": False,
        "report": False,
    }


@pytest.mark.usefixtures("delivered")
def test_signing_an_expired_confession_through_an_old_button_changes_nothing(
    alice: Person, db: Session
) -> None:
    expire(db, alice)
    confession = latest_confession(db, alice)

    alice.presses_data(callbacks.sign(confession), alice.messages[-1])

    assert latest_confession(db, alice).signature == Signature.ANONYMOUS
