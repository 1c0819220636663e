"""The mini-app API as the sender, the recipient and strangers use it."""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image
from sqlmodel import Session

from bot import telegram_auth
from core.settings import Settings
from tests import factories
from tests.bot.flows import compose, latest_confession, send
from tests.support import Product, started
from tests.telegram import MiniApp, People, Person

OpenMiniApp = Callable[[Person], MiniApp]
STYLE = {
    "theme": "midnight",
    "accent_color": "#8C9EFF",
    "font": "hand",
    "animation": "float",
    "background": {"kind": "gradient", "value": "dusk"},
    "decoration": "🌙",
}


@pytest.fixture
def delivered(settings: Settings, alice: Person, bob: Person) -> str:
    """Alice's anonymous confession, delivered to Bob; its public id."""
    return factories.delivered(settings, alice, bob)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


# who may call


def test_a_call_without_init_data_is_401(product: Product) -> None:
    response = httpx.get(f"{product.url}/api/v1/me")

    assert response.status_code == 401
    assert error_code(response) == "init_data_missing"


def test_a_call_with_a_forged_signature_is_401(product: Product, alice: Person) -> None:
    forged = telegram_auth.sign(alice.profile, bot_token="1:not-our-bot")

    response = httpx.get(f"{product.url}/api/v1/me", headers={"Authorization": f"tma {forged}"})

    assert response.status_code == 401
    assert error_code(response) == "init_data_bad_signature"


def test_a_call_with_stale_init_data_is_401(
    product: Product, alice: Person, settings: Settings
) -> None:
    stale = telegram_auth.sign(alice.profile, bot_token=settings.token or "", auth_date=1_000_000)

    response = httpx.get(f"{product.url}/api/v1/me", headers={"Authorization": f"tma {stale}"})

    assert response.status_code == 401
    assert error_code(response) == "init_data_expired"


def test_another_scheme_is_401(product: Product) -> None:
    response = httpx.get(f"{product.url}/api/v1/me", headers={"Authorization": "Bearer x"})

    assert response.status_code == 401
    assert error_code(response) == "init_data_malformed"


def test_me_is_the_user_telegram_vouches_for(mini_app: OpenMiniApp, alice: Person) -> None:
    me = mini_app(alice).get("/me").json()

    assert me == {
        "id": alice.id,
        "first_name": "Alice",
        "username": "alice_w",
        "language_code": "en",
    }


def test_themes_lists_the_presets(mini_app: OpenMiniApp, alice: Person) -> None:
    themes = mini_app(alice).get("/themes").json()

    assert {"classic", "midnight"} <= {theme["id"] for theme in themes["themes"]}
    assert themes["reactions"][0] == {"id": "heart", "emoji": "❤️", "label": "Love it"}


# reading


def test_the_sender_sees_everything(mini_app: OpenMiniApp, alice: Person, delivered: str) -> None:
    confession = mini_app(alice).get(f"/confessions/{delivered}").json()

    assert confession["role"] == "sender"
    assert confession["text"] == "I think about you every day"
    assert confession["recipient_name"] == "Bob"
    assert confession["status"] == "delivered"
    assert confession["can_edit"] is True


def test_the_recipient_sees_no_words_before_the_reveal(
    mini_app: OpenMiniApp, bob: Person, delivered: str
) -> None:
    confession = mini_app(bob).get(f"/confessions/{delivered}").json()

    assert confession["role"] == "recipient"
    assert confession["text"] is None
    assert confession["text_html"] is None
    assert confession["can_reveal"] is True


def test_the_recipient_never_learns_an_anonymous_sender(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    app = mini_app(bob)
    app.post(f"/confessions/{delivered}/reveal")

    body = app.get(f"/confessions/{delivered}").text

    assert "Alice" not in body
    assert "alice_w" not in body
    assert str(alice.id) not in body


def test_a_stranger_gets_404_as_if_it_did_not_exist(
    mini_app: OpenMiniApp, people: People, delivered: str
) -> None:
    response = mini_app(people("Eve")).get(f"/confessions/{delivered}")

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_an_unknown_id_is_404(mini_app: OpenMiniApp, alice: Person) -> None:
    assert mini_app(alice).get("/confessions/nope").status_code == 404


def test_lists_are_newest_first_and_paged(
    mini_app: OpenMiniApp, alice: Person, people: People
) -> None:
    for name in ("R1", "R2", "R3"):
        send(alice, people(name))
    app = mini_app(alice)

    first = app.get("/confessions", box="sent", limit=2).json()
    second = app.get("/confessions", box="sent", limit=2, cursor=first["next_cursor"]).json()

    assert [item["recipient_name"] for item in first["items"]] == ["R3", "R2"]
    assert [item["recipient_name"] for item in second["items"]] == ["R1"]
    assert second["next_cursor"] is None


def test_a_cursor_that_names_nothing_is_the_end_of_the_list(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    page = mini_app(alice).get("/confessions", box="sent", cursor="gone-for-good").json()

    assert page == {"items": [], "next_cursor": None}


def test_the_received_list_hides_the_words_until_revealed(
    mini_app: OpenMiniApp, bob: Person, delivered: str
) -> None:
    app = mini_app(bob)
    before = app.get("/confessions", box="received").json()["items"]
    app.post(f"/confessions/{delivered}/reveal")
    after = app.get("/confessions", box="received").json()["items"]

    assert [(item["id"], item["preview"]) for item in before] == [(delivered, None)]
    assert after[0]["preview"] == "I think about you every day"


def test_a_list_line_shows_the_first_eighty_characters_of_long_words(
    mini_app: OpenMiniApp, alice: Person, bob: Person
) -> None:
    words = "Ünter den Linden, " + "я думаю о тебе 💌 " * 8
    send(alice, bob, words)

    [line] = mini_app(alice).get("/confessions", box="sent").json()["items"]

    assert line["preview"] == words[:80]


# changing


def test_the_sender_restyles_and_the_style_is_returned(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    app = mini_app(alice)

    saved = app.put(f"/confessions/{delivered}/style", STYLE)
    read = app.get(f"/confessions/{delivered}").json()["style"]

    assert saved.status_code == 200
    assert read["theme"] == "midnight"
    assert read["accent_color"] == "#8c9eff"
    assert read["background"] == {"kind": "gradient", "value": "dusk", "image_url": None}
    assert read["decoration"] == "🌙"


def test_a_draft_shows_the_default_look_until_its_sender_picks_another(
    settings: Settings, mini_app: OpenMiniApp, alice: Person, bob: Person
) -> None:
    draft = factories.drafted(settings, alice, bob)
    app = mini_app(alice)

    before = app.get(f"/confessions/{draft}").json()["style"]
    app.put(f"/confessions/{draft}/style", STYLE)
    app.put(f"/confessions/{draft}/style", {**STYLE, "theme": "blush", "font": "mono"})
    after = app.get(f"/confessions/{draft}").json()["style"]

    assert (before["theme"], before["font"], before["animation"]) == (
        "classic",
        "serif",
        "envelope",
    )
    assert (after["theme"], after["font"], after["decoration"]) == ("blush", "mono", "🌙")


def test_two_looks_picked_at_once_for_a_fresh_draft_both_succeed_and_one_is_kept(
    settings: Settings, mini_app: OpenMiniApp, alice: Person, bob: Person
) -> None:
    draft = factories.drafted(settings, alice, bob)
    app = mini_app(alice)
    looks = [{**STYLE, "theme": theme} for theme in ("midnight", "blush")]

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda look: app.put(f"/confessions/{draft}/style", look), looks))

    assert [answer.status_code for answer in answers] == [200, 200]
    assert app.get(f"/confessions/{draft}").json()["style"]["theme"] in {"midnight", "blush"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"theme": "neon"}, "invalid_input"),
        ({"accent_color": "red"}, "invalid_request"),
        ({"font": "wingdings"}, "invalid_input"),
        ({"background": {"kind": "gradient", "value": "rainbow"}}, "invalid_input"),
        ({"decoration": "💣"}, "invalid_input"),
    ],
)
def test_a_style_outside_the_presets_is_422_and_changes_nothing(
    mini_app: OpenMiniApp, alice: Person, delivered: str, change: dict[str, object], code: str
) -> None:
    app = mini_app(alice)

    response = app.put(f"/confessions/{delivered}/style", {**STYLE, **change})

    assert response.status_code == 422
    assert error_code(response) == code
    assert app.get(f"/confessions/{delivered}").json()["style"]["theme"] == "classic"


def test_a_background_image_that_was_never_uploaded_is_404_and_changes_nothing(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    app = mini_app(alice)
    change = {"background": {"kind": "image", "value": "not-uploaded"}}

    response = app.put(f"/confessions/{delivered}/style", {**STYLE, **change})

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "That image was not uploaded."
    assert app.get(f"/confessions/{delivered}").json()["style"]["theme"] == "classic"


def test_the_sender_edits_a_draft_from_the_mini_app(
    mini_app: OpenMiniApp,
    alice: Person,
    bob: Person,
    db: Session,
) -> None:
    compose(alice, bob)
    draft = latest_confession(db, alice).public_id

    edited = mini_app(alice).patch(
        f"/confessions/{draft}", {"text": "<b>not bold</b>", "signature": "hint", "hint": "desk"}
    )

    assert edited.status_code == 200
    assert edited.json()["text_html"] == "&lt;b&gt;not bold&lt;/b&gt;"
    assert edited.json()["hint"] == "desk"


def test_too_long_text_is_422(mini_app: OpenMiniApp, alice: Person, delivered: str) -> None:
    response = mini_app(alice).patch(f"/confessions/{delivered}", {"text": "x" * 1001})

    assert response.status_code == 422
    assert error_code(response) == "text_too_long"


def test_the_recipient_cannot_edit(mini_app: OpenMiniApp, bob: Person, delivered: str) -> None:
    response = mini_app(bob).patch(f"/confessions/{delivered}", {"text": "mine now"})

    assert response.status_code == 403


def test_nothing_changes_after_the_reveal(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    mini_app(bob).post(f"/confessions/{delivered}/reveal")

    response = mini_app(alice).put(f"/confessions/{delivered}/style", STYLE)

    assert response.status_code == 409
    assert error_code(response) == "wrong_state"


def test_a_body_that_is_not_json_is_422_not_500(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    app = mini_app(alice)

    response = app.client.put(
        f"/confessions/{delivered}/style",
        content=b"{",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422


# revealing and reacting


def test_revealing_in_the_mini_app_shows_the_words_and_tells_the_sender(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    revealed = mini_app(bob).post(f"/confessions/{delivered}/reveal")

    assert revealed.status_code == 200
    assert revealed.json()["text"] == "I think about you every day"
    alice.wait_for_message("opened your confession")


def test_only_the_recipient_can_reveal(
    mini_app: OpenMiniApp, alice: Person, delivered: str
) -> None:
    assert mini_app(alice).post(f"/confessions/{delivered}/reveal").status_code == 404


def test_a_reaction_reaches_the_sender(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    app = mini_app(bob)
    app.post(f"/confessions/{delivered}/reveal")

    reacted = app.post(f"/confessions/{delivered}/reaction", {"reaction": "heart"})

    assert reacted.json()["reaction"] == "heart"
    assert "❤️" in (alice.wait_for_message("reacted to your confession").content or "")


def test_no_reaction_before_the_reveal(mini_app: OpenMiniApp, bob: Person, delivered: str) -> None:
    response = mini_app(bob).post(f"/confessions/{delivered}/reaction", {"reaction": "heart"})

    assert response.status_code == 409


def test_an_unknown_reaction_is_422(mini_app: OpenMiniApp, bob: Person, delivered: str) -> None:
    app = mini_app(bob)
    app.post(f"/confessions/{delivered}/reveal")

    assert app.post(f"/confessions/{delivered}/reaction", {"reaction": "poop"}).status_code == 422


def test_the_openapi_document_describes_the_api(product: Product) -> None:
    spec = httpx.get(f"{product.url}/openapi.json").json()

    assert "/api/v1/confessions/{public_id}" in spec["paths"]
    assert "ConfessionOut" in spec["components"]["schemas"]


def test_a_photo_sent_in_the_chat_is_shown_in_the_mini_app_after_the_reveal(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session, product: Product
) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "pink").save(picture, "JPEG")
    started(bob)
    alice.command("new")
    alice.picks(bob)
    alice.says("us")
    alice.sends_media("photo", picture.getvalue())
    alice.presses("Anonymous")
    alice.presses("Send")
    bob.accepts_request()
    public_id = latest_confession(db, alice).public_id
    app = mini_app(bob)

    before = app.get(f"/confessions/{public_id}").json()
    after = app.post(f"/confessions/{public_id}/reveal").json()
    image = httpx.get(f"{product.url}{after['media']['url']}")

    assert before["media"] is None
    assert after["media"]["kind"] == "photo"
    assert image.status_code == 200
    assert Image.open(io.BytesIO(image.content)).size == (64, 48)


def test_the_recipient_replies_from_the_mini_app_and_the_sender_gets_it_in_the_chat(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    app = mini_app(bob)
    app.post(f"/confessions/{delivered}/reveal")

    posted = app.post(f"/confessions/{delivered}/replies", {"text": "who <b>are</b> you?"})

    assert posted.status_code == 201
    assert posted.json()["items"][0]["mine"] is True
    relayed = alice.wait_for_message("who &lt;b&gt;are&lt;/b&gt; you?")
    assert "Bob" in (relayed.content or "")


def test_the_thread_never_names_the_anonymous_sender_to_the_recipient(
    mini_app: OpenMiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    mini_app(bob).post(f"/confessions/{delivered}/reveal")
    mini_app(alice).post(f"/confessions/{delivered}/replies", {"text": "it's me, someone"})

    thread = mini_app(bob).get(f"/confessions/{delivered}/replies").json()["items"]

    assert thread[0]["author"] is None
    assert thread[0]["mine"] is False
    assert "Alice" not in str(thread)


def test_no_replies_before_the_reveal(mini_app: OpenMiniApp, bob: Person, delivered: str) -> None:
    response = mini_app(bob).post(f"/confessions/{delivered}/replies", {"text": "hi"})

    assert response.status_code == 409
