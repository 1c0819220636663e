"""The page speaks the reader's language (init data's language_code), from the same catalogue
as the bot, with dates and counts in that language's grammar; English when it does not."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MiniApp, Reader, Screenshot
from tests.telegram import Person

pytestmark = pytest.mark.browser


def test_the_home_screen_speaks_the_readers_language(
    mini_app: MiniApp, reader: Reader, alice: Person, screenshot: Screenshot
) -> None:
    alice.language_code = reader.language

    page = mini_app.open(alice, theme=reader.theme)

    expect(page.get_by_role("tab", name=reader.word("received"))).to_be_visible()
    expect(page.get_by_role("tab", name=reader.word("sent"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", reader.language)
    screenshot(page, f"home-{reader.language}-{reader.scheme}")


def test_the_editor_counts_characters_in_the_readers_grammar(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str, screenshot: Screenshot
) -> None:
    alice.language_code = reader.language
    page = mini_app.open(alice, "edit", draft, theme=reader.theme)
    page.get_by_role("tab", name=reader.word("words")).click()
    text = page.get_by_label(reader.word("text_label"), exact=True)

    text.fill("a")
    expect(page.locator("#text-count")).to_have_text(reader.word("chars_one", n=1))
    text.fill("abcde")
    expect(page.locator("#text-count")).to_have_text(reader.word("chars_many", n=5))
    screenshot(page, f"editor-words-{reader.language}-{reader.scheme}")


def test_russian_counts_take_their_three_forms(
    mini_app: MiniApp, alice: Person, draft: str
) -> None:
    alice.language_code = "ru"
    page = mini_app.open(alice, "edit", draft)
    page.get_by_role("tab", name="Текст").click()
    text = page.get_by_label("Твоё признание", exact=True)

    for typed, shown in (("a", "1 символ"), ("ab", "2 символа"), ("abcde", "5 символов")):
        text.fill(typed)
        expect(page.locator("#text-count")).to_have_text(shown)


def test_dates_are_written_in_the_readers_language(
    mini_app: MiniApp, alice: Person, bob: Person, delivered: str
) -> None:
    bob.language_code = "ru"
    page = mini_app.open(bob)

    time = page.locator(".item-time").first
    expect(time).to_be_visible()
    expected = page.evaluate(
        "new Intl.RelativeTimeFormat('ru', {numeric: 'auto', style: 'short'}).format(0, 'second')"
    )
    expect(time).to_have_text(expected)


def test_preset_names_are_translated(mini_app: MiniApp, alice: Person, draft: str) -> None:
    alice.language_code = "ru"

    page = mini_app.open(alice, "edit", draft)

    expect(page.get_by_role("radio", name="Полночь")).to_be_visible()
    expect(page.get_by_role("radio", name="От руки")).to_be_visible()


def test_a_language_the_product_does_not_speak_gets_english(
    mini_app: MiniApp, alice: Person
) -> None:
    alice.language_code = "de"

    page = mini_app.open(alice)

    expect(page.get_by_role("tab", name="Received")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_outside_telegram_the_browsers_language_is_used(mini_app: MiniApp) -> None:
    page = mini_app.page(locale="ru-RU")

    page.goto(mini_app.link())

    expect(page.get_by_role("heading", name="Открой меня в Telegram 💌")).to_be_visible()


def test_only_the_asked_language_is_served(mini_app: MiniApp) -> None:
    russian = httpx.get(f"{mini_app.url}/app/words", params={"lang": "ru-RU"}).json()
    unknown = httpx.get(f"{mini_app.url}/app/words", params={"lang": "xx"}).json()

    assert russian["language"] == "ru"
    assert russian["words"]["save"] == "Сохранить"
    assert "stored" not in russian["words"]  # the privacy screen's words come with it
    assert unknown["language"] == "en"
