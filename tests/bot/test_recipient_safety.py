"""The recipient's side of safety, through the webhook: consent before a stranger's first
confession, who may send, the word filter, stable pseudonyms, and a mutual reveal that
needs both sides' consent. Each with the test a hostile sender would write."""

from __future__ import annotations

import difflib
import re
import time
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from emulator import BotApiState, StoredMessage
from models import InboxUpdate, OutboxMessage, OutboxStatus
from models.types import utcnow
from tests.bot.flows import compose, latest_confession, send
from tests.support import started
from tests.telegram import MiniApp, People, Person

OpenMiniApp = Any


def pseudonym_in(message: StoredMessage) -> str:
    found = re.search(r"(?:From|От): <b>(.+?)</b>", message.content or "")
    assert found, message.content
    return found.group(1)


def requests_sent(person: Person) -> int:
    """Requests the bot sent (an accepted one is edited afterwards, so count the sends)."""
    return len(
        [
            call
            for call in person.bot_api.calls_to("sendMessage", chat_id=person.id)
            if call.ok and "wants to tell you" in str(call.params.get("text"))
        ]
    )


def labels(message: StoredMessage) -> list[str]:
    return [button["text"] for row in message.inline_keyboard or [] for button in row]


def settle() -> None:
    """Give the outbox worker time to send anything it was (wrongly) going to send."""
    time.sleep(1.0)


def quiet(db: Session, *, seconds: float = 20.0) -> None:
    """Every update handled and every notice that is due sent (or given up), then `settle`:
    on a busy machine a fixed pause alone can end before the bot has finished."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.rollback()  # a fresh snapshot each time
        unhandled = db.exec(
            select(func.count())
            .select_from(InboxUpdate)
            .where(col(InboxUpdate.handled_at).is_(None))
        ).one()
        due = db.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                col(OutboxMessage.next_attempt_at) <= utcnow(),
            )
        ).one()
        if unhandled == 0 and due == 0:
            break
        time.sleep(0.05)
    settle()


# consent before a stranger's first confession


def test_a_strangers_first_confession_comes_as_a_request_without_its_words(
    alice: Person, bob: Person
) -> None:
    started(bob)

    send(alice, bob, "the words behind the request")

    request = bob.wait_for_message("wants to tell you")
    assert labels(request) == ["✅ Accept", "🙅 Decline"]
    assert "the words behind the request" not in str(request.to_dict())
    assert not any("Someone has a confession" in (m.content or "") for m in bob.messages)


def test_only_accept_delivers_it_with_reveal(alice: Person, bob: Person) -> None:
    started(bob)
    send(alice, bob, "the words behind the request")

    delivery = bob.accepts_request()

    assert "Reveal" in " ".join(labels(delivery))
    card = bob.presses("Reveal", on=delivery)[-1]
    assert "the words behind the request" in (card.content or "")


def test_declining_delivers_nothing_and_tells_the_sender_nothing(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    bob.presses("Decline", on=bob.wait_for_message("wants to tell you"))
    alice.wait_for_message("was delivered")
    settle()

    assert not any("Someone has a confession" in (m.content or "") for m in bob.messages)
    assert "Declined" in (bob.messages[-1].content or "")
    assert latest_confession(db, alice).status == "delivered"
    assert not any("declin" in (m.content or "").lower() for m in alice.messages)


def test_after_a_thread_the_next_confession_needs_no_request(alice: Person, bob: Person) -> None:
    started(bob)
    send(alice, bob, "first")
    bob.presses("Reveal", on=bob.accepts_request())

    send(alice, bob, "second")

    second = nth_delivery(bob, 2)
    assert requests_sent(bob) == 1
    assert "Reveal" in " ".join(labels(second))


def test_a_thread_counts_in_either_direction(alice: Person, bob: Person) -> None:
    started(alice)
    started(bob)
    send(alice, bob, "first")
    bob.presses("Reveal", on=bob.accepts_request())

    send(bob, alice, "back to you")

    alice.wait_for_message("Someone has a confession")
    assert requests_sent(alice) == 0


def test_opening_a_link_is_consent_even_with_the_inbox_paused(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    bob.command("settings")
    bob.presses("Nobody")
    send(alice, None)

    bob.command("start", f"c_{latest_confession(db, alice).public_id}")

    bob.wait_for_message("Someone has a confession")
    assert requests_sent(bob) == 0


# who may send


def test_with_the_inbox_paused_nothing_arrives_and_it_waits_in_held(
    alice: Person, bob: Person
) -> None:
    started(bob)
    bob.command("settings")
    bob.presses("Nobody")

    send(alice, bob, "paused words")
    alice.wait_for_message("was delivered")
    settle()
    assert not any(
        "wants to tell you" in (m.content or "") or "Someone has" in (m.content or "")
        for m in bob.messages
    )

    listing = bob.presses("Held for you (1)", on=bob.command("settings")[-1])[-1]
    assert "Held by your settings" in " ".join(labels(listing))
    bob.presses("Held by your settings", on=listing)
    card = bob.presses("Reveal", on=bob.wait_for_message("Someone has a confession"))[-1]
    assert "paused words" in (card.content or "")


def test_threads_only_lets_a_thread_in_and_holds_a_stranger(
    alice: Person, bob: Person, people: People
) -> None:
    carol = people("Carol")
    started(bob)
    send(alice, bob, "first")
    bob.presses("Reveal", on=bob.accepts_request())
    bob.command("settings")
    bob.presses("Only my threads")

    send(alice, bob, "from a thread")
    send(carol, bob, "from a stranger")
    carol.wait_for_message("was delivered")
    settle()

    deliveries = [m for m in bob.messages if "Someone has a confession" in (m.content or "")]
    assert len(deliveries) == 2  # the first, and the one from the thread
    assert requests_sent(bob) == 1


def test_a_paused_inbox_holds_even_someone_with_a_thread(alice: Person, bob: Person) -> None:
    started(bob)
    send(alice, bob, "first")
    bob.presses("Reveal", on=bob.accepts_request())
    bob.command("settings")
    bob.presses("Nobody")

    send(alice, bob, "while paused")
    nth_message(alice, "Your confession to Bob was delivered", 2)
    settle()

    deliveries = [m for m in bob.messages if "Someone has a confession" in (m.content or "")]
    assert len(deliveries) == 1


def test_the_settings_screen_marks_the_current_choice(bob: Person) -> None:
    started(bob)

    screen = bob.command("settings")[-1]
    assert "✅ 🌍 Everyone" in " ".join(labels(screen))

    after = bob.presses("Nobody")[-1]
    assert "✅ ⏸ Nobody" in " ".join(labels(after))
    assert "paused" in (after.content or "")


# the hostile sender: declined, filtered and refused look exactly like never opened


def what_the_sender_sees(
    sender: Person, recipient: Person, app: MiniApp, db: Session
) -> tuple[list[str], dict[str, Any]]:
    """The sender's chat about this confession and its API view, minus names, ids and times."""
    confession = latest_confession(db, sender)
    sender.wait_for_message(f"Your confession to {recipient.first_name} was delivered")
    quiet(db)
    chat = [
        re.sub(r"[A-Za-z0-9_-]{12}", "<id>", str(m.to_dict())).replace(recipient.first_name, "<to>")
        for m in sender.messages
        if recipient.first_name in (m.content or "")
    ]
    shown = app.get(f"/confessions/{confession.public_id}").json()
    for varying in ("id", "recipient_name", "created_at", "delivered_at", "revealed_at"):
        shown.pop(varying)
    for field in ("message_id", "date", "edit_date"):  # times and numbering, not content
        chat = [re.sub(rf"'{field}': \d+", f"'{field}': 0", line) for line in chat]
    return chat, shown


def _lines(view: tuple[list[str], dict[str, Any]]) -> list[str]:
    chat, shown = view
    return [*chat, *(f"{key}: {value!r}" for key, value in sorted(shown.items()))]


def test_a_sender_cannot_tell_declined_filtered_or_refused_from_never_opened(
    alice: Person, people: People, db: Session, mini_app: OpenMiniApp
) -> None:
    app = mini_app(alice)
    never_opens, declines, filters, pauses, threads_only = (
        started(people(name)) for name in ("Nia", "Dex", "Fay", "Pam", "Tom")
    )
    filter_word = "whisper"
    filters.command("filter", filter_word)
    pauses.command("settings")
    pauses.presses("Nobody")
    threads_only.command("settings")
    threads_only.presses("Only my threads")

    views = []
    for recipient in (never_opens, declines, filters, pauses, threads_only):
        send(alice, recipient, f"a {filter_word} for you")
        if recipient is declines:
            declines.presses("Decline", on=declines.wait_for_message("wants to tell you"))
        views.append(what_the_sender_sees(alice, recipient, app, db))

    never_opened = views[0]
    for seen in views[1:]:
        assert seen == never_opened, "\n".join(
            difflib.unified_diff(_lines(never_opened), _lines(seen), lineterm="")
        )
    assert views[0][1]["status"] == "delivered"


def test_a_withheld_confession_is_said_delivered_only_after_it_is_said_sent(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    """The turn that sends it also says "delivered" when it is withheld, with no delivery to
    wait for. Said before "Sent to" (here while that answer waits to be sent again), it would
    tell the sender it never travelled."""
    started(bob)
    bob.command("filter", "whisper")
    compose(alice, bob, "a whisper for you")
    bot_api.fail_next("sendMessage", status=502, chat_id=alice.id)

    alice.presses("Send")
    alice.wait_for_message("was delivered", timeout=15)

    said = [m.content or "" for m in alice.messages]
    sent = next(i for i, text in enumerate(said) if text.startswith("💌 Sent to"))
    delivered = next(i for i, text in enumerate(said) if "was delivered" in text)
    assert sent < delivered, said[sent - 1 :]


# the word filter


def test_a_confession_with_a_filter_word_is_held_silently(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    screen = bob.command("filter", "jessica, wedding")[-1]
    assert "jessica, wedding" in (screen.content or "")

    send(alice, bob, "Remember JESSICA?")
    alice.wait_for_message("was delivered")
    settle()

    assert requests_sent(bob) == 0
    assert not any("Someone has" in (m.content or "") for m in bob.messages)
    listing = bob.command("my")[-1]
    assert "Held for you (1)" in " ".join(labels(listing))
    held = bob.presses("Held for you")[-1]
    assert "Filtered" in " ".join(labels(held))


def test_a_filter_word_catches_its_forms_but_not_other_words(
    alice: Person, bob: Person, people: People
) -> None:
    carol = people("Carol")
    started(bob)
    bob.command("filter", "дурак")

    send(alice, bob, "Ты ДУРАКИ все")
    send(carol, bob, "a fine day")

    carol.wait_for_message("was delivered")
    settle()
    requests = [m for m in bob.messages if "wants to tell you" in (m.content or "")]
    assert len(requests) == 1


def test_a_filtered_reply_is_held_and_the_writer_sees_the_usual(
    alice: Person, bob: Person, mini_app: OpenMiniApp, db: Session
) -> None:
    started(bob)
    send(alice, bob, "hello")
    bob.presses("Reveal", on=bob.accepts_request())
    bob.command("filter", "creep")
    public_id = latest_confession(db, alice).public_id

    bob.presses("Reply")
    bob.says("who are you?")
    alice.presses("Answer", on=alice.wait_for_message("who are you?"))
    confirmation = alice.says("your favourite creep")[-1]
    settle()

    assert "Passed on" in (confirmation.content or "")
    assert not any("favourite creep" in (m.content or "") for m in bob.messages)
    thread = mini_app(bob).get(f"/confessions/{public_id}/replies").json()["items"]
    assert [item["text_html"] for item in thread] == ["who are you?"]
    held = bob.command("my")
    bob.presses("Filtered reply", on=bob.presses("Held for you", on=held[-1])[-1])
    assert "favourite creep" in (bob.wait_for_message("favourite creep").content or "")


def test_a_filter_word_can_be_removed(bob: Person) -> None:
    started(bob)
    bob.command("filter", "idiot, loser")

    screen = bob.presses("✖️ idiot")[-1]

    assert "loser" in (screen.content or "")
    assert "idiot" not in (screen.content or "")


def test_more_than_fifty_filter_words_are_refused(bob: Person) -> None:
    started(bob)

    refused = bob.command("filter", ", ".join(f"word{n}" for n in range(51)))[-1]

    assert "too many filter words" in (refused.content or "")


# pseudonyms


def test_the_same_pseudonym_on_delivery_card_and_answer(alice: Person, bob: Person) -> None:
    started(bob)
    send(alice, bob)
    delivery = bob.accepts_request()
    pseudonym = pseudonym_in(delivery)
    card = bob.presses("Reveal", on=delivery)[-1]
    bob.presses("Reply")
    bob.says("who?")
    alice.presses("Answer", on=alice.wait_for_message("who?"))
    alice.says("guess")

    assert pseudonym in (card.content or "")
    assert f"<b>{pseudonym}</b> answered" in (bob.wait_for_message("guess").content or "")
    send(alice, bob, "again")
    assert pseudonym_in(nth_delivery(bob, 2)) == pseudonym


def nth_delivery(person: Person, n: int, timeout: float = 10.0) -> StoredMessage:
    return nth_message(person, "Someone has a confession", n, timeout)


def nth_message(person: Person, containing: str, n: int, timeout: float = 10.0) -> StoredMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in person.messages if containing in (m.content or "")]
        if len(found) >= n:
            return found[n - 1]
        time.sleep(0.05)
    raise AssertionError(f"{person.first_name} got fewer than {n} of {containing!r}")


def test_the_pseudonym_differs_for_each_recipient(alice: Person, people: People) -> None:
    recipients = [started(people(f"R{n}")) for n in range(4)]
    for recipient in recipients:
        send(alice, recipient)

    seen = {
        pseudonym_in(recipient.wait_for_message("wants to tell you")) for recipient in recipients
    }

    assert len(seen) == 4


def test_a_russian_recipient_sees_russian_words(alice: Person, people: People) -> None:
    boris = started(people("Boris", language_code="ru"))

    send(alice, boris)

    pseudonym = pseudonym_in(boris.wait_for_message("хочет тебе что-то сказать"))
    assert re.search(r"[а-яё]", pseudonym)
    assert not re.search(r"[a-z]", pseudonym)


def test_blocking_confirms_with_the_pseudonym(alice: Person, bob: Person) -> None:
    started(bob)
    send(alice, bob)
    delivery = bob.accepts_request()
    pseudonym = pseudonym_in(delivery)
    bob.presses("Reveal", on=delivery)

    confirmation = bob.presses("Block sender")[-1]

    assert f"You blocked <b>{pseudonym}</b>" in (confirmation.content or "")
    assert "Alice" not in str(confirmation.to_dict())


def test_a_signed_sender_has_no_pseudonym(alice: Person, bob: Person) -> None:
    started(bob)
    send(alice, bob, signature="Signed")
    delivery = bob.accepts_request()

    card = bob.presses("Reveal", on=delivery)[-1]

    assert "From:" not in (delivery.content or "")
    assert "Alice" in (card.content or "")


# the mutual reveal needs both


def test_confessing_back_does_not_unmask_the_sender(
    alice: Person, bob: Person, db: Session
) -> None:
    """Bob suspects Alice wrote his anonymous confession, and confesses to her to find out."""
    started(alice)
    started(bob)
    send(alice, bob, "I think about you")
    bob.presses("Reveal", on=bob.accepts_request())

    send(bob, alice, "is it you?", mutual=True)
    alice.presses("Reveal", on=alice.wait_for_message("Someone has a confession"))
    bob.wait_for_message("opened your confession")
    settle()

    for person in (alice, bob):
        assert not any("mutual" in (m.content or "") for m in person.messages)
    first_card = [m for m in bob.messages if "I think about you" in (m.content or "")]
    assert first_card
    assert all("Alice" not in str(m.to_dict()) for m in first_card)
    db.expire_all()
    assert latest_confession(db, alice).matched_at is None
    assert latest_confession(db, bob).matched_at is None


def test_with_both_agreeing_the_match_names_the_confession(alice: Person, bob: Person) -> None:
    started(alice)
    started(bob)
    send(alice, bob, "I think about you every single day", mutual=True)
    bob.presses("Reveal", on=bob.accepts_request())

    send(bob, alice, "me too", mutual=True)

    to_alice = alice.wait_for_message("It's mutual").content or ""
    to_bob = bob.wait_for_message("It's mutual").content or ""
    assert "Bob" in to_alice
    assert "I think about you every single day" in to_alice
    assert "Alice" in to_bob
    assert "me too" in to_bob


def test_the_mutual_toggle_is_off_until_the_sender_turns_it_on(alice: Person, bob: Person) -> None:
    started(bob)

    compose(alice, bob)
    assert "name me: no" in " ".join(labels(alice.messages[-1]))

    alice.presses("name me: no")

    assert "name me: yes" in " ".join(labels(alice.messages[-1]))  # the same preview, edited


@pytest.mark.parametrize("agreeing", ["sender", "recipient"])
def test_one_side_agreeing_is_not_a_match(alice: Person, bob: Person, agreeing: str) -> None:
    started(alice)
    started(bob)
    send(alice, bob, "first", mutual=agreeing == "sender")
    bob.presses("Reveal", on=bob.accepts_request())

    send(bob, alice, "second", mutual=agreeing == "recipient")
    alice.wait_for_message("Someone has a confession")
    bob.wait_for_message("Your confession to Alice was delivered")
    settle()

    assert not any("mutual" in (m.content or "") for m in alice.messages + bob.messages)
