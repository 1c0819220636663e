"""Safety for the recipient, tried the way a hostile sender would: blocks and bans that hold
after /deleteme, a block the sender cannot detect, bans that stop composing, replying and
reporting, erasure that leaves no id behind, and words that mean what they say."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select

from emulator import BotApiState
from models import Ban, Block, ConfessionStatus, OutboxMessage, OutboxStatus, Report
from models.types import utcnow
from tests.bot.flows import latest_confession, send
from tests.support import Product, started
from tests.telegram import MiniApp, People, Person

OPERATOR = 4_000_001


def revealed(sender: Person, recipient: Person, words: str = "I think about you every day") -> None:
    started(recipient)
    send(sender, recipient, words)
    recipient.receives_confession()
    sender.wait_for_message("was delivered")
    recipient.presses("Reveal")
    sender.wait_for_message("opened your confession")


def deletes_and_returns(person: Person) -> None:
    """/deleteme, confirmed, then back as if new: /start."""
    person.command("deleteme")
    person.presses("Yes, delete everything")
    person.wait_for_message("Everything about you is deleted")
    person.command("start")


def banned_by_operator(sender: Person, recipient: Person, people: People) -> Person:
    operator = started(people("Operator", id=OPERATOR))
    revealed(sender, recipient, "something nasty")
    recipient.presses("Report")
    operator.presses("Ban sender", on=operator.wait_for_message("Report #"))
    sender.wait_for_message("This account has been banned")
    return operator


def outbox_drained(db: Session, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.expire_all()
        pending = db.exec(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        ).all()
        if not pending:
            return
        time.sleep(0.05)
    raise AssertionError("the outbox did not drain")


def deliveries_to(bot_api: BotApiState, person: Person) -> int:
    return sum("Someone has a confession" in (m.content or "") for m in bot_api.sent_to(person.id))


# a block that survives


def test_a_block_holds_after_the_blocked_sender_deletes_their_data_and_starts_again(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    revealed(alice, bob)
    bob.presses("Block sender")

    deletes_and_returns(alice)
    send(alice, bob, "it's me again")

    alice.wait_for_message("Your confession to Bob was delivered")
    outbox_drained(db)
    assert deliveries_to(bot_api, bob) == 1
    assert "it's me again" not in str([m.to_dict() for m in bob.messages])


def test_a_block_keeps_no_id_of_the_blocked_sender(alice: Person, bob: Person, db: Session) -> None:
    revealed(alice, bob)

    bob.presses("Block sender")

    db.expire_all()
    block = db.exec(select(Block)).one()
    assert block.blocker_id == bob.id
    assert str(alice.id) not in json.dumps(block.model_dump(mode="json"))


def test_a_blocked_senders_reply_in_the_thread_is_passed_on_for_them_and_never_reaches_the_blocker(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    revealed(alice, bob)
    bob.presses("Reply")
    bob.says("who is this?")
    alice.wait_for_message("who is this?")
    bob.presses("Block sender")
    to_bob = len(bot_api.calls_to("sendMessage", chat_id=bob.id))

    alice.presses("Answer")
    confirmation = alice.says("you will never guess")[-1]

    assert "Passed on" in (confirmation.content or "")
    outbox_drained(db)
    assert len(bot_api.calls_to("sendMessage", chat_id=bob.id)) == to_bob
    listing = bob.command("my")[-1]
    opened = bob.presses("📥", on=listing)
    assert "you will never guess" not in str([m.to_dict() for m in opened])


def test_a_blocked_sender_who_signs_is_not_named_to_the_blocker(
    alice: Person, bob: Person, db: Session
) -> None:
    revealed(alice, bob)
    bob.presses("Block sender")

    alice.presses("Reveal it was me")

    outbox_drained(db)
    assert not [m for m in bob.messages if "Alice" in (m.content or "")]


def test_the_blocker_unblocks_from_my_and_the_button_names_the_confession_they_saw(
    alice: Person, bob: Person
) -> None:
    revealed(alice, bob, "the words Bob read")
    bob.presses("Block sender")

    listing = bob.command("my")[-1]
    button = bob.button("Unblock", on=listing)
    bob.presses("Unblock", on=listing)
    send(alice, bob, "second chance")

    assert "the words Bob read" in button["text"]
    bob.receives_confession()


# a ban that survives


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_a_ban_holds_after_the_banned_user_deletes_their_data_and_starts_again(
    alice: Person, bob: Person, people: People, bot_api: BotApiState
) -> None:
    banned_by_operator(alice, bob, people)

    deletes_and_returns(alice)
    refused = alice.command("new")[-1]

    assert "You're banned" in (refused.content or "")
    assert deliveries_to(bot_api, bob) == 1


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_a_ban_keeps_only_a_keyed_hash(
    alice: Person, bob: Person, people: People, db: Session
) -> None:
    banned_by_operator(alice, bob, people)

    db.expire_all()
    ban = db.exec(select(Ban)).one()
    assert re.fullmatch(r"[0-9a-f]{64}", ban.key)
    assert str(alice.id) not in ban.key


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_an_operator_can_still_ban_a_sender_who_deleted_their_data_after_the_report(
    alice: Person, bob: Person, people: People
) -> None:
    operator = started(people("Operator", id=OPERATOR))
    revealed(alice, bob, "something nasty")
    bob.presses("Report")
    report = operator.wait_for_message("Report #")
    alice.command("deleteme")
    alice.presses("Yes, delete everything")

    operator.presses("Ban sender", on=report)
    alice.command("start")
    refused = alice.command("new")[-1]

    assert "You're banned" in (refused.content or "")


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_a_banned_user_is_told_once_and_then_gets_one_short_line(
    alice: Person, bob: Person, people: People, db: Session
) -> None:
    banned_by_operator(alice, bob, people)

    answers = [alice.command("new")[-1], alice.command("new")[-1]]

    outbox_drained(db)
    told = [m for m in alice.messages if "This account has been banned" in (m.content or "")]
    assert len(told) == 1
    assert [a.content for a in answers] == [answers[0].content] * 2
    assert "You're banned" in (answers[0].content or "")


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_a_banned_user_cannot_reply_in_the_chat(
    alice: Person, bob: Person, people: People, bot_api: BotApiState
) -> None:
    banned_by_operator(alice, bob, people)
    bob.presses("Reply")
    bob.says("why would you say that")
    alice.wait_for_message("why would you say that")
    to_bob = len(bot_api.calls_to("sendMessage", chat_id=bob.id))

    alice.presses("Answer")
    refused = alice.says("because")[-1]

    assert "You're banned" in (refused.content or "")
    assert len(bot_api.calls_to("sendMessage", chat_id=bob.id)) == to_bob


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_a_banned_user_cannot_report(
    alice: Person, bob: Person, people: People, db: Session, bot_api: BotApiState
) -> None:
    banned_by_operator(alice, bob, people)
    started(alice)
    send(bob, alice, "a confession to a banned user")
    alice.receives_confession()
    alice.presses("Reveal")

    alice.presses("Report")

    alerts = [a for a in bot_api.callback_answers if a.get("show_alert")]
    assert "You're banned" in str(alerts[-1]["text"])
    db.expire_all()
    assert len(db.exec(select(Report)).all()) == 1


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_a_banned_user_cannot_reply_or_write_through_the_api(
    alice: Person,
    bob: Person,
    people: People,
    db: Session,
    mini_app: Any,
) -> None:
    banned_by_operator(alice, bob, people)
    public_id = latest_confession(db, alice).public_id
    app: MiniApp = mini_app(alice)

    reply = app.post(f"/confessions/{public_id}/replies", {"text": "still here"})
    edit = app.patch(f"/confessions/{public_id}", {"text": "new words"})

    assert (reply.status_code, reply.json()["error"]["code"]) == (403, "banned")
    assert edit.status_code == 403


# /deleteme leaves nothing


def id_traces(engine: Engine, user_id: int) -> list[str]:
    """Every column of every table that still holds this id, as a number or inside text."""
    pattern = re.compile(rf"(?<!\d){user_id}(?!\d)")
    found = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                for column, value in row.items():
                    shown = value if isinstance(value, str) else json.dumps(value, default=str)
                    if value == user_id or pattern.search(shown):
                        found.append(f"{table.name}.{column}: {shown[:80]}")
    return found


@pytest.mark.settings(operator_ids=[OPERATOR])
def test_deleteme_leaves_the_users_id_in_no_column_of_any_table(
    alice: Person, bob: Person, people: People, db: Session, db_engine: Engine
) -> None:
    started(alice)
    revealed(alice, bob)
    bob.presses("😊")
    bob.presses("Reply")
    bob.says("who are you")
    alice.wait_for_message("who are you")
    alice.presses("Answer")
    alice.says("a friend")
    send(bob, alice, "and one for you")
    alice.receives_confession()
    alice.presses("Reveal")
    alice.presses("❤️")
    alice.presses("Report")
    bob.presses("Block sender", on=bob.wait_for_message("I think about you every day"))
    outbox_drained(db)
    assert id_traces(db_engine, alice.id)  # the scan finds the id while it is there

    alice.command("deleteme")
    alice.presses("Yes, delete everything")
    outbox_drained(db)

    assert id_traces(db_engine, alice.id) == []


@pytest.mark.settings(outbox_kept_days=7)
def test_sent_notices_are_pruned_after_the_kept_days_and_pending_ones_stay(
    alice: Person, bob: Person, db: Session, product: Product
) -> None:
    started(bob)
    send(alice, bob)
    bob.receives_confession()
    outbox_drained(db)
    old = utcnow() - timedelta(days=8)
    db.exec(text("UPDATE outbox SET created_at = :old"), params={"old": old})  # type: ignore[call-overload]
    waiting = OutboxMessage(
        kind="delivered",
        chat_id=alice.id,
        created_at=old,
        next_attempt_at=utcnow() + timedelta(days=1),
    )
    db.add(waiting)
    db.commit()

    product.restart()

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        db.expire_all()
        left = db.exec(select(OutboxMessage)).all()
        if all(m.status == OutboxStatus.PENDING for m in left):
            break
        time.sleep(0.05)
    assert [m.id for m in left] == [waiting.id]


# words that mean what they say


def test_the_recipients_reply_button_does_not_claim_anonymity_and_no_reaction_looks_like_it(
    alice: Person, bob: Person
) -> None:
    started(bob)
    send(alice, bob)
    bob.receives_confession()

    card = bob.presses("Reveal")[-1]

    labels = [button["text"] for row in card.inline_keyboard or [] for button in row]
    reply = next(label for label in labels if "Reply" in label)
    assert "anonym" not in reply.lower()
    reactions = (card.inline_keyboard or [[]])[0]
    assert all(button["text"] not in reply for button in reactions)


def test_it_was_me_names_the_confession_and_opens_it(alice: Person, bob: Person) -> None:
    revealed(alice, bob, "the thing I never said")

    alice.presses("Reveal it was me")
    notice = bob.wait_for_message("was from")
    opened = bob.presses("Open it", on=notice)

    assert "the thing I never said" in (notice.content or "")
    assert "the thing I never said" in (opened[0].content or "")


def test_a_match_notice_names_the_confession_and_opens_it(alice: Person, bob: Person) -> None:
    started(alice)
    started(bob)
    send(alice, bob, "alice to bob", mutual=True)
    bob.receives_confession()
    bob.presses("Reveal")

    send(bob, alice, "bob to alice", mutual=True)
    notice = alice.wait_for_message("It's mutual")
    opened = alice.presses("Open it", on=notice)

    assert "alice to bob" in (notice.content or "")
    assert "alice to bob" in (opened[0].content or "")


# the privacy notice


def test_privacy_says_what_is_kept_who_sees_it_and_what_a_block_keeps(alice: Person) -> None:
    notice = alice.command("privacy")[-1].content or ""

    for said in ("Telegram", "Moderators", "who sent it", "keyed hash", "/deleteme", "7 days"):
        assert said in notice


def test_privacy_speaks_russian(people: People) -> None:
    notice = people("Мария", language_code="ru").command("privacy")[-1].content or ""

    assert "Модераторы" in notice
    assert "хеш" in notice


def test_help_no_longer_promises_more_than_is_true(alice: Person) -> None:
    help_text = alice.command("help")[-1].content or ""

    assert "never shown" not in help_text
    assert "Moderators" in help_text
    assert "/privacy" in help_text


def test_the_blocked_confession_is_not_listed_for_the_blocker(
    alice: Person, bob: Person, db: Session
) -> None:
    revealed(alice, bob)
    bob.presses("Block sender")
    send(alice, bob, "hidden")
    alice.wait_for_message("Your confession to Bob was delivered")

    listing = bob.command("my")[-1]

    assert latest_confession(db, alice).status == ConfessionStatus.DELIVERED
    assert len([b for row in listing.inline_keyboard or [] for b in row if "📥" in b["text"]]) == 1


def test_my_data_lists_my_blocks_without_naming_whom(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    revealed(alice, bob)
    bob.presses("Block sender")

    bob.command("mydata")

    document = bot_api.wait_for_call("sendDocument", chat_id=bob.id, ok=True)
    exported = bot_api.files[document.result["document"]["file_id"]].data.decode()
    assert len(json.loads(exported)["blocks"]) == 1
    assert str(alice.id) not in exported


def test_my_data_includes_my_settings_and_filter_words(bob: Person, bot_api: BotApiState) -> None:
    started(bob)
    bob.command("filter", "whisper")

    bob.command("mydata")

    document = bot_api.wait_for_call("sendDocument", chat_id=bob.id, ok=True)
    exported = json.loads(bot_api.files[document.result["document"]["file_id"]].data)
    assert exported["settings"] == {"who_may_send": "everyone", "filter_words": ["whisper"]}
    assert exported["held"] == []
    assert exported["limits_halved"] == []
