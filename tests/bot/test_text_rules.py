"""What a sender may write in the chat: no hidden control or text-direction characters, and
something visible; the bot says so plainly, in the sender's language, and keeps the step."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models import ComposeStep, Reply
from tests.bot.flows import compose, latest_confession, send
from tests.bot.test_after_reveal import revealed
from tests.bot.test_compose import compose_until_text, draft_of
from tests.support import started
from tests.telegram import People, Person

RLO = "\u202e"


def test_words_of_only_zero_width_spaces_are_refused_as_empty(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)

    reply = alice.says("\u200b\u200b\u200b")[-1]

    assert "empty" in (reply.content or "")
    assert draft_of(db, alice).compose_step == ComposeStep.TEXT


def test_words_of_only_hangul_fillers_and_spaces_are_refused_as_empty(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)

    reply = alice.says("\u3164 \u2800\ufeff")[-1]

    assert "empty" in (reply.content or "")
    assert draft_of(db, alice).text == ""


@pytest.mark.parametrize(
    ("character", "named"),
    [
        (RLO, "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u2067", "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ("\u202a", "U+202A LEFT-TO-RIGHT EMBEDDING"),
        ("\x00", "U+0000"),
        ("\x1b", "U+001B"),
        ("\x85", "U+0085"),
    ],
)
def test_a_hidden_character_in_the_words_is_refused_and_named(
    alice: Person, bob: Person, db: Session, character: str, named: str
) -> None:
    compose_until_text(alice, bob)

    reply = alice.says(f"I love you{character} truly")[-1]

    assert f"invisible character ({named})" in (reply.content or "")
    assert "went wrong" not in (reply.content or "")
    draft = draft_of(db, alice)
    assert draft.compose_step == ComposeStep.TEXT
    assert draft.text == ""


def test_the_hint_the_recipient_sees_before_the_reveal_cannot_reverse_itself(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)
    alice.says("guess who")
    alice.presses("Skip")
    alice.presses("with a hint")

    reply = alice.says(f"from your {RLO}ssob")[-1]

    assert "U+202E" in (reply.content or "")
    draft = draft_of(db, alice)
    assert draft.compose_step == ComposeStep.HINT
    assert draft.hint is None


def test_a_hint_of_only_invisible_characters_is_refused(
    alice: Person, bob: Person, db: Session
) -> None:
    compose_until_text(alice, bob)
    alice.says("guess who")
    alice.presses("Skip")
    alice.presses("with a hint")

    reply = alice.says("\u200b\u200d")[-1]

    assert "empty" in (reply.content or "")
    assert draft_of(db, alice).compose_step == ComposeStep.HINT


def test_a_reply_in_the_chat_with_an_override_is_refused_and_not_relayed(
    alice: Person, bob: Person, db: Session
) -> None:
    revealed(alice, bob)
    bob.presses("Reply")

    refusal = bob.says(f"who {RLO}si siht")[-1]

    assert "U+202E" in (refusal.content or "")
    db.expire_all()
    assert db.exec(select(Reply)).all() == []
    assert not any(RLO in (message.content or "") for message in alice.messages)


def test_a_reply_of_only_zero_width_characters_is_refused(
    alice: Person, bob: Person, db: Session
) -> None:
    revealed(alice, bob)
    bob.presses("Reply")

    refusal = bob.says("\u200b\u2060")[-1]

    assert "empty" in (refusal.content or "")
    db.expire_all()
    assert db.exec(select(Reply)).all() == []


def test_russian_speakers_hear_why_in_russian(people: People, bob: Person) -> None:
    ivan = people("Иван", language_code="ru")
    compose_until_text(ivan, bob)

    reply = ivan.says(f"люблю{RLO}тебя")[-1]

    assert "невидимый символ (U+202E RIGHT-TO-LEFT OVERRIDE)" in (reply.content or "")


def test_right_to_left_writing_with_its_marks_and_joined_emoji_is_kept(
    alice: Person, bob: Person, db: Session
) -> None:
    words = "أحبك\u200f! \u05d0\u05e0\u05d9 \u200e👩\u200d❤\ufe0f\u200d👨"

    compose(alice, bob, words)

    assert latest_confession(db, alice).text == words


def test_formatting_stays_on_the_right_words_next_to_a_zero_width_joiner(
    alice: Person, bob: Person
) -> None:
    compose_until_text(alice, bob)
    alice.says(
        "👩\u200d💻 I really like you",
        entities=[{"type": "bold", "offset": 8, "length": 6}],
    )
    alice.presses("Skip")

    card = alice.presses("Anonymous")[-1]

    assert "👩\u200d💻 I <b>really</b> like you" in (card.content or "")


def test_a_share_link_with_a_nul_byte_is_not_found_not_an_error(alice: Person) -> None:
    reply = alice.command("start", "c_a\x00b")[-1]

    assert "can't find that" in (reply.content or "")


def test_an_inline_query_with_a_nul_byte_offers_nothing(alice: Person) -> None:
    alice.command("start")

    assert alice.inline_query("c_a\x00b") == []


def test_a_name_that_reverses_itself_reaches_the_recipient_without_the_override(
    people: People, bob: Person
) -> None:
    eve = people(f"Eve{RLO}lyn", username="eve_r")
    started(bob)

    send(eve, bob, "it was me", signature="Signed")
    bob.receives_confession()
    bob.presses("Reveal")

    shown = " ".join(message.content or "" for message in bob.messages)
    assert "Evelyn" in shown
    assert RLO not in shown
