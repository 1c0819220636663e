"""Sending the card from the mini app through Telegram's own share sheet (Bot API 8.0): the
server prepares it for the sender, the page hands its id to shareMessage."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from emulator import BotApiState
from tests.browser.conftest import MiniApp, Reader, Screenshot, telegram_events
from tests.telegram import Person

pytestmark = pytest.mark.browser


def asked_telegram_to(page: Page, kind: str) -> None:
    page.wait_for_function("kind => __telegramEvents.some(e => e[0] === kind)", arg=kind)


def test_the_sender_sends_the_card_through_telegrams_share_sheet(
    mini_app: MiniApp,
    bot_api: BotApiState,
    reader: Reader,
    alice: Person,
    delivered: str,
    screenshot: Screenshot,
) -> None:
    alice.language_code = reader.language
    page = mini_app.open(alice, "edit", delivered, theme=reader.theme)
    screenshot(page, f"share-{reader.language}-{reader.scheme}")

    page.get_by_role("button", name=reader.word("share")).click()

    asked_telegram_to(page, "web_app_send_prepared_message")
    (prepared,) = bot_api.calls_to("savePreparedInlineMessage")
    sent = telegram_events(page, "web_app_send_prepared_message")[0]
    assert sent["id"] == prepared.result["id"]
    assert prepared.params["user_id"] == alice.id
    page.evaluate("Telegram.WebView.receiveEvent('prepared_message_sent')")
    expect(page.locator("#toast")).to_contain_text(reader.word("share_sent"))


def test_the_recipient_has_nothing_to_share(
    mini_app: MiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    bob.presses("Reveal")

    page = mini_app.open(bob, "reveal", delivered)

    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")
    expect(page.locator(".share")).to_have_count(0)


def test_a_draft_has_nothing_to_share_yet(mini_app: MiniApp, alice: Person, draft: str) -> None:
    page = mini_app.open(alice, "edit", draft)

    expect(page.locator(".card .card-text")).to_have_text("I think about you every day")
    expect(page.locator(".share")).to_have_count(0)


def test_an_older_client_gets_inline_mode_with_the_query_filled_in(
    mini_app: MiniApp, bot_api: BotApiState, alice: Person, delivered: str
) -> None:
    page = mini_app.open(alice, "edit", delivered, version="7.0")

    page.get_by_role("button", name="Send it to a chat").click()

    asked_telegram_to(page, "web_app_switch_inline_query")
    switched = telegram_events(page, "web_app_switch_inline_query")[0]
    assert switched["query"] == f"c_{delivered}"
    assert bot_api.calls_to("savePreparedInlineMessage") == []


def test_an_opened_card_goes_to_a_story_as_an_image(
    mini_app: MiniApp, reader: Reader, alice: Person, bob: Person, delivered: str
) -> None:
    bob.language_code = reader.language
    page = mini_app.open(bob, "reveal", delivered, theme=reader.theme, reduced_motion=True)
    page.get_by_role("button", name=reader.word("open_label")).click()

    page.get_by_role("button", name=reader.word("story")).click()

    asked_telegram_to(page, "web_app_share_to_story")
    (shared,) = telegram_events(page, "web_app_share_to_story")
    image = httpx.get(shared["media_url"])
    assert image.headers["content-type"] == "image/png"


def test_a_sealed_card_offers_no_story(mini_app: MiniApp, bob: Person, delivered: str) -> None:
    page = mini_app.open(bob, "reveal", delivered)

    expect(page.get_by_role("button", name="Open the envelope")).to_be_visible()
    expect(page.get_by_role("button", name="📸 Post it to a story")).to_have_count(0)
