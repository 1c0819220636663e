"""How the page sits in Telegram: its theme, its readiness, and a narrow phone screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DARK_THEME, MiniApp, Screenshot
from tests.telegram import Person

pytestmark = pytest.mark.browser
NARROW = {"width": 360, "height": 740}


def settled(page: Page) -> Page:
    """Wait until the screen has rendered past its loading state."""
    expect(page.locator("[aria-busy='true']")).to_have_count(0)
    expect(page.locator("main h1")).to_be_visible()
    return page


def fits(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= NARROW["width"]


def test_the_lists_fit_a_360px_screen(mini_app: MiniApp, bob: Person, delivered: str) -> None:
    assert fits(settled(mini_app.open(bob, "home", viewport=NARROW)))


def test_the_editor_fits_a_360px_screen(mini_app: MiniApp, alice: Person, draft: str) -> None:
    page = settled(mini_app.open(alice, "edit", draft, viewport=NARROW))

    for tab in ("Words", "Look", "Backdrop", "Extras"):
        page.get_by_role("tab", name=tab).click()
        assert fits(page), f"the {tab} tab overflows"


def test_the_reveal_view_fits_a_360px_screen(
    mini_app: MiniApp, bob: Person, delivered: str
) -> None:
    page = settled(mini_app.open(bob, "reveal", delivered, viewport=NARROW))
    assert fits(page)

    page.get_by_role("button", name="Open the envelope").click()

    expect(page.get_by_role("button", name="Love it")).to_be_visible()
    assert fits(page)


def test_the_outside_telegram_page_fits_a_360px_screen(mini_app: MiniApp) -> None:
    assert fits(settled(mini_app.open(None, "home", viewport=NARROW)))


def test_it_follows_telegrams_dark_theme(
    mini_app: MiniApp, alice: Person, draft: str, screenshot: Screenshot
) -> None:
    page = settled(mini_app.open(alice, "edit", draft, theme=DARK_THEME))

    expect(page.locator("body")).to_have_css("background-color", "rgb(15, 15, 15)")
    expect(page.locator("main h1")).to_have_css("color", "rgb(255, 255, 255)")
    screenshot(page, "editor-dark")


def test_it_tells_telegram_it_is_ready_and_expands(
    mini_app: MiniApp, alice: Person, draft: str
) -> None:
    page = settled(mini_app.open(alice, "edit", draft))

    events = page.evaluate("__telegramEvents.map(e => e[0])")

    assert "web_app_ready" in events
    assert "web_app_expand" in events
