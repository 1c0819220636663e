"""The settings screen: who may send, the word filter, and what was held."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.bot.flows import send
from tests.browser.conftest import Api, MiniApp, Screenshot
from tests.support import started
from tests.telegram import Person

pytestmark = pytest.mark.browser


def test_choosing_who_may_send_and_filter_words_is_stored(
    mini_app: MiniApp, api: Api, bob: Person, screenshot: Screenshot
) -> None:
    page = mini_app.open(bob, "settings")
    expect(page.get_by_role("radio", name="Everyone")).to_be_checked()

    page.get_by_role("radio", name="Nobody").check()
    expect(page.get_by_role("radio", name="Nobody")).to_be_checked()
    page.get_by_role("textbox").fill("idiot, loser")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("button", name="Remove “loser”")).to_be_visible()
    screenshot(page, "settings")

    assert api.get(bob, "/settings")["who_may_send"] == "nobody"
    assert api.get(bob, "/settings")["filter_words"] == ["idiot", "loser"]


def test_a_held_confession_is_listed_and_shown_on_request(
    mini_app: MiniApp, api: Api, alice: Person, bob: Person
) -> None:
    started(bob)
    bob.command("filter", "secret")
    send(alice, bob, "a secret for you")
    alice.wait_for_message("was delivered")

    page = mini_app.open(bob, "settings")
    expect(page.get_by_text("🙈 Filtered")).to_be_visible()
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_text("Nothing is held for you.")).to_be_visible()
    bob.wait_for_message("Someone has a confession")


def test_a_request_is_declined_from_the_held_list(
    mini_app: MiniApp, api: Api, alice: Person, bob: Person
) -> None:
    started(bob)
    send(alice, bob)
    bob.wait_for_message("wants to tell you")

    page = mini_app.open(bob, "settings")
    expect(page.get_by_text("🙋 Request")).to_be_visible()
    page.get_by_role("button", name="Decline").click()

    expect(page.get_by_text("Nothing is held for you.")).to_be_visible()
    assert api.get(bob, "/held")["items"] == []
    assert api.get(bob, "/confessions?box=received")["items"] == []
