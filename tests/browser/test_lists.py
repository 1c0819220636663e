"""The lists: what a person sent and received, each opening its editor or reveal view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MiniApp, Screenshot
from tests.telegram import Person

pytestmark = pytest.mark.browser


def test_the_recipient_sees_a_sealed_confession(
    mini_app: MiniApp, bob: Person, delivered: str, screenshot: Screenshot
) -> None:
    page = mini_app.open(bob, "home")

    expect(page.get_by_role("tab", name="Received")).to_have_attribute("aria-selected", "true")
    item = page.locator(f".item[data-id='{delivered}']")
    expect(item).to_contain_text("A confession for you")
    expect(item).to_contain_text("New")
    screenshot(page, "lists")


def test_the_sender_sees_what_they_sent_and_its_state(
    mini_app: MiniApp, alice: Person, delivered: str
) -> None:
    page = mini_app.open(alice, "home")

    page.get_by_role("tab", name="Sent").click()

    item = page.locator(f".item[data-id='{delivered}']")
    expect(item).to_contain_text("To Bob")
    expect(item).to_contain_text("Delivered")


def test_a_received_confession_opens_its_reveal_view(
    mini_app: MiniApp, bob: Person, delivered: str
) -> None:
    page = mini_app.open(bob, "home")

    page.locator(f".item[data-id='{delivered}']").click()

    expect(page.get_by_role("button", name="Open the envelope")).to_be_visible()
    assert f"screen=reveal&c={delivered}" in page.url


def test_a_sent_confession_opens_its_editor(
    mini_app: MiniApp, alice: Person, delivered: str
) -> None:
    page = mini_app.open(alice, "home")
    page.get_by_role("tab", name="Sent").click()

    page.locator(f".item[data-id='{delivered}']").click()

    expect(page.get_by_role("heading", name="Make it yours")).to_be_visible()


def test_telegrams_back_button_returns_to_the_lists(
    mini_app: MiniApp, alice: Person, draft: str
) -> None:
    page = mini_app.open(alice, "edit", draft)
    expect(page.get_by_role("heading", name="Make it yours")).to_be_visible()

    page.evaluate("Telegram.WebView.receiveEvent('back_button_pressed')")

    expect(page.get_by_role("tab", name="Sent")).to_be_visible()


def test_with_nothing_yet_the_lists_say_so_kindly(mini_app: MiniApp, alice: Person) -> None:
    page = mini_app.open(alice, "home")

    expect(page.get_by_text("Nothing for you yet.")).to_be_visible()
