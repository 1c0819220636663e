"""Buttons have a moment: once their step is done they leave their message, and an old one
pressed all the same (a copy, a forged press) says "That can't be done any more" and changes
nothing."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from emulator import BotApiState, StoredMessage
from models import ComposeStep, Confession, ConfessionStatus
from tests.bot.flows import compose, latest_confession, send
from tests.support import started
from tests.telegram import Person

STALE = "That can't be done any more."


def buttons_now(bot_api: BotApiState, message: StoredMessage) -> list[str]:
    """The labels on a message as its chat shows it now, after any edits."""
    current = bot_api.message(message.chat_id, message.message_id)
    assert current is not None
    return [button["text"] for row in current.inline_keyboard or [] for button in row]


def answered_stale(bot_api: BotApiState) -> bool:
    last = bot_api.callback_answers[-1]
    return last.get("text") == STALE and bool(last.get("show_alert"))


def confessions_of(db: Session, person: Person) -> int:
    db.expire_all()
    return int(
        db.exec(
            select(func.count()).select_from(Confession).where(Confession.sender_id == person.id)
        ).one()
    )


def to_media_step(alice: Person, bob: Person) -> StoredMessage:
    alice.command("new")
    alice.picks(bob)
    alice.says("us, last summer")
    return alice.wait_for_message("Add a photo")


def test_skip_goes_from_its_message_once_pressed(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    prompt = to_media_step(alice, bob)

    alice.presses("Skip", on=prompt)

    assert buttons_now(bot_api, prompt) == []
    assert "How should it be signed?" in (alice.last.content or "")


def test_skip_after_a_photo_was_sent_says_so_and_keeps_the_photo(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    prompt = to_media_step(alice, bob)
    alice.sends_media("photo", b"\xff\xd8\xff fake jpeg")

    shown = alice.presses("Skip", on=prompt)

    assert shown == []
    assert answered_stale(bot_api)
    assert buttons_now(bot_api, prompt) == []
    draft = latest_confession(db, alice)
    assert draft.compose_step == ComposeStep.SIGNATURE
    assert draft.media_id is not None


def test_the_signature_choice_goes_once_made_and_a_second_choice_changes_nothing(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    prompt = to_media_step(alice, bob)
    alice.presses("Skip", on=prompt)
    choice = alice.wait_for_message("How should it be signed?")

    alice.presses("Anonymous", on=choice)
    alice.presses("Signed", on=choice)  # the keyboard as it was

    assert buttons_now(bot_api, choice) == []
    assert answered_stale(bot_api)
    assert latest_confession(db, alice).signature == "anonymous"


def test_send_clears_the_preview_and_an_old_send_sends_nothing_more(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    compose(alice, bob)
    preview = alice.last

    alice.presses("Send", on=preview)
    alice.wait_for_message("was delivered")
    again = alice.presses("Send", on=preview)

    assert buttons_now(bot_api, preview) == []
    assert again == []
    assert answered_stale(bot_api)
    assert confessions_of(db, alice) == 1
    assert len([m for m in alice.messages if "Sent to Bob" in (m.content or "")]) == 1


def test_cancel_on_a_preview_already_sent_says_so_and_the_confession_stays(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    compose(alice, bob)
    preview = alice.last
    alice.presses("Send", on=preview)
    alice.wait_for_message("was delivered")

    shown = alice.presses("Cancel", on=preview)

    assert shown == []
    assert answered_stale(bot_api)
    assert latest_confession(db, alice).status != ConfessionStatus.DRAFT


def test_the_preview_of_a_replaced_draft_cannot_send_the_new_one(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    compose(alice, bob, "the first words")
    old_preview = alice.last
    compose(alice, bob, "the second words")  # /new again: the first draft is dropped

    alice.presses("Send", on=old_preview)

    assert answered_stale(bot_api)
    draft = latest_confession(db, alice)
    assert draft.status == ConfessionStatus.DRAFT
    assert draft.text == "the second words"


def test_the_mutual_choice_changes_the_preview_in_place(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    started(bob)
    compose(alice, bob)
    preview = alice.last
    before = len(alice.messages)

    alice.presses("If it's mutual, name me: no", on=preview)

    assert len(alice.messages) == before
    assert any("name me: yes" in label for label in buttons_now(bot_api, preview))


def test_withdraw_leaves_the_delivered_message_once_it_is_opened(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    delivered = alice.wait_for_message("was delivered")
    assert any("Withdraw" in label for label in buttons_now(bot_api, delivered))

    bob.presses("Reveal")
    alice.wait_for_message("opened your confession")
    bot_api.wait_for_call("editMessageReplyMarkup", chat_id=alice.id, ok=True)

    assert any("Reveal it was me" in label for label in buttons_now(bot_api, delivered))
    assert latest_confession(db, alice).status == ConfessionStatus.REVEALED


def test_an_old_withdraw_after_the_opening_says_so_and_withdraws_nothing(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    delivered = alice.wait_for_message("was delivered")
    bob.presses("Reveal")
    alice.wait_for_message("opened your confession")

    shown = alice.presses("Withdraw", on=delivered)  # the keyboard as it was

    assert shown == []
    assert answered_stale(bot_api)
    assert latest_confession(db, alice).status == ConfessionStatus.REVEALED
    assert "withdrawn" not in " ".join(m.content or "" for m in bob.messages)


def test_withdraw_goes_from_its_message_once_done(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    delivered = alice.wait_for_message("was delivered")

    alice.presses("Withdraw", on=delivered)
    again = alice.presses("Withdraw", on=delivered)

    assert not any("Withdraw" in label for label in buttons_now(bot_api, delivered))
    assert again == []
    assert answered_stale(bot_api)
    db.expire_all()
    withdrawn = db.exec(select(Confession).where(col(Confession.sender_id) == alice.id)).one()
    assert withdrawn.status == ConfessionStatus.WITHDRAWN


def keyboard_edits(bot_api: BotApiState, message: StoredMessage) -> list[dict[str, object]]:
    """The edits of a message's keyboard the bot made, as Telegram accepted them."""
    return [
        call.params
        for call in bot_api.calls
        if call.method == "editMessageReplyMarkup"
        and call.ok
        and call.params.get("chat_id") == message.chat_id
        and call.params.get("message_id") == message.message_id
    ]


def keyboard_taken_from(bot_api: BotApiState, message: StoredMessage) -> None:
    bot_api.wait_for_call(
        "editMessageReplyMarkup",
        chat_id=message.chat_id,
        ok=True,
        where=lambda params: params.get("message_id") == message.message_id,
    )


def test_a_photo_sent_instead_of_skip_takes_the_skip_away(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    prompt = to_media_step(alice, bob)

    alice.sends_media("photo", b"\xff\xd8\xff fake jpeg")
    alice.wait_for_message("How should it be signed?")
    keyboard_taken_from(bot_api, prompt)

    assert buttons_now(bot_api, prompt) == []
    assert [sorted(edit) for edit in keyboard_edits(bot_api, prompt)] == [
        ["chat_id", "message_id"]
    ], "edited once, with no keyboard"
    assert latest_confession(db, alice).media_id is not None


def test_a_forged_skip_after_the_photo_changes_nothing_and_says_so(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    prompt = to_media_step(alice, bob)
    skip = alice.button("Skip", on=prompt)["callback_data"]
    alice.sends_media("photo", b"\xff\xd8\xff fake jpeg")
    choice = alice.wait_for_message("How should it be signed?")
    keyboard_taken_from(bot_api, prompt)

    shown = alice.presses_data(skip, prompt)  # the press Telegram no longer offers

    assert shown == []
    assert answered_stale(bot_api)
    assert buttons_now(bot_api, prompt) == []
    assert buttons_now(bot_api, choice) != [], "the step now asked for keeps its buttons"
    draft = latest_confession(db, alice)
    assert draft.compose_step == ComposeStep.SIGNATURE
    assert draft.media_id is not None


def test_a_prompt_pressed_loses_its_keyboard_once(
    alice: Person, bob: Person, bot_api: BotApiState
) -> None:
    prompt = to_media_step(alice, bob)

    alice.presses("Skip", on=prompt)
    choice = alice.wait_for_message("How should it be signed?")
    alice.presses("Anonymous", on=choice)
    alice.command("cancel")  # handled once the replies before it are all out
    alice.wait_for_message("Cancelled")

    assert len(keyboard_edits(bot_api, prompt)) == 1
    assert len(keyboard_edits(bot_api, choice)) == 1


def test_a_new_draft_takes_the_old_skip_away(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    prompt = to_media_step(alice, bob)

    alice.command("new")
    keyboard_taken_from(bot_api, prompt)
    again = alice.presses_data(alice.button("Skip", on=prompt)["callback_data"], prompt)

    assert buttons_now(bot_api, prompt) == []
    assert again == []
    assert answered_stale(bot_api)
    assert latest_confession(db, alice).compose_step == ComposeStep.RECIPIENT


def test_cancel_typed_takes_the_previews_buttons_away(
    alice: Person, bob: Person, bot_api: BotApiState, db: Session
) -> None:
    started(bob)
    compose(alice, bob)
    preview = alice.last
    assert "Send" in " ".join(buttons_now(bot_api, preview))

    alice.command("cancel")
    keyboard_taken_from(bot_api, preview)

    assert buttons_now(bot_api, preview) == []
    assert confessions_of(db, alice) == 0
