"""Delivering a confession: straight to someone who uses the bot, or through a shared link."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from emulator import BotApiState
from models import ConfessionStatus
from tests.bot.flows import compose, latest_confession, send
from tests.support import started
from tests.telegram import People, Person


def test_a_recipient_who_uses_the_bot_gets_it_with_a_reveal_button(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)

    send(alice, bob)

    delivery = bob.accepts_request()
    confession = latest_confession(db, alice)
    assert bob.button("Reveal", on=delivery)["callback_data"] == f"rv:{confession.public_id}"
    assert "I think about you" not in (delivery.content or "")


def test_the_sender_is_told_it_was_queued_then_delivered(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)

    send(alice, bob)

    assert "Sent to Bob" in (alice.wait_for_message("Sent to").content or "")
    alice.wait_for_message("was delivered")
    assert latest_confession(db, alice).status == ConfessionStatus.DELIVERED


@pytest.mark.settings(public_url="https://confessions.example")
def test_the_delivery_has_an_open_button_into_the_mini_app(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)

    send(alice, bob)

    delivery = bob.accepts_request()
    public_id = latest_confession(db, alice).public_id
    assert bob.button("Open", on=delivery)["web_app"]["url"] == (
        f"https://confessions.example/app/?screen=reveal&c={public_id}"
    )


def test_the_hint_comes_with_the_delivery(alice: Person, bob: Person) -> None:
    started(bob)

    send(alice, bob, hint="we share a desk")

    assert "we share a desk" in (bob.accepts_request().content or "")


def test_a_recipient_who_never_started_the_bot_gets_a_share_card_for_the_sender(
    alice: Person, bob: Person, db: Session, bot_api: BotApiState
) -> None:
    send(alice, bob)

    card = alice.wait_for_message("hasn't started this bot")
    confession = latest_confession(db, alice)
    link = f"https://t.me/{bot_api.bot.username}?start=c_{confession.public_id}"
    assert link in (card.content or "")
    chosen = alice.button("Send it to their chat", on=card)["switch_inline_query_chosen_chat"]
    assert chosen["query"] == f"c_{confession.public_id}"
    assert chosen["allow_user_chats"] is True
    assert alice.button("Share the link", on=card)["url"].startswith("https://t.me/share/url?url=")
    assert bot_api.calls_to("sendMessage", chat_id=bob.id) == []
    assert confession.status == ConfessionStatus.QUEUED


def test_inline_mode_offers_the_card_with_a_button_to_the_deep_link(
    alice: Person, bob: Person, db: Session, bot_api: BotApiState
) -> None:
    send(alice, bob)
    public_id = latest_confession(db, alice).public_id

    results = alice.inline_query(f"c_{public_id}")

    assert len(results) == 1
    button = results[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"] == f"https://t.me/{bot_api.bot.username}?start=c_{public_id}"
    assert "I think about you" not in str(results[0])


def test_inline_mode_offers_nothing_of_someone_elses(
    alice: Person, bob: Person, db: Session
) -> None:
    send(alice, bob)
    public_id = latest_confession(db, alice).public_id

    assert bob.inline_query(f"c_{public_id}") == []


def test_opening_the_link_delivers_it_to_the_intended_recipient(
    alice: Person, bob: Person, db: Session
) -> None:
    send(alice, bob)
    public_id = latest_confession(db, alice).public_id

    replies = bob.command("start", f"c_{public_id}")

    assert any("Someone left a confession for you" in (m.content or "") for m in replies)
    bob.wait_for_message("Someone has a confession for you")
    alice.wait_for_message("was delivered")


def test_the_link_opened_by_someone_else_delivers_nothing(
    alice: Person, bob: Person, people: People, db: Session, bot_api: BotApiState
) -> None:
    eve = people("Eve")
    send(alice, bob)
    confession = latest_confession(db, alice)

    reply = eve.command("start", f"c_{confession.public_id}")[-1]

    assert "meant for someone else" in (reply.content or "")
    assert latest_confession(db, alice).recipient_id == bob.id
    assert len(eve.messages) == 1


def test_an_open_confession_goes_to_whoever_opens_the_link_first(
    alice: Person, bob: Person, people: People, db: Session
) -> None:
    send(alice, None)
    public_id = latest_confession(db, alice).public_id

    bob.command("start", f"c_{public_id}")
    bob.wait_for_message("Someone has a confession for you")
    late = people("Late").command("start", f"c_{public_id}")[-1]

    assert latest_confession(db, alice).recipient_id == bob.id
    assert "meant for someone else" in (late.content or "")


def test_a_typed_username_is_matched_when_they_open_the_link(
    alice: Person, people: People, db: Session
) -> None:
    alice.command("new")
    alice.says("@dana_r")
    alice.says("hello Dana")
    alice.presses("Skip")
    alice.presses("Anonymous")
    alice.presses("Send")
    public_id = latest_confession(db, alice).public_id
    impostor = people("Not Dana", username="not_dana")
    dana = people("Dana", username="Dana_R")

    impostor_reply = impostor.command("start", f"c_{public_id}")[-1]
    dana.command("start", f"c_{public_id}")

    assert "meant for someone else" in (impostor_reply.content or "")
    dana.wait_for_message("Someone has a confession for you")


def test_the_sender_opening_their_own_link_is_told_to_pass_it_on(
    alice: Person, bob: Person, db: Session
) -> None:
    send(alice, bob)
    public_id = latest_confession(db, alice).public_id

    reply = alice.command("start", f"c_{public_id}")[-1]

    assert "your own confession" in (reply.content or "")


def test_a_link_to_nothing_is_answered_kindly(alice: Person) -> None:
    reply = alice.command("start", "c_doesnotexist")[-1]

    assert "can't find" in (reply.content or "")


def test_starting_the_bot_later_brings_what_was_waiting(alice: Person, bob: Person) -> None:
    send(alice, bob)

    bob.command("start")

    bob.accepts_request()


def test_the_sender_leaves_the_preview_before_sending(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    compose(alice, bob)

    assert latest_confession(db, alice).status == ConfessionStatus.DRAFT
    assert bob.messages[-1].content
    assert "Someone has" not in bob.messages[-1].content
