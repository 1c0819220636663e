"""The sender's editor: a live card, pickers for its look, and Save that really stores it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Dialog, FilePayload, Page, expect
from sqlmodel import Session

from tests.bot.flows import latest_confession
from tests.browser.conftest import (
    Api,
    MiniApp,
    Reader,
    Screenshot,
    press_main_button,
    telegram_events,
)
from tests.telegram import Person

pytestmark = pytest.mark.browser


def test_the_editor_shows_the_confession_on_its_card(
    mini_app: MiniApp, alice: Person, draft: str, screenshot: Screenshot
) -> None:
    page = mini_app.open(alice, "edit", draft)

    expect(page.get_by_role("heading", name="Make it yours")).to_be_visible()
    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")
    screenshot(page, "editor")


def test_a_new_theme_and_colour_are_saved(
    mini_app: MiniApp, api: Api, alice: Person, draft: str, screenshot: Screenshot
) -> None:
    page = mini_app.open(alice, "edit", draft)

    page.get_by_role("radio", name="Midnight").check()
    page.get_by_role("radio", name="Green").check()
    press_main_button(page)

    expect(page.locator("#toast")).to_contain_text("Saved")
    style = api.confession(alice, draft)["style"]
    assert (style["theme"], style["accent_color"]) == ("midnight", "#3fa66b")
    screenshot(page, "editor-saved")


def test_the_preview_follows_the_chosen_theme(mini_app: MiniApp, alice: Person, draft: str) -> None:
    page = mini_app.open(alice, "edit", draft)

    page.get_by_role("radio", name="Midnight").check()

    expect(page.locator(".card")).to_have_css("background-color", "rgb(27, 31, 59)")


def test_a_gradient_background_and_a_decoration_are_saved(
    mini_app: MiniApp, api: Api, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)

    page.get_by_role("tab", name="Backdrop").click()
    page.get_by_role("radio", name="Gradient").check()
    page.get_by_role("radio", name="Lagoon").check()
    page.get_by_role("tab", name="Extras").click()
    page.get_by_role("radio", name="🦋").check()
    press_main_button(page)

    expect(page.locator("#toast")).to_contain_text("Saved")
    style = api.confession(alice, draft)["style"]
    assert style["background"]["kind"] == "gradient"
    assert style["background"]["value"] == "lagoon"
    assert style["decoration"] == "🦋"


def test_edited_words_show_on_the_card_and_are_saved(
    mini_app: MiniApp, api: Api, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)

    page.get_by_role("tab", name="Words").click()
    page.get_by_label("Your confession", exact=True).fill("I kept your scarf.")
    expect(page.locator(".card .card-text")).to_have_text("I kept your scarf.")
    press_main_button(page)

    expect(page.locator("#toast")).to_contain_text("Saved")
    assert api.confession(alice, draft)["text"] == "I kept your scarf."


def test_a_hint_is_saved_with_its_signature(
    mini_app: MiniApp, api: Api, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)

    page.get_by_role("tab", name="Words").click()
    page.get_by_role("radio", name="Anonymous, with a hint").check()
    page.get_by_label("Your hint").fill("we met at Anna's birthday")
    press_main_button(page)

    expect(page.locator("#toast")).to_contain_text("Saved")
    saved = api.confession(alice, draft)
    assert (saved["signature"], saved["hint"]) == ("hint", "we met at Anna's birthday")


def test_telegrams_main_button_saves(
    mini_app: MiniApp, api: Api, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)
    page.get_by_role("radio", name="Typewriter").check()

    page.evaluate("Telegram.WebView.receiveEvent('main_button_pressed')")

    expect(page.locator("#toast")).to_contain_text("Saved")
    assert api.confession(alice, draft)["style"]["font"] == "mono"


def test_the_main_button_says_save(mini_app: MiniApp, alice: Person, draft: str) -> None:
    page = mini_app.open(alice, "edit", draft)
    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")

    setups = page.evaluate(
        "__telegramEvents.filter(e => e[0] === 'web_app_setup_main_button')"
        ".map(e => JSON.parse(e[1]))"
    )

    assert setups[-1]["is_visible"] is True
    assert setups[-1]["text"] == "Save"


def a_photo() -> FilePayload:
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (240, 120, 150)).save(picture, "JPEG")
    return FilePayload(name="us.jpg", mimeType="image/jpeg", buffer=picture.getvalue())


def test_an_uploaded_photo_becomes_the_saved_background(
    mini_app: MiniApp, api: Api, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)

    page.get_by_role("tab", name="Backdrop").click()
    page.get_by_role("radio", name="Photo").check()
    page.get_by_label("Choose a photo").set_input_files(a_photo())
    expect(page.locator("#toast")).to_contain_text("Photo added")
    press_main_button(page)

    expect(page.locator("#toast")).to_contain_text("Saved")
    background = api.confession(alice, draft)["style"]["background"]
    assert background["kind"] == "image"
    assert background["image_url"]
    expect(page.locator(".stage-img")).to_have_js_property("complete", True)


def test_photo_backgrounds_bow_out_kindly_when_uploads_are_unavailable(
    mini_app: MiniApp, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)
    page.route(
        "**/api/v1/media",
        lambda route: route.fulfill(
            status=404,
            content_type="application/json",
            body='{"error": {"code": "not_found", "message": "Not Found"}}',
        ),
    )

    page.get_by_role("tab", name="Backdrop").click()
    page.get_by_role("radio", name="Photo").check()
    photo = FilePayload(name="us.png", mimeType="image/png", buffer=b"\x89PNG\r\n\x1a\n")
    page.get_by_label("Choose a photo").set_input_files(photo)

    expect(page.locator("#photo-help")).to_have_text(
        "Photo backgrounds aren’t available yet — try a colour or a gradient."
    )


def test_once_opened_it_stays_as_they_saw_it(
    mini_app: MiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    bob.presses("Reveal")

    page = mini_app.open(alice, "edit", delivered)

    expect(page.get_by_role("note")).to_contain_text("They’ve already opened it")
    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)


def test_inside_telegram_the_main_button_is_the_only_save(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str, screenshot: Screenshot
) -> None:
    alice.language_code = reader.language
    page = mini_app.open(alice, "edit", draft, theme=reader.theme)
    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")

    main = telegram_events(page, "web_app_setup_main_button")[-1]
    assert (main["is_visible"], main["text"]) == (True, reader.word("save"))
    expect(page.get_by_role("button", name=reader.word("save"), exact=True)).to_have_count(0)
    screenshot(page, f"editor-{reader.language}-{reader.scheme}")


def test_without_a_main_button_the_page_shows_its_own_save(
    mini_app: MiniApp, api: Api, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft, platform="unknown")
    page.get_by_role("radio", name="Typewriter").check()

    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator("#toast")).to_contain_text("Saved")
    assert api.confession(alice, draft)["style"]["font"] == "mono"


def a_jpeg() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 160, 220)).save(picture, "JPEG")
    return picture.getvalue()


def test_the_preview_shows_the_photo_they_will_see(
    mini_app: MiniApp, reader: Reader, alice: Person, bob: Person, db: Session
) -> None:
    alice.command("new")
    alice.picks(bob)
    alice.says("Look at us")
    alice.sends_media("photo", a_jpeg())
    alice.presses("Anonymous")
    draft = latest_confession(db, alice).public_id
    alice.language_code = reader.language

    page = mini_app.open(alice, "edit", draft, theme=reader.theme)

    photo = page.locator(".card .card-media img")
    expect(photo).to_be_visible()
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("img => img.naturalWidth") == 64


def answered_dialogs(page: Page, *, accept: bool) -> list[str]:
    """The browser's own dialogs the page opens, answered as told."""
    seen: list[str] = []

    def answer(dialog: Dialog) -> None:
        seen.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    return seen


def unsaved_change_then_back(page: Page) -> None:
    page.get_by_role("radio", name="Midnight").check()
    page.evaluate("Telegram.WebView.receiveEvent('back_button_pressed')")


def test_leaving_unsaved_asks_with_telegrams_popup_not_the_browsers(
    mini_app: MiniApp, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)
    dialogs = answered_dialogs(page, accept=False)

    unsaved_change_then_back(page)

    (popup,) = telegram_events(page, "web_app_open_popup")
    assert popup["message"] == "Leave without saving your changes?"
    assert dialogs == []
    expect(page.get_by_role("heading", name="Make it yours")).to_be_visible()
    page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {button_id: 'yes'})")
    expect(page.get_by_role("tab", name="Received")).to_be_visible()


def test_staying_keeps_the_changes(mini_app: MiniApp, alice: Person, draft: str) -> None:
    page = mini_app.open(alice, "edit", draft)
    unsaved_change_then_back(page)

    page.evaluate("Telegram.WebView.receiveEvent('popup_closed', {})")

    expect(page.get_by_role("radio", name="Midnight")).to_be_checked()
    expect(page.get_by_text("You have unsaved changes")).to_be_visible()


def test_a_client_without_popups_falls_back_to_the_browsers_confirm(
    mini_app: MiniApp, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft, version="6.1")
    dialogs = answered_dialogs(page, accept=True)

    unsaved_change_then_back(page)

    expect(page.get_by_role("tab", name="Received")).to_be_visible()
    assert dialogs == ["Leave without saving your changes?"]
