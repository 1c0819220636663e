"""The privacy screen: what is kept and who sees it, and the senders one blocked, to unblock."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MiniApp, Screenshot
from tests.telegram import Person

pytestmark = pytest.mark.browser

OPENING = 15_000
"""The screen's code and words come down when it opens: under CI's load that once took
over the default 5 s."""


def open_privacy(page: Page) -> None:
    """Tap the privacy link once the home screen has its lists: until then the link moves
    down as they come in, and a tap aimed at it can land elsewhere (seen once in CI)."""
    expect(page.locator("[aria-busy='true']")).to_have_count(0)
    page.locator("[data-screen='privacy']").click()
    expect(page).to_have_url(re.compile(r"screen=privacy"))


def test_the_privacy_screen_says_what_is_kept_and_unblocks_a_sender(
    mini_app: MiniApp, alice: Person, bob: Person, delivered: str, screenshot: Screenshot
) -> None:
    bob.presses("Reveal")
    bob.presses("Block sender")
    page = mini_app.open(bob, "home")

    open_privacy(page)

    expect(page.get_by_role("heading", name="Privacy")).to_be_visible(timeout=OPENING)
    expect(page.locator("main")).to_contain_text("keyed hash")
    expect(page.locator("main")).to_contain_text("7 days")
    blocked = page.locator(".block-item")
    expect(blocked).to_contain_text("I think about you every day")
    screenshot(page, "privacy")
    blocked.get_by_role("button", name="Unblock").click()
    expect(page.locator(".block-item")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("You haven’t blocked anyone.")


def test_the_privacy_screen_speaks_russian_to_a_russian_speaker(
    mini_app: MiniApp, people: Callable[..., Person]
) -> None:
    sasha = people("Саша", language_code="ru")
    page = mini_app.open(sasha, "home")

    expect(page.get_by_role("button", name="🔐 Приватность и блокировки")).to_be_visible()
    expect(page.get_by_role("tab", name="Полученные")).to_be_visible()
    open_privacy(page)

    expect(page.get_by_role("heading", name="Приватность")).to_be_visible(timeout=OPENING)
    expect(page.locator("main")).to_contain_text("ключевой хеш")
    expect(page.locator("main")).to_contain_text("Ты никого не блокировал(а).")
    expect(page.get_by_role("button", name="Все признания")).to_be_visible()
