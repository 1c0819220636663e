"""Revealing: only the recipient sees the confession; the sender hears of it."""

from __future__ import annotations

from sqlmodel import Session

from emulator import BotApiState
from models import ConfessionStatus
from tests.bot.flows import latest_confession, send
from tests.support import started
from tests.telegram import People, Person


def delivered(
    sender: Person, recipient: Person, *, signature: str = "Anonymous", hint: str | None = None
) -> None:
    started(recipient)
    send(sender, recipient, signature=signature, hint=hint)
    recipient.accepts_request()
    sender.wait_for_message("was delivered")


def test_reveal_shows_the_confession_to_the_recipient(
    alice: Person, bob: Person, db: Session
) -> None:
    delivered(alice, bob)

    card = bob.presses("Reveal")[-1]

    assert "I think about you every day" in (card.content or "")
    assert latest_confession(db, alice).status == ConfessionStatus.REVEALED


def test_the_sender_is_told_when_it_is_revealed(alice: Person, bob: Person) -> None:
    delivered(alice, bob)

    bob.presses("Reveal")

    assert "Bob opened your confession" in (
        alice.wait_for_message("opened your confession").content or ""
    )


def test_reveal_is_good_once_its_button_goes_and_an_old_copy_says_so(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    delivered(alice, bob)
    delivery = bob.wait_for_message("Someone has a confession")

    bob.presses("Reveal", on=delivery)
    again = bob.presses("Reveal", on=delivery)  # the button as it was, pressed once more
    alice.wait_for_message("opened your confession")

    assert not any(
        "Reveal" in button["text"]
        for row in bot_api.message(bob.id, delivery.message_id).inline_keyboard or []  # type: ignore[union-attr]
        for button in row
    )
    assert again == []
    assert bot_api.callback_answers[-1]["text"] == "That can't be done any more."
    assert len([m for m in alice.messages if "opened your confession" in (m.content or "")]) == 1


def test_anyone_else_pressing_reveal_gets_an_alert_and_sees_nothing(
    alice: Person, bob: Person, people: People, bot_api: BotApiState, db: Session
) -> None:
    delivered(alice, bob)
    delivery = bob.wait_for_message("Someone has a confession")
    eve = people("Eve")

    eve.presses_data(
        str(delivery.inline_keyboard[0][0]["callback_data"]),  # type: ignore[index]
        delivery,
        chat={"id": -100777, "type": "group", "title": "friends"},
    )
    shown_to_alice = alice.presses_data(
        str(delivery.inline_keyboard[0][0]["callback_data"]),  # type: ignore[index]
        delivery,
    )

    alerts = [a for a in bot_api.callback_answers if a.get("show_alert")]
    assert len(alerts) == 2
    assert all("isn't for you" in str(a.get("text")) for a in alerts)
    assert eve.messages == []
    assert shown_to_alice == []
    assert latest_confession(db, alice).status == ConfessionStatus.DELIVERED


def test_an_anonymous_sender_is_never_named_to_the_recipient(alice: Person, bob: Person) -> None:
    delivered(alice, bob)
    bob.presses("Reveal")
    alice.wait_for_message("opened your confession")

    seen_by_bob = " ".join(str(m.to_dict()) for m in bob.messages)
    for trace in (str(alice.id), alice.first_name, alice.username or "<none>"):
        assert trace not in seen_by_bob


def test_a_hint_is_shown_but_not_the_name(alice: Person, bob: Person) -> None:
    delivered(alice, bob, hint="from your chemistry class")

    card = bob.presses("Reveal")[-1]

    assert "from your chemistry class" in (card.content or "")
    assert "Alice" not in (card.content or "")


def test_a_signed_confession_names_its_sender(alice: Person, bob: Person) -> None:
    delivered(alice, bob, signature="Signed")

    card = bob.presses("Reveal")[-1]

    assert "Alice" in (card.content or "")


def test_a_photo_is_revealed_with_the_text(alice: Person, bob: Person) -> None:
    started(bob)
    alice.command("new")
    alice.picks(bob)
    alice.says("us, last summer")
    alice.sends_media("photo", b"\xff\xd8\xff fake jpeg")
    alice.presses("Anonymous")
    alice.presses("Send")
    bob.accepts_request()

    card = bob.presses("Reveal")[-1]

    assert card.media is not None
    assert card.media["kind"] == "photo"
    assert "us, last summer" in (card.caption or "")


def test_the_revealed_card_offers_reactions_and_the_sender_hears_which(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    delivered(alice, bob)
    card = bob.presses("Reveal")[-1]

    bob.presses("❤️", on=card)

    assert "❤️" in (alice.wait_for_message("reacted to your confession").content or "")
    assert any(answer.get("text") == "Sent ❤️" for answer in bot_api.callback_answers)
