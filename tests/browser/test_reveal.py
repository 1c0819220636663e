"""The recipient's reveal view: a sealed envelope that opens into the card."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.bot.flows import latest_confession, send
from tests.browser.conftest import DARK_THEME, Api, MiniApp, Screenshot
from tests.support import started
from tests.telegram import Person

pytestmark = pytest.mark.browser


def open_the_envelope(page: Page) -> None:
    page.get_by_role("button", name="Open the envelope").click()


def test_the_envelope_opens_into_the_confession(
    mini_app: MiniApp, api: Api, bob: Person, delivered: str, screenshot: Screenshot
) -> None:
    page = mini_app.open(bob, "reveal", delivered)
    screenshot(page, "reveal-sealed")
    pseudonym = api.confession(bob, delivered)["sender_pseudonym"]

    open_the_envelope(page)

    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")
    expect(page.locator(".card .card-sign")).to_have_text(f"— anonymous · {pseudonym}")
    screenshot(page, "reveal")


def test_opening_the_envelope_reveals_it(
    mini_app: MiniApp, api: Api, alice: Person, bob: Person, delivered: str
) -> None:
    page = mini_app.open(bob, "reveal", delivered)

    open_the_envelope(page)

    expect(page.locator(".card .card-text")).to_be_visible()
    assert api.confession(alice, delivered)["status"] == "revealed"


def test_the_envelope_opens_from_the_keyboard(
    mini_app: MiniApp, bob: Person, delivered: str
) -> None:
    page = mini_app.open(bob, "reveal", delivered, reduced_motion=True)
    envelope = page.get_by_role("button", name="Open the envelope")
    expect(envelope).to_be_visible()

    for _ in range(5):
        page.keyboard.press("Tab")
        if envelope.evaluate("element => element === document.activeElement"):
            break
    page.keyboard.press("Enter")

    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")


def test_the_hint_shows_on_the_sealed_envelope(
    mini_app: MiniApp, alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    send(alice, bob, hint="we met at Anna's birthday")
    bob.accepts_request()

    page = mini_app.open(bob, "reveal", latest_confession(db, alice).public_id)

    expect(page.get_by_text("Hint: we met at Anna's birthday")).to_be_visible()


def test_a_reaction_reaches_the_sender(
    mini_app: MiniApp, api: Api, alice: Person, bob: Person, delivered: str
) -> None:
    page = mini_app.open(bob, "reveal", delivered)
    open_the_envelope(page)

    page.get_by_role("button", name="Love it").click()

    expect(page.get_by_role("button", name="Love it")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#toast")).to_contain_text("Sent ❤️")
    assert api.confession(alice, delivered)["reaction"] == "heart"


def test_formatting_is_kept_and_any_other_markup_stays_text(
    mini_app: MiniApp, alice: Person, bob: Person, db: Session
) -> None:
    words = 'I <img src=x onerror="document.title=1"> you, truly'
    started(bob)
    alice.command("new")
    alice.picks(bob)
    alice.says(words, entities=[{"type": "bold", "offset": len(words) - 5, "length": 5}])
    alice.presses("Skip")
    alice.presses("Anonymous")
    alice.presses("Send")
    bob.accepts_request()
    page = mini_app.open(bob, "reveal", latest_confession(db, alice).public_id)

    open_the_envelope(page)

    text = page.locator(".card .card-text")
    expect(text).to_have_text(words)
    expect(text.locator("b")).to_have_text("truly")
    expect(text.locator("img")).to_have_count(0)


def test_the_reveal_view_in_telegrams_dark_theme(
    mini_app: MiniApp, bob: Person, delivered: str, screenshot: Screenshot
) -> None:
    page = mini_app.open(bob, "reveal", delivered, theme=DARK_THEME)

    open_the_envelope(page)

    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")
    expect(page.locator("body")).to_have_css("background-color", "rgb(15, 15, 15)")
    screenshot(page, "reveal-dark")
