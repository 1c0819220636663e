"""The page ships light: what its first paint fetches stays under 100 KB (no build step).

That is its HTML, CSS and app.js, and the first part of one language's words (GET
/app/words: the largest language's, since each reader gets only their own). Not counted, because
the first paint does not fetch them (the browser test below checks it):

- more.js and the words' second part: the settings and privacy screens, reached by a button;
- static/fonts/: the "Handwritten" face, fetched by the browser only when text in it is drawn,
  and only the script it needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MiniApp
from tests.telegram import Person
from webapp_api import i18n

STATIC = Path(__file__).resolve().parents[2] / "webapp_api" / "static"
FONTS = STATIC / "fonts"
LATER = STATIC / "more.js"
BUDGET = 100 * 1024


def served_words(language: str) -> int:
    body = {"language": language, "words": i18n.page_words(language)}
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def test_the_first_paint_stays_under_100_kb() -> None:
    files = [p for p in STATIC.rglob("*") if p.is_file() and FONTS not in p.parents and p != LATER]
    words = max(served_words(language) for language in i18n.languages())
    weight = sum(path.stat().st_size for path in files) + words

    assert files, f"nothing in {STATIC}"
    assert weight < BUDGET, (
        f"{weight} bytes at first paint ({words} of them words), budget {BUDGET}"
    )


def test_the_fonts_are_only_the_handwritten_face_and_its_licence() -> None:
    names = sorted(path.name for path in FONTS.iterdir())

    assert names == ["OFL.txt", "caveat-cyrillic-400-normal.woff2", "caveat-latin-400-normal.woff2"]
    assert "SIL Open Font License" in (FONTS / "OFL.txt").read_text()


@pytest.mark.browser
def test_the_home_screen_fetches_no_font_no_later_screen_and_only_its_own_language(
    mini_app: MiniApp, alice: Person
) -> None:
    alice.language_code = "ru"
    page = mini_app.page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(mini_app.link(person=alice))

    expect(page.get_by_role("tab", name="Полученные")).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert not [url for url in fetched if "/fonts/" in url or url.endswith("/more.js")]
    assert [url for url in fetched if "/app/words" in url] == [f"{mini_app.url}/app/words?lang=ru"]


@pytest.mark.browser
def test_settings_bring_their_code_and_words_when_opened(mini_app: MiniApp, alice: Person) -> None:
    alice.language_code = "ru"
    page = mini_app.open(alice)

    page.get_by_role("button", name="⚙️ Настройки").click()

    expect(page.get_by_role("heading", name="Кто может тебе писать")).to_be_visible()
