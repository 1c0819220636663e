"""Sending a confession's card from the mini app: the server prepares it with Telegram's
savePreparedInlineMessage, for its sender only, and the page opens the share sheet with the id."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from PIL import Image
from sqlmodel import Session

from emulator import BotApiState
from models import ConfessionStatus
from tests.bot.flows import latest_confession, send
from tests.support import started
from tests.telegram import MiniApp, People, Person
from webapp_api import story

OpenMiniApp = Callable[[Person], MiniApp]


def sent(alice: Person, bob: Person, db: Session) -> str:
    started(bob)
    send(alice, bob)
    return latest_confession(db, alice).public_id


def test_the_sender_gets_a_prepared_card_that_names_nobody(
    mini_app: OpenMiniApp, bot_api: BotApiState, alice: Person, bob: Person, db: Session
) -> None:
    public_id = sent(alice, bob, db)

    answer = mini_app(alice).post(f"/confessions/{public_id}/share")

    assert answer.status_code == 200, answer.text
    assert answer.json()["id"]
    (call,) = bot_api.calls_to("savePreparedInlineMessage")
    assert call.params["user_id"] == alice.id
    card = call.params["result"]
    assert card["type"] == "article"
    assert "Someone has a confession for you" in card["input_message_content"]["message_text"]
    (button,) = card["reply_markup"]["inline_keyboard"][0]
    assert button["url"].endswith(f"?start=c_{public_id}")
    assert "Alice" not in str(card)
    assert "alice" not in str(card).lower().replace(public_id.lower(), "")


def test_the_card_speaks_the_senders_language(
    mini_app: OpenMiniApp, bot_api: BotApiState, alice: Person, bob: Person, db: Session
) -> None:
    public_id = sent(alice, bob, db)
    alice.language_code = "ru"  # her Telegram now says Russian; the mini app's init data too

    assert mini_app(alice).post(f"/confessions/{public_id}/share").status_code == 200

    (call,) = bot_api.calls_to("savePreparedInlineMessage")
    assert "признание" in call.params["result"]["input_message_content"]["message_text"]


def test_a_stranger_cannot_share_someone_elses_confession(
    mini_app: OpenMiniApp,
    bot_api: BotApiState,
    people: People,
    alice: Person,
    bob: Person,
    db: Session,
) -> None:
    public_id = sent(alice, bob, db)
    mallory = people("Mallory")

    answer = mini_app(mallory).post(f"/confessions/{public_id}/share")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert bot_api.calls_to("savePreparedInlineMessage") == []


def test_its_recipient_cannot_share_it_either(
    mini_app: OpenMiniApp, bot_api: BotApiState, alice: Person, bob: Person, db: Session
) -> None:
    public_id = sent(alice, bob, db)

    answer = mini_app(bob).post(f"/confessions/{public_id}/share")

    assert answer.status_code == 403
    assert bot_api.calls_to("savePreparedInlineMessage") == []


def test_a_withdrawn_confession_is_not_shared(
    mini_app: OpenMiniApp, bot_api: BotApiState, alice: Person, bob: Person, db: Session
) -> None:
    public_id = sent(alice, bob, db)
    # delivered first: the worker's delivery writes the status, and would overwrite this one
    alice.wait_for_message(f"Your confession to {bob.first_name} was delivered")
    confession = latest_confession(db, alice)
    confession.status = ConfessionStatus.WITHDRAWN
    db.add(confession)
    db.commit()

    answer = mini_app(alice).post(f"/confessions/{public_id}/share")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "withdrawn"
    assert bot_api.calls_to("savePreparedInlineMessage") == []


def test_telegram_failing_is_a_503_not_a_500(
    mini_app: OpenMiniApp, bot_api: BotApiState, alice: Person, bob: Person, db: Session
) -> None:
    public_id = sent(alice, bob, db)
    bot_api.fail_next("savePreparedInlineMessage", status=500, description="Internal Server Error")

    answer = mini_app(alice).post(f"/confessions/{public_id}/share")

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "telegram_unavailable"


def revealed(alice: Person, bob: Person, db: Session, words: str) -> str:
    started(bob)
    send(alice, bob, words, signature="Signed")
    bob.accepts_request()
    bob.presses("Reveal")
    return latest_confession(db, alice).public_id


def test_an_opened_card_becomes_a_story_image_with_the_words_and_no_name(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[dict[str, object]] = []
    draw = story.render

    def spy(text: str, **look: str) -> bytes:
        drawn.append({"text": text, **look})
        return draw(text, **look)

    monkeypatch.setattr(story, "render", spy)
    public_id = revealed(alice, bob, db, "I kept your scarf")

    answer = mini_app(bob).post(f"/confessions/{public_id}/story")

    assert answer.status_code == 200, answer.text
    image = httpx.get(answer.json()["url"])
    assert image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (1080, 1920)
    (seen,) = drawn
    assert seen["text"] == "I kept your scarf"
    assert "Alice" not in str(seen)  # signed, yet the image is never told who wrote it


def test_asking_for_the_same_story_again_and_again_draws_it_once(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    paintings: list[str] = []
    paint = story._paint

    def spy(text: str, **look: str) -> bytes:
        paintings.append(text)
        return paint(text, **look)

    monkeypatch.setattr(story, "_paint", spy)
    public_id = revealed(alice, bob, db, f"Words drawn once {uuid.uuid4().hex}")

    answers = [mini_app(bob).post(f"/confessions/{public_id}/story") for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 5
    assert len(paintings) == 1
    images = {httpx.get(answer.json()["url"]).content for answer in answers}
    assert len(images) == 1


async def test_many_different_cards_asked_for_at_once_are_drawn_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawing = threading.Lock()
    overlapped: list[str] = []

    def spy(text: str, **look: str) -> bytes:
        if not drawing.acquire(blocking=False):
            overlapped.append(text)
            return b""
        try:
            time.sleep(0.05)
            return b"png"
        finally:
            drawing.release()

    monkeypatch.setattr(story, "_paint", spy)
    texts = [f"Card {n} {uuid.uuid4().hex}" for n in range(6)]

    images = await asyncio.gather(
        *(
            story.drawn(text, theme_id="classic", accent="#e2506b", eyebrow="For you")
            for text in texts
        )
    )

    assert overlapped == []
    assert images == [b"png"] * 6


def test_a_sealed_card_is_not_a_story_yet(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session
) -> None:
    public_id = sent(alice, bob, db)

    answer = mini_app(alice).post(f"/confessions/{public_id}/story")

    assert answer.status_code == 409


def test_a_stranger_cannot_make_a_story_of_it(
    mini_app: OpenMiniApp, people: People, alice: Person, bob: Person, db: Session
) -> None:
    public_id = revealed(alice, bob, db, "I kept your scarf")

    answer = mini_app(people("Mallory")).post(f"/confessions/{public_id}/story")

    assert answer.status_code == 404
