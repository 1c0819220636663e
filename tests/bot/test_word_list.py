"""The operator's word list in the chat: asked once to reconsider, then sent; limits halved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from models import ConfessionStatus, LimitPenalty
from models.types import utcnow
from tests.bot.flows import compose, latest_confession, send
from tests.support import started
from tests.telegram import MiniApp, People, Person

HURTFUL = "you are an i.d.i.o.t and I love you"
OpenMiniApp = Callable[[Person], MiniApp]
ASKED = "words that may hurt"


def asked_to_reconsider(sender: Person, recipient: Person, words: str = HURTFUL) -> None:
    compose(sender, recipient, words)
    asked = sender.presses("Send")[-1]
    assert ASKED in (asked.content or "")


def sent_anyway(sender: Person, recipient: Person, words: str = HURTFUL) -> None:
    asked_to_reconsider(sender, recipient, words)
    sender.presses("Send anyway")
    sender.wait_for_message("Sent to")


def refused(sender: Person, recipient: Person) -> str:
    """Compose and press Send; the alert Telegram pops up when the bot refuses it."""
    compose(sender, recipient)
    sender.presses("Send")
    return last_alert(sender)


def last_alert(person: Person) -> str:
    alerts = [a for a in person.bot_api.callback_answers if a.get("show_alert")]
    return str(alerts[-1]["text"]) if alerts else ""


def composed_in_russian(sasha: Person, recipient: Person, words: str) -> None:
    sasha.command("new")
    sasha.picks(recipient)
    sasha.says(words)
    sasha.presses("Пропустить")
    sasha.presses("Анонимно")


def test_words_from_the_list_are_not_sent_before_the_sender_confirms(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)

    asked_to_reconsider(alice, bob)

    assert latest_confession(db, alice).status == ConfessionStatus.DRAFT
    assert alice.button("Send anyway")
    assert alice.button("Edit")
    assert not any("Someone has a confession" in (m.content or "") for m in bob.messages)


def test_send_anyway_sends_it(alice: Person, bob: Person, db: Session) -> None:
    started(bob)
    asked_to_reconsider(alice, bob)

    alice.presses("Send anyway")

    bob.receives_confession()
    assert latest_confession(db, alice).status != ConfessionStatus.DRAFT


def test_edit_takes_the_sender_back_to_the_words_and_kinder_ones_go_without_asking(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    asked_to_reconsider(alice, bob)

    alice.presses("Edit")
    alice.says("you are wonderful and I love you")
    sent = alice.presses("Send")[-1]

    assert ASKED not in (sent.content or "")
    bob.receives_confession()
    assert db.exec(select(LimitPenalty)).all() == []


def test_an_old_send_anyway_does_not_cover_words_changed_since(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    asked_to_reconsider(alice, bob)
    old_button = alice.last
    alice.presses("Edit")
    alice.says("k y s")

    again = alice.presses("Send anyway", on=old_button)[-1]

    assert ASKED in (again.content or "")
    assert latest_confession(db, alice).status == ConfessionStatus.DRAFT


def test_a_russian_sender_is_asked_in_russian(people: People, bob: Person) -> None:
    sasha = people("Саша", language_code="ru")
    started(bob)
    composed_in_russian(sasha, bob, "ты ДЕБИЛЬНЫЙ, но я тебя люблю")

    asked = sasha.presses("Отправить")[-1]

    assert "могут ранить" in (asked.content or "")
    assert sasha.button("Всё равно отправить")


# the penalty


@pytest.mark.settings(confessions_per_day=4)
def test_one_hit_halves_the_confessions_per_day(alice: Person, people: People) -> None:
    sent_anyway(alice, started(people("One")))
    send(alice, started(people("Two")))
    alice.wait_for_message("Sent to Two")

    answer = refused(alice, started(people("Three")))

    assert "enough for now (2 at most)" in answer


@pytest.mark.settings(confessions_per_day=8)
def test_two_hits_quarter_it(alice: Person, people: People) -> None:
    sent_anyway(alice, started(people("One")))
    sent_anyway(alice, started(people("Two")))

    answer = refused(alice, started(people("Three")))

    assert "enough for now (2 at most)" in answer


@pytest.mark.settings(confessions_per_day=4)
def test_the_penalty_lasts_a_day(alice: Person, people: People, db: Session) -> None:
    sent_anyway(alice, started(people("One")))
    for penalty in db.exec(select(LimitPenalty)).all():
        penalty.imposed_at = utcnow() - timedelta(hours=24, minutes=1)
        db.add(penalty)
    db.commit()

    for name in ("Two", "Three", "Four"):
        send(alice, started(people(name)))
        alice.wait_for_message(f"Sent to {name}")


@pytest.mark.settings(confessions_per_day=10, confessions_per_recipient_per_day=2)
def test_a_hit_halves_the_limit_per_recipient_too(alice: Person, bob: Person) -> None:
    started(bob)
    sent_anyway(alice, bob)

    answer = refused(alice, bob)

    assert "one person may get from you in a day (1)" in answer


# confessions to one person


def test_a_fourth_confession_to_the_same_person_in_a_day_is_refused(
    alice: Person, bob: Person, people: People
) -> None:
    started(bob)
    for _ in range(3):
        send(alice, bob)
    alice.wait_for_message("Sent to")

    answer = refused(alice, bob)

    assert "as many confessions as one person may get from you in a day (3)" in answer
    carol = started(people("Carol"))
    send(alice, carol)
    alice.wait_for_message("Sent to Carol")


def test_the_same_person_by_username_counts_as_the_same_person(alice: Person, bob: Person) -> None:
    started(bob)
    for _ in range(3):
        send(alice, bob)

    alice.command("new")
    alice.says(f"@{bob.username}")
    alice.says("again")
    alice.presses("Skip")
    alice.presses("Anonymous")
    alice.presses("Send")

    assert "one person may get from you in a day" in last_alert(alice)


def test_the_limit_per_person_is_said_in_russian(people: People, bob: Person) -> None:
    sasha = people("Саша", language_code="ru")
    started(bob)
    for _ in range(4):
        composed_in_russian(sasha, bob, "ещё одно")
        sasha.presses("Отправить")

    assert "Одному человеку — не больше 3" in last_alert(sasha)


# the mini app


def delivered(sender: Person, recipient: Person, db: Session) -> str:
    started(recipient)
    send(sender, recipient)
    recipient.receives_confession()
    return latest_confession(db, sender).public_id


def test_new_words_for_a_sent_confession_are_asked_about_in_the_api(
    alice: Person, bob: Person, db: Session, mini_app: OpenMiniApp
) -> None:
    public_id = delivered(alice, bob, db)

    answer = mini_app(alice).patch(f"/confessions/{public_id}", {"text": "you m0r0n"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "words_may_hurt"
    assert latest_confession(db, alice).text == "I think about you every day"
    assert db.exec(select(LimitPenalty)).all() == []


def test_confirmed_words_are_taken_in_the_api_and_penalised(
    alice: Person, bob: Person, db: Session, mini_app: OpenMiniApp
) -> None:
    public_id = delivered(alice, bob, db)

    answer = mini_app(alice).patch(
        f"/confessions/{public_id}", {"text": "you m0r0n", "confirm_words": True}
    )

    assert answer.status_code == 200
    assert latest_confession(db, alice).text == "you m0r0n"
    assert len(db.exec(select(LimitPenalty)).all()) == 1


@pytest.mark.settings(replies_per_minute=2)
def test_one_hit_halves_the_replies_per_minute(
    alice: Person, bob: Person, db: Session, mini_app: OpenMiniApp
) -> None:
    started(bob)
    sent_anyway(alice, bob)
    bob.receives_confession()
    bob.presses("Reveal")
    public_id = latest_confession(db, alice).public_id
    app = mini_app(alice)

    first = app.post(f"/confessions/{public_id}/replies", {"text": "sorry"})
    second = app.post(f"/confessions/{public_id}/replies", {"text": "really sorry"})

    assert first.status_code == 201
    assert second.status_code == 429
