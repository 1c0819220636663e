"""The playground's chat window in chromium: two pretend users, one confession, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import DARK_THEME, LIGHT_THEME, Screenshot, _offline_except_loopback
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


# --- the chat keeps its place (#19, item 10) -------------------------------------------------


def distance_from_bottom(page: Page) -> float:
    """How far the chat is scrolled up from its newest message, in CSS pixels."""
    distance: float = page.locator("#messages").evaluate(
        "list => list.scrollHeight - list.scrollTop - list.clientHeight"
    )
    return distance


def settled_distance_from_bottom(page: Page) -> float:
    """The distance once every photo in the chat has loaded and a poll or two has passed."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('#messages img')].every(img => img.complete)"
    )
    page.wait_for_timeout(1_500)
    return distance_from_bottom(page)


def photo_file(tmp_path: Path, name: str = "note.jpg") -> Path:
    """A camera-sized photo: tall enough to push the chat when it loads late."""
    path = tmp_path / name
    Image.new("RGB", (1200, 1600), (200, 120, 90)).save(path, "JPEG")
    return path


def test_the_chat_stays_at_the_newest_message_through_a_photo_and_reveal(
    open_window: Callable[[str], Page],
    pretend: Callable[[str], PretendClient],
    tmp_path: Path,
    screenshot: Screenshot,
) -> None:
    sam, tess = pretend("Sam"), pretend("Tess")
    for _ in range(4):  # a chat longer than the window, as one soon is
        tess.say("/start")
        tess.wait_for_bot("Some things are hard to say")
    sam.writes_to(tess, "The photo from the lake, I kept it")
    page = open_window(f"?as={sam.id}")
    last_bot_message(page, "Add a photo")

    page.locator("#attach").set_input_files(photo_file(tmp_path))
    last_bot_message(page, "How should it be signed?")
    expect(page.locator(".msg.out img")).to_be_visible()
    after_photo = settled_distance_from_bottom(page)
    screenshot(page, "playground-after-sending-a-photo")

    tap(page, "🕶 Anonymous")
    last_bot_message(page, "Preview")
    tap(page, "💌 Send")
    last_bot_message(page, "Sent to Tess")
    tess.accepts_request()
    act_as(page, "Tess")
    last_bot_message(page, "Someone has a confession for you")
    tap(page, "🔓 Reveal")
    last_bot_message(page, "The photo from the lake")
    after_reveal = settled_distance_from_bottom(page)
    screenshot(page, "playground-after-reveal-with-a-photo")

    assert (after_photo, after_reveal) == (0, 0)


def test_revealing_a_photo_below_another_keeps_the_view_at_the_bottom(
    open_window: Callable[[str], Page], pretend: Callable[[str], PretendClient], tmp_path: Path
) -> None:
    """With a photo already in the chat, every re-render used to reload it from nothing."""
    ola, pam = pretend("Ola"), pretend("Pam")
    pam.say("/start")
    for words in ("The lake, first summer", "The lake, second summer"):
        ola.writes_to(pam, words)
        ola.sends_file(photo_file(tmp_path).read_bytes(), "image/jpeg")
        ola.wait_for_bot("How should it be signed?")
        ola.press("Anonymous")
        ola.wait_for_bot("Preview")
        ola.press("Send")
        ola.wait_for_bot("Sent to Pam")
        if words.endswith("first summer"):
            pam.accepts_request()
            pam.press("Reveal")
            pam.wait_for_bot("The lake, first summer")
    page = open_window(f"?as={pam.id}")
    last_bot_message(page, "Someone has a confession for you")
    settled_distance_from_bottom(page)

    tap(page, "🔓 Reveal")
    last_bot_message(page, "The lake, second summer")

    assert settled_distance_from_bottom(page) == 0


def test_a_user_who_scrolled_up_is_left_where_they_are(
    open_window: Callable[[str], Page], pretend: Callable[[str], PretendClient]
) -> None:
    uma = pretend("Uma")
    page = open_window(f"?as={uma.id}")
    greetings = page.locator(".msg.in", has_text="Some things are hard to say")
    for sent in range(1, 4):
        say(page, "/start")
        expect(greetings).to_have_count(sent, timeout=10_000)
    page.wait_for_timeout(800)
    page.locator("#messages").evaluate("list => { list.scrollTop = 0; }")
    page.locator("#messages").dispatch_event("scroll")

    replies = page.locator(".msg.in")
    replies_before = replies.count()
    uma.say("/help")
    expect(replies).to_have_count(replies_before + 1, timeout=10_000)
    page.wait_for_timeout(500)

    assert page.locator("#messages").evaluate("list => list.scrollTop") == 0


# --- usernames and the reply keyboard (#19, item 11) -----------------------------------------


def test_typing_a_pretend_users_username_chooses_them(window: Page) -> None:
    page = window
    bob = page.locator("#users button", has_text="Bob").locator("small").inner_text()
    assert bob.startswith("@")
    assert 5 <= len(bob) - 1 <= 32

    say(page, "/start")
    tap(page, "✍️ Write a confession")
    last_bot_message(page, "Who is it for?")
    say(page, bob)

    last_bot_message(page, "Now say it")


def test_a_used_one_time_keyboard_comes_back_with_the_keyboard_button(
    open_window: Callable[[str], Page], pretend: Callable[[str], PretendClient]
) -> None:
    vera = pretend("Vera")
    pretend("Wes")
    page = open_window(f"?as={vera.id}")
    say(page, "/start")
    tap(page, "✍️ Write a confession")
    last_bot_message(page, "Who is it for?")
    keyboard = page.locator("#reply-keyboard")
    toggle = page.get_by_role("button", name="Hide the bot keyboard")
    expect(keyboard.get_by_role("button", name="Choose someone")).to_be_visible()

    toggle.click()  # dismissed, as Telegram's keyboard button folds it away
    expect(keyboard).to_be_hidden()
    page.get_by_role("button", name="Show the bot keyboard").click()
    expect(keyboard.get_by_role("button", name="Choose someone")).to_be_visible()

    say(page, "my neighbour")  # one-time: once the user has answered, it folds
    last_bot_message(page, "type an @username")
    expect(keyboard).to_be_hidden()
    page.get_by_role("button", name="Show the bot keyboard").click()
    keyboard.get_by_role("button", name="Choose someone").click()
    page.locator("#chooser-options button", has_text="Wes").click()
    last_bot_message(page, "Now say it")


# --- the mini app in Telegram's theme (#19, item 12) -----------------------------------------


def mini_app_theme(page: Page) -> dict[str, str]:
    """What the mini app's page got: its CSS variables and the colour it paints its body."""
    frame = page.frame_locator("#mini-app-frame").locator("body")
    theme: dict[str, str] = frame.evaluate(
        """body => {
          const root = getComputedStyle(document.documentElement);
          return {
            bg: root.getPropertyValue('--tg-theme-bg-color').trim(),
            button: root.getPropertyValue('--tg-theme-button-color').trim(),
            scheme: root.getPropertyValue('--tg-color-scheme').trim(),
            params: JSON.stringify(Telegram.WebApp.themeParams),
            painted: getComputedStyle(body).backgroundColor,
          };
        }"""
    )
    return theme


def test_the_mini_app_gets_telegrams_light_and_dark_theme(
    open_window: Callable[[str], Page],
    pretend: Callable[[str], PretendClient],
    screenshot: Screenshot,
) -> None:
    xia, yan = pretend("Xia"), pretend("Yan")
    xia.confessed_to(yan, "You always saved me the window seat")
    page = open_window(f"?as={yan.id}")
    page.emulate_media(color_scheme="light")
    tap(page, "✨ Open")
    app = page.frame_locator("#mini-app-frame")
    expect(app.get_by_role("button", name="Open the envelope")).to_be_visible(timeout=10_000)

    light = mini_app_theme(page)
    expect(page.locator("#main-button")).to_have_css("background-color", "rgb(51, 144, 236)")
    page.get_by_role("button", name="Dark theme").click()
    page.wait_for_timeout(300)
    dark = mini_app_theme(page)
    expect(page.locator("#main-button")).to_have_css("background-color", "rgb(135, 116, 225)")
    screenshot(page, "playground-mini-app-dark")

    assert json.loads(light["params"]) == LIGHT_THEME
    assert (light["bg"], light["button"], light["scheme"]) == ("#ffffff", "#3390ec", "light")
    assert light["painted"] in ("rgb(255, 255, 255)", "rgb(244, 244, 245)")
    assert json.loads(dark["params"]) == DARK_THEME
    assert (dark["bg"], dark["button"], dark["scheme"]) == ("#212121", "#8774e1", "dark")
    assert dark["painted"] in ("rgb(33, 33, 33)", "rgb(15, 15, 15)")


# --- deep links, unread counters, /app/ (#19, item 13) ---------------------------------------


def test_a_deep_link_shows_as_start_and_hands_the_bot_its_parameter(
    open_window: Callable[[str], Page], pretend: Callable[[str], PretendClient]
) -> None:
    zoe, ada = pretend("Zoe"), pretend("Ada")
    page = open_window(f"?as={zoe.id}")
    page.locator(f"#chats button[data-chat='{ada.id}']").click()
    say(page, "https://t.me/confessions_playground_bot?start=from_a_friend")
    page.locator(".msg.out a", has_text="t.me").last.click()

    last_bot_message(page, "Some things are hard to say")
    shown = page.locator(".msg.out .text").last.inner_text()
    assert shown == "/start"
    assert zoe.view()["messages"][-2]["text"] == "/start"


def test_unread_messages_are_counted_until_the_chat_is_opened(
    open_window: Callable[[str], Page], pretend: Callable[[str], PretendClient]
) -> None:
    bea, cal = pretend("Bea"), pretend("Cal")
    page = open_window(f"?as={bea.id}")
    cal.say("/start")
    cal.wait_for_bot("Some things are hard to say")
    for words in ("are you there?", "call me"):
        sent = cal.http.post(
            f"/playground/api/users/{cal.id}/peers/{bea.id}/messages", json={"text": words}
        )
        assert sent.status_code == 204

    chat_with_cal = page.locator(f"#chats button[data-chat='{cal.id}']")
    expect(chat_with_cal.locator(".badge")).to_have_text("2")
    expect(page.locator("#chats button[data-chat='bot'] .badge")).to_have_count(0)

    chat_with_cal.click()
    expect(chat_with_cal.locator(".badge")).to_have_count(0)
    say(page, "here now")
    expect(page.locator(f"#users button[data-user='{cal.id}'] .badge")).to_have_text("1")


def test_the_mini_app_opened_outside_the_playground_points_to_it(
    playground: PlaygroundServer, chromium: Browser
) -> None:
    page = chromium.new_page()
    try:
        page.goto(f"{playground.url}/app/")
        page.get_by_role("link", name="Open the playground").click()
        expect(page.locator("#users button").first).to_be_visible()
        assert page.url.endswith("/playground")
    finally:
        page.close()
