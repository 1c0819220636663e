"""Composing a confession in the private chat, step by step."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from emulator import BotApiState
from emulator.methods import QUERY_TOO_OLD
from models import ComposeStep, Confession, ConfessionStatus, Media, Signature
from tests.support import Product, started
from tests.telegram import People, Person


def compose_until_text(sender: Person, recipient: Person) -> None:
    sender.command("new")
    sender.picks(recipient)


def draft_of(db: Session, person: Person) -> Confession:
    db.expire_all()
    return db.exec(
        select(Confession).where(
            Confession.sender_id == person.id, Confession.status == ConfessionStatus.DRAFT
        )
    ).one()


def test_start_greets_with_the_main_menu(alice: Person) -> None:
    replies = alice.command("start")

    assert "Confessions" in (replies[0].content or "")
    assert alice.button("Write a confession", on=replies[0])["callback_data"] == "new"


def test_new_asks_for_the_recipient_with_telegrams_user_picker(alice: Person) -> None:
    alice.command("new")

    keyboard = alice.reply_keyboard()
    picker = keyboard[0][0]
    assert picker["request_users"]["user_is_bot"] is False
    assert picker["request_users"]["max_quantity"] == 1
    assert "share it myself" in keyboard[1][0]["text"]


def test_new_in_the_middle_of_a_draft_starts_again_from_nothing(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)
    alice.says("words I took back")

    reply = alice.command("new")

    assert any("Who is it for?" in (each.content or "") for each in reply)
    draft = draft_of(db, alice)
    assert (draft.recipient_id, draft.text, draft.compose_step) == (None, "", ComposeStep.RECIPIENT)
    assert "Now say it" in (alice.picks(bob)[-1].content or ""), "it goes on as a new one"


def test_a_press_telegram_no_longer_takes_an_answer_for_still_gets_its_reply(
    alice: Person, bot_api: BotApiState
) -> None:
    alice.command("start")
    bot_api.fail_next("answerCallbackQuery", status=400, description=QUERY_TOO_OLD)

    replies = alice.presses("Write a confession")

    assert any("Who is it for?" in (reply.content or "") for reply in replies)


def test_the_whole_composition_ends_in_a_preview_with_every_control(
    alice: Person, bob: Person, db: Session
) -> None:
    alice.command("new")
    assert "Now say it" in (alice.picks(bob)[-1].content or "")
    assert "photo" in (alice.says("I like how you laugh")[-1].content or "")
    assert "signed" in (alice.presses("Skip")[-1].content or "")

    preview = alice.presses("Anonymous")

    assert "Preview" in (preview[0].content or "")
    card = preview[-1]
    assert "I like how you laugh" in (card.content or "")
    assert "anonymous" in (card.content or "")
    labels = [button["text"] for row in card.inline_keyboard or [] for button in row]
    assert any("Send" in label for label in labels)
    assert any("Edit text" in label for label in labels)
    assert any("Change recipient" in label for label in labels)
    assert any("Cancel" in label for label in labels)
    assert draft_of(db, alice).compose_step == ComposeStep.PREVIEW


@pytest.mark.settings(public_url="https://confessions.example")
def test_customise_opens_the_mini_app_on_the_draft_when_a_public_url_is_set(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)
    alice.says("hello")
    alice.presses("Skip")
    alice.presses("Anonymous")

    customise = alice.button("Customise")

    draft = draft_of(db, alice)
    assert (
        customise["web_app"]["url"]
        == f"https://confessions.example/app/?screen=edit&c={draft.public_id}"
    )


def test_customise_is_absent_without_a_public_url(alice: Person, bob: Person) -> None:
    compose_until_text(alice, bob)
    alice.says("hello")
    alice.presses("Skip")

    card = alice.presses("Anonymous")[-1]

    labels = [button["text"] for row in card.inline_keyboard or [] for button in row]
    assert not any("Customise" in label for label in labels)


def test_formatting_is_kept(alice: Person, bob: Person) -> None:
    compose_until_text(alice, bob)
    alice.says(
        "I really like you",
        entities=[
            {"type": "bold", "offset": 2, "length": 6},
            {"type": "spoiler", "offset": 9, "length": 4},
        ],
    )
    alice.presses("Skip")

    card = alice.presses("Anonymous")[-1]

    assert 'I <b>really</b> <span class="tg-spoiler">like</span> you' in (card.content or "")


def test_empty_text_is_refused_and_the_step_asked_again(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)

    reply = alice.says("   ")[-1]

    assert "empty" in (reply.content or "")
    assert draft_of(db, alice).compose_step == ComposeStep.TEXT


def test_too_long_text_is_refused_with_the_limit(alice: Person, bob: Person, db: Session) -> None:
    compose_until_text(alice, bob)

    reply = alice.says("x" * 1001)[-1]

    assert "1001 characters" in (reply.content or "")
    assert "limit is 1000" in (reply.content or "")
    assert draft_of(db, alice).text == ""


def test_a_photo_is_attached_and_shown_in_the_preview(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)
    alice.says("look at this")
    alice.sends_media("photo", b"\xff\xd8\xff fake jpeg")

    preview = alice.presses("Anonymous")

    card = preview[-1]
    assert card.media is not None
    assert card.media["kind"] == "photo"
    assert "look at this" in (card.caption or "")
    media = db.get(Media, draft_of(db, alice).media_id)
    assert media is not None
    assert media.kind == "photo"


def test_a_video_note_is_sent_before_the_card_text(alice: Person, bob: Person) -> None:
    compose_until_text(alice, bob)
    alice.says("listen")
    alice.sends_media("video_note", b"fake mp4")

    preview = alice.presses("Anonymous")

    assert preview[-2].media is not None
    assert preview[-2].media["kind"] == "video_note"
    assert "listen" in (preview[-1].content or "")


def test_an_oversized_video_is_refused(alice: Person, bob: Person, db: Session) -> None:
    compose_until_text(alice, bob)
    alice.says("big")

    reply = alice.sends_media("video", b"x", file_size=60 * 1024 * 1024)[-1]

    assert "too large" in (reply.content or "")
    assert "50 MB" in (reply.content or "")
    assert draft_of(db, alice).media_id is None


def test_a_message_that_does_not_fit_the_step_gets_a_nudge(alice: Person, bob: Person) -> None:
    compose_until_text(alice, bob)
    alice.says("hello")

    reply = alice.says("one more text instead of a photo")[-1]

    assert "Skip" in (reply.content or "")


def test_a_message_without_a_draft_gets_a_nudge(alice: Person) -> None:
    reply = alice.says("hi?")[-1]

    assert "/new" in (reply.content or "")


def test_a_hint_is_asked_for_and_shown(alice: Person, bob: Person, db: Session) -> None:
    compose_until_text(alice, bob)
    alice.says("guess who")
    alice.presses("Skip")
    assert "hint" in (alice.presses("with a hint")[-1].content or "")

    card = alice.says("we met at the library")[-1]

    assert "we met at the library" in (card.content or "")
    draft = draft_of(db, alice)
    assert draft.signature == Signature.HINT
    assert draft.hint == "we met at the library"


def test_signed_shows_the_senders_name(alice: Person, bob: Person) -> None:
    compose_until_text(alice, bob)
    alice.says("it was me")
    alice.presses("Skip")

    card = alice.presses("Signed")[-1]

    assert "<b>Alice</b>" in (card.content or "")


def test_edit_text_from_the_preview_returns_to_the_preview(alice: Person, bob: Person) -> None:
    compose_until_text(alice, bob)
    alice.says("first try")
    alice.presses("Skip")
    alice.presses("Anonymous")

    alice.presses("Edit text")
    card = alice.says("second try")[-1]

    assert "second try" in (card.content or "")
    assert alice.button("Send", on=card)


def test_change_recipient_from_the_preview(
    alice: Person, bob: Person, people: People, db: Session
) -> None:
    carol = people("Carol")
    compose_until_text(alice, bob)
    alice.says("hi")
    alice.presses("Skip")
    alice.presses("Anonymous")

    alice.presses("Change recipient")
    preview = alice.picks(carol)

    assert "Carol" in (preview[0].content or "")
    assert draft_of(db, alice).recipient_id == carol.id


def test_a_typed_username_of_someone_unknown_is_kept(alice: Person, db: Session) -> None:
    alice.command("new")

    alice.says("@Someone_New")

    assert draft_of(db, alice).recipient_username_key == "someone_new"


def test_a_typed_username_of_a_known_user_fixes_them(
    alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    alice.command("new")

    alice.says("@BOB_K")

    assert draft_of(db, alice).recipient_id == bob.id


def test_oneself_is_not_a_recipient(alice: Person, db: Session) -> None:
    alice.command("new")

    reply = alice.picks(alice)[-1]

    assert "yourself" in (reply.content or "")
    assert draft_of(db, alice).compose_step == ComposeStep.RECIPIENT


def test_cancel_drops_the_draft(alice: Person, bob: Person, db: Session) -> None:
    compose_until_text(alice, bob)

    reply = alice.command("cancel")[-1]

    assert "Nothing was sent" in (reply.content or "")
    assert db.exec(select(Confession).where(Confession.sender_id == alice.id)).all() == []


def test_a_restart_in_the_middle_continues_where_the_sender_was(
    alice: Person, bob: Person, product: Product
) -> None:
    compose_until_text(alice, bob)

    product.restart()
    reply = alice.says("still here after a restart")[-1]

    assert "photo" in (reply.content or "")


def test_russian_speakers_are_answered_in_russian(people: People) -> None:
    ivan = people("Иван", language_code="ru")

    reply = ivan.command("new")[-1]

    assert "Кому" in (reply.content or "")


def test_other_languages_fall_back_to_english(people: People) -> None:
    hans = people("Hans", language_code="de")

    reply = hans.command("new")[-1]

    assert "Who is it for" in (reply.content or "")
