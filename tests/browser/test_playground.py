"""The playground's chat window in chromium: two pretend users, one confession, end to end."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import Screenshot, _offline_except_loopback
from tests.pretend import PretendClient
from tests.support import PlaygroundServer

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1400, "height": 860}


@pytest.fixture
def open_window(playground: PlaygroundServer, chromium: Browser) -> Iterator[Callable[[str], Page]]:
    """`open_window("")`: the chat window, in a browser that can reach only this machine;
    a query such as `?as=<id>` picks the pretend user it opens as."""
    context: BrowserContext = chromium.new_context(viewport=DESKTOP, locale="en-GB")  # type: ignore[arg-type]
    context.route("**/*", _offline_except_loopback(b""))
    errors: list[str] = []

    def open_page(query: str) -> Page:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{playground.url}/playground{query}")
        expect(page.locator("#users button[aria-pressed=true]")).to_be_visible()
        return page

    yield open_page
    context.close()
    assert errors == [], "the chat window or the mini app threw uncaught errors"


@pytest.fixture
def window(open_window: Callable[[str], Page]) -> Page:
    page = open_window("")
    expect(page.locator("#users button[aria-pressed=true]")).to_contain_text("Alice")
    return page


def act_as(page: Page, name: str) -> None:
    page.locator("#users button", has_text=name).click()
    expect(page.locator("#users button[aria-pressed=true]")).to_contain_text(name)


def say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("textbox", name="Message").press("Enter")


def last_bot_message(page: Page, containing: str) -> Locator:
    message = page.locator(".msg.in", has_text=containing).last
    expect(message).to_be_visible(timeout=10_000)
    return message


def tap(page: Page, label: str) -> None:
    """The button with exactly this label, on the newest message that has one."""
    button = page.get_by_role("button", name=label, exact=True)
    page.locator(".msg.in").filter(has=button).last.get_by_role(
        "button", name=label, exact=True
    ).click()


def test_alice_confesses_to_bob_who_reveals_and_reacts(
    window: Page, screenshot: Screenshot
) -> None:
    page = window
    act_as(page, "Bob")
    say(page, "/start")
    last_bot_message(page, "Some things are hard to say")

    act_as(page, "Alice")
    say(page, "/start")
    last_bot_message(page, "Some things are hard to say")
    tap(page, "✍️ Write a confession")
    last_bot_message(page, "Who is it for?")
    page.locator("#reply-keyboard button", has_text="Choose someone").click()
    page.locator("#chooser-options button", has_text="Bob").click()
    last_bot_message(page, "Now say it")
    say(page, "I still have the note you left on my desk")
    last_bot_message(page, "Add a photo")
    tap(page, "Skip ➡️")
    last_bot_message(page, "How should it be signed?")
    tap(page, "🕶 Anonymous")
    last_bot_message(page, "Preview")
    screenshot(page, "playground-alice-preview")
    tap(page, "💌 Send")
    last_bot_message(page, "Sent to Bob")

    act_as(page, "Bob")
    last_bot_message(page, "wants to tell you")
    tap(page, "✅ Accept")
    last_bot_message(page, "Someone has a confession for you")
    expect(page.locator(".msg.in .keyboard button", has_text="Reveal")).to_be_visible()
    screenshot(page, "playground-bob-before-reveal")
    tap(page, "🔓 Reveal")
    last_bot_message(page, "I still have the note you left on my desk")
    tap(page, "❤️")
    expect(page.locator("#toast")).to_contain_text("❤️")
    screenshot(page, "playground-bob-revealed")

    act_as(page, "Alice")
    last_bot_message(page, "Bob opened your confession")
    last_bot_message(page, "Bob reacted to your confession: ❤️")
    screenshot(page, "playground-alice-sees-reveal-and-reaction")


def test_the_recipient_opens_the_confession_in_the_mini_app_panel(
    open_window: Callable[[str], Page],
    pretend: Callable[[str], PretendClient],
    screenshot: Screenshot,
) -> None:
    lena, mark = pretend("Lena"), pretend("Mark")
    lena.confessed_to(mark, "Your playlist got me through winter")
    page = open_window(f"?as={mark.id}")

    tap(page, "✨ Open")
    app = page.frame_locator("#mini-app-frame")
    expect(app.get_by_role("button", name="Open the envelope")).to_be_visible(timeout=10_000)
    main_button = page.locator("#main-button")
    expect(main_button).to_have_text("Open it")
    screenshot(page, "playground-mini-app-sealed")
    main_button.click()

    expect(app.locator(".card .card-text")).to_have_text(
        "Your playlist got me through winter", timeout=10_000
    )
    expect(main_button).to_be_hidden()
    screenshot(page, "playground-mini-app-opened")
    lena.wait_for_bot("Mark opened your confession")
