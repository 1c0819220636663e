"""After the reveal: threads, signing, matches, block, report, withdraw, expiry, limits, data."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from emulator import BotApiState, StoredMessage
from models import Confession, ConfessionStatus, User
from models.types import utcnow
from tests.bot.flows import latest_confession, send
from tests.support import Product, started, wait_until
from tests.telegram import People, Person


def revealed(
    sender: Person,
    recipient: Person,
    words: str = "I think about you every day",
    *,
    mutual: bool = False,
) -> None:
    started(recipient)
    send(sender, recipient, words, mutual=mutual)
    recipient.accepts_request()
    sender.wait_for_message("was delivered")
    recipient.presses("Reveal")
    sender.wait_for_message("opened your confession")


def pseudonym_in(message: StoredMessage) -> str:
    """The name an anonymous sender goes by, as a delivery notice shows it ("From: …")."""
    found = re.search(r"From: <b>(.+?)</b>", message.content or "")
    assert found, message.content
    return found.group(1)


def seen_by(person: Person) -> str:
    return " ".join(str(message.to_dict()) for message in person.messages)


# threads


def test_the_recipient_replies_and_the_sender_gets_it(alice: Person, bob: Person) -> None:
    revealed(alice, bob)

    bob.presses("Reply")
    confirmation = bob.says("who is this??")[-1]

    assert "Passed on" in (confirmation.content or "")
    relayed = alice.wait_for_message("who is this??")
    assert "Bob" in (relayed.content or "")
    assert alice.button("Answer", on=relayed)


def test_the_senders_answer_reaches_the_recipient_anonymously(alice: Person, bob: Person) -> None:
    revealed(alice, bob)
    bob.presses("Reply")
    bob.says("who is this??")
    alice.wait_for_message("who is this??")

    alice.presses("Answer")
    alice.says("someone who sits near you")

    answer = bob.wait_for_message("someone who sits near you")
    pseudonym = pseudonym_in(bob.wait_for_message("Someone has a confession"))
    assert f"<b>{pseudonym}</b> answered" in (answer.content or "")
    assert "Alice" not in seen_by(bob)


def test_a_photo_is_relayed_with_its_caption(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    revealed(alice, bob)
    bob.presses("Reply")

    bob.sends_media("photo", b"\xff\xd8\xff fake")

    photo = bot_api.wait_for_call("sendPhoto", chat_id=alice.id, ok=True)
    assert "replied to your confession" in str(photo.params.get("caption"))


def test_reply_mode_ends_after_one_message(alice: Person, bob: Person) -> None:
    revealed(alice, bob)
    bob.presses("Reply")
    bob.says("first")

    nudge = bob.says("second")[-1]

    assert "/new" in (nudge.content or "")


@pytest.mark.settings(replies_per_minute=1)
def test_replies_per_minute_are_limited(alice: Person, bob: Person) -> None:
    revealed(alice, bob)
    bob.presses("Reply")
    bob.says("once")

    bob.presses("Reply")
    refused = bob.says("one too many")[-1]

    assert "enough for now" in (refused.content or "")


def test_the_anonymous_sender_is_never_named_across_a_whole_exchange(
    people: People, bob: Person
) -> None:
    secret = people("Alice", last_name="Wonder", username="alice_secret")
    revealed(secret, bob)
    bob.presses("😊")
    bob.presses("Reply")
    bob.says("tell me more")
    secret.wait_for_message("tell me more")
    secret.presses("Answer")
    secret.says("not yet")
    bob.wait_for_message("not yet")

    everything_bob_saw = seen_by(bob)
    for trace in (str(secret.id), "Alice", "Wonder", "alice_secret"):
        assert trace not in everything_bob_saw


# signing and matching


def test_the_sender_reveals_who_they_are(alice: Person, bob: Person) -> None:
    revealed(alice, bob)

    alice.presses("Reveal it was me")

    assert "Alice" in (bob.wait_for_message("was from").content or "")


def test_two_confessions_to_each_other_both_agreeing_are_a_match(
    alice: Person, bob: Person
) -> None:
    started(alice)
    revealed(alice, bob, mutual=True)

    send(bob, alice, "I like you too", mutual=True)

    assert "Bob" in (alice.wait_for_message("It's mutual").content or "")
    assert "Alice" in (bob.wait_for_message("It's mutual").content or "")


def test_a_match_shows_the_names_on_the_cards(alice: Person, bob: Person) -> None:
    started(alice)
    revealed(alice, bob, mutual=True)
    send(bob, alice, "I like you too", mutual=True)
    alice.wait_for_message("Someone has a confession")

    card = alice.presses("Reveal")[-1]

    assert "Bob" in (card.content or "")


# block and report


def test_a_blocked_sender_sees_only_what_an_unopened_confession_shows(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    revealed(alice, bob)
    bob.presses("Block sender")
    calls_to_bob = len(bot_api.calls_to("sendMessage", chat_id=bob.id))

    send(alice, bob, "again")

    assert "Sent to Bob" in (alice.wait_for_message("Sent to").content or "")
    alice.wait_for_message("Your confession to Bob was delivered")
    assert not [a for a in bot_api.callback_answers if a.get("show_alert")]
    assert latest_confession(db, alice).status == ConfessionStatus.DELIVERED
    assert len(bot_api.calls_to("sendMessage", chat_id=bob.id)) == calls_to_bob


def test_unblocking_lets_them_through_again(alice: Person, bob: Person, db: Session) -> None:
    revealed(alice, bob)
    bob.presses("Block sender")
    bob.command("my")

    bob.presses("Unblock")
    send(alice, bob, "second chance")

    bob.wait_for_message("Someone has a confession")


@pytest.mark.settings(operator_ids=[4_000_001])
def test_a_report_reaches_the_operator_who_can_ban_the_sender(
    alice: Person, bob: Person, people: People, db: Session
) -> None:
    operator = people("Operator", id=4_000_001)
    started(operator)
    revealed(alice, bob, "something nasty")

    bob.presses("Report")
    report = operator.wait_for_message("Report #")
    operator.presses("Ban sender", on=report)

    assert "something nasty" in (report.content or "")
    alice.wait_for_message("This account has been banned")
    refused = alice.command("new")[-1]
    assert "You're banned" in (refused.content or "")


def send_and_read(sender: Person, recipient: Person) -> str:
    """Send, and read the alert Telegram pops up when the bot refuses the Send button."""
    send(sender, recipient, "again")
    alerts = [a for a in sender.bot_api.callback_answers if a.get("show_alert")]
    return str(alerts[-1]["text"]) if alerts else ""


# withdraw and expiry


def test_withdrawing_edits_the_recipients_message(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    delivery = bob.accepts_request()
    notice = alice.wait_for_message("was delivered")
    assert wait_until(
        lambda: latest_confession(db, alice).delivery_message_id == delivery.message_id,
        seconds=10,
    )

    alice.presses("Withdraw", on=notice)

    bot_api.wait_for_call(
        "editMessageText",
        chat_id=bob.id,
        ok=True,
        where=lambda params: params.get("message_id") == delivery.message_id,
    )
    edited = bot_api.message(bob.id, delivery.message_id)
    assert edited is not None
    assert "withdrawn" in (edited.content or "")
    assert latest_confession(db, alice).status == ConfessionStatus.WITHDRAWN


def test_a_revealed_confession_cannot_be_withdrawn(alice: Person, bob: Person) -> None:
    """Pressed on a keyboard the client still shows: the bot takes the button away once the
    confession is opened, but the tap may come before that edit does."""
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    notice = alice.wait_for_message("was delivered")
    withdraw = alice.button("Withdraw", on=notice)["callback_data"]
    bob.presses("Reveal")
    alice.wait_for_message("opened your confession")

    alice.presses_data(withdraw, notice)

    assert not any("Withdrawn." in (m.content or "") for m in alice.messages)


def test_an_unread_confession_expires_and_the_sender_is_told(
    alice: Person, bob: Person, product: Product, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    confession = latest_confession(db, alice)
    confession.queued_at = utcnow() - timedelta(days=31)
    db.add(confession)
    db.commit()

    product.restart()

    alice.wait_for_message("expired before it was opened")
    assert latest_confession(db, alice).status == ConfessionStatus.EXPIRED


@pytest.mark.settings(confessions_per_day=2)
def test_confessions_per_day_are_limited(alice: Person, people: People) -> None:
    send(alice, people("One"))
    send(alice, people("Two"))

    refused = send_and_read(alice, people("Three"))

    assert "enough for now" in refused


# your data


def test_my_data_sends_everything_as_a_json_file(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    send(alice, bob, "my words")

    alice.command("mydata")

    document = bot_api.wait_for_call("sendDocument", chat_id=alice.id, ok=True)
    stored = bot_api.files[document.result["document"]["file_id"]]
    exported = json.loads(stored.data)
    assert exported["user"]["id"] == alice.id
    assert exported["sent"][0]["text"] == "my words"


def test_delete_me_erases_the_user_after_confirmation(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    delivery = bob.accepts_request()
    assert wait_until(
        lambda: latest_confession(db, alice).delivery_message_id == delivery.message_id,
        seconds=10,
    )

    alice.command("deleteme")
    alice.presses("Yes, delete everything")

    bot_api.wait_for_call(
        "editMessageText",
        chat_id=bob.id,
        ok=True,
        where=lambda params: params.get("message_id") == delivery.message_id,
    )
    assert "withdrawn" in (bot_api.message(bob.id, delivery.message_id).content or "")  # type: ignore[union-attr]
    db.expire_all()
    assert db.get(User, alice.id) is None
    left = db.exec(
        select(func.count()).select_from(Confession).where(Confession.sender_id == alice.id)
    )
    assert left.one() == 0


# /my


def test_my_lists_each_confession_as_a_button_that_opens_its_thread(
    alice: Person, bob: Person
) -> None:
    revealed(alice, bob)
    bob.presses("Reply")
    bob.says("who are you")
    alice.wait_for_message("who are you")

    listing = alice.command("my")[-1]
    opened = alice.presses("Bob · 💬 answered", on=listing)

    assert "I think about you every day" in (opened[0].content or "")
    assert "who are you" in (opened[-1].content or "")


def test_my_marks_as_answered_only_the_confessions_that_were(
    alice: Person, bob: Person, people: People
) -> None:
    revealed(alice, bob)
    bob.presses("Reply")
    bob.says("who are you")
    alice.wait_for_message("who are you")
    send(alice, people("Carol"))

    listing = alice.command("my")[-1]

    assert "answered" in alice.button("Bob", on=listing)["text"]
    assert "answered" not in alice.button("Carol", on=listing)["text"]


def test_my_pages_through_older_confessions(alice: Person, people: People) -> None:
    for n in range(7):
        send(alice, people(f"R{n}"))

    listing = alice.command("my")[-1]
    older = alice.presses("More sent", on=listing)[-1]

    assert alice.button("R6", on=listing)
    assert alice.button("R1", on=older)
    assert alice.button("R0", on=older)


def test_the_recipient_opens_an_unrevealed_one_from_my_and_can_reveal_it(
    alice: Person, bob: Person
) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()

    listing = bob.command("my")[-1]
    opened = bob.presses("📥", on=listing)[-1]
    card = bob.presses("Reveal", on=opened)[-1]

    assert "I think about you every day" in (card.content or "")
