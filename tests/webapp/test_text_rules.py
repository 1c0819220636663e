"""What the mini app may write: the same text rule as the chat, answered as a 422 with the
error shape on every database, never as an outage to retry."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlmodel import Session, select

from core.settings import Settings
from models import Reply, Signature
from tests import factories
from tests.telegram import MiniApp, Person

OpenMiniApp = Callable[[Person], MiniApp]
RLO = "\u202e"


@pytest.fixture
def delivered(settings: Settings, alice: Person, bob: Person) -> str:
    """Alice's confession with a hint, delivered to Bob; its public id."""
    return factories.delivered(
        settings, alice, bob, signature=Signature.HINT, hint="we met at the library"
    )


@pytest.fixture
def revealed(mini_app: OpenMiniApp, bob: Person, delivered: str) -> str:
    assert mini_app(bob).post(f"/confessions/{delivered}/reveal").status_code == 200
    return delivered


def refused(response: httpx.Response, code: str) -> str:
    """The refusal's message, once its shape is checked: a 422 that is not worth retrying."""
    assert response.status_code == 422, response.text
    assert "retry-after" not in response.headers
    error = response.json()["error"]
    assert error["code"] == code
    message: str = error["message"]
    return message


def test_a_nul_byte_in_the_words_is_a_422_not_an_outage(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    app = mini_app(alice)

    response = app.patch(f"/confessions/{delivered}", {"text": "a\u0000b"})

    assert "U+0000" in refused(response, "text_hidden_character")
    assert app.get(f"/confessions/{delivered}").json()["text"] == "I think about you every day"


@pytest.mark.parametrize("character", [RLO, "\u2066", "\u202b", "\x07", "\x9b", "\r"])
def test_hidden_characters_in_the_words_are_refused(
    mini_app: OpenMiniApp, alice: Person, delivered: str, character: str
) -> None:
    response = mini_app(alice).patch(f"/confessions/{delivered}", {"text": f"hi{character}there"})

    assert f"U+{ord(character):04X}" in refused(response, "text_hidden_character")


def test_words_of_only_zero_width_spaces_are_refused_as_empty(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    response = mini_app(alice).patch(f"/confessions/{delivered}", {"text": "\u200b" * 5})

    refused(response, "text_empty")


def test_a_hint_that_reverses_itself_is_refused(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    response = mini_app(alice).patch(
        f"/confessions/{delivered}", {"signature": "hint", "hint": f"your {RLO}ssob"}
    )

    assert "RIGHT-TO-LEFT OVERRIDE" in refused(response, "text_hidden_character")
    assert mini_app(bob).get(f"/confessions/{delivered}").json()["hint"] == (
        "we met at the library"
    )


def test_a_hint_with_a_nul_byte_is_a_422(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    response = mini_app(alice).patch(
        f"/confessions/{delivered}", {"signature": "hint", "hint": "\u0000"}
    )

    refused(response, "text_hidden_character")


def test_a_hint_of_only_invisible_characters_is_refused(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    response = mini_app(alice).patch(
        f"/confessions/{delivered}", {"signature": "hint", "hint": "\u3164\u200b"}
    )

    refused(response, "text_empty")


@pytest.mark.parametrize("words", ["a\u0000b", f"who {RLO}si siht", "\u200b\ufeff"])
def test_a_reply_that_breaks_the_rule_is_refused_and_not_relayed(
    mini_app: OpenMiniApp, bob: Person, revealed: str, db: Session, words: str
) -> None:
    response = mini_app(bob).post(f"/confessions/{revealed}/replies", {"text": words})

    assert response.status_code == 422, response.text
    db.expire_all()
    assert db.exec(select(Reply)).all() == []


def test_a_nul_byte_in_a_confession_id_is_not_an_outage(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    response = mini_app(alice).get("/confessions/a%00b")

    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"] in ("not_found", "invalid_request")


def test_a_nul_byte_in_the_cursor_is_not_an_outage(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    response = mini_app(alice).get("/confessions", box="sent", cursor="\u0000")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_right_to_left_words_with_their_marks_are_kept(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    words = "שלום\u200f! أحبك\u061c 👩\u200d❤\ufe0f\u200d👨"

    response = mini_app(alice).patch(f"/confessions/{delivered}", {"text": words})

    assert response.status_code == 200, response.text
    assert response.json()["text"] == words


def test_a_nul_byte_in_a_media_id_is_not_an_outage(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    response = mini_app(alice).get("/media/a%00b")

    assert response.status_code in (404, 422)
    assert "retry-after" not in response.headers
