"""Fonts and glyphs: a real handwriting face, emoji in colour, labels that fit, a quote mark
beside the words, accents that show on dark cards, and keyboard focus unlike "selected"."""

from __future__ import annotations

import io
from typing import cast

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import MiniApp, Reader, Screenshot
from tests.telegram import Person

pytestmark = pytest.mark.browser


def editor(mini_app: MiniApp, reader: Reader, person: Person, draft: str) -> Page:
    person.language_code = reader.language
    page = mini_app.open(person, "edit", draft, theme=reader.theme, reduced_motion=True)
    expect(page.locator(".card .card-text")).not_to_be_empty()
    return page


def loaded_faces(page: Page, family: str) -> list[str]:
    """The src of every face of `family` the browser has downloaded, once fonts settle."""
    faces: list[str] = page.evaluate(
        """family => document.fonts.ready.then(() => [...document.fonts]
             .filter(f => f.family.replace(/["']/g, '') === family && f.status === 'loaded')
             .map(f => f.unicodeRange))""",
        family,
    )
    return faces


def test_handwritten_is_a_real_handwriting_face_in_both_scripts(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str, screenshot: Screenshot
) -> None:
    page = editor(mini_app, reader, alice, draft)

    page.get_by_role("radio", name=reader.word("font_hand")).check()
    page.get_by_role("tab", name=reader.word("words")).click()
    page.get_by_label(reader.word("text_label"), exact=True).fill("Мы встретились in May")

    family = page.locator(".card").evaluate("card => getComputedStyle(card).fontFamily")
    assert family.startswith("Caveat, ")
    faces = loaded_faces(page, "Caveat")
    assert any("U+400-45F" in face for face in faces), faces  # Cyrillic
    assert any("U+0-FF" in face for face in faces), faces  # Latin
    screenshot(page, f"handwritten-{reader.language}-{reader.scheme}")


def colourful(png: bytes) -> int:
    """How far the most colourful pixel is from grey: 0 for an outline glyph."""
    pixels = Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data()
    return max(max(p) - min(p) for p in cast("list[tuple[int, int, int]]", pixels))


def test_emoji_decorations_are_drawn_in_colour(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str
) -> None:
    page = editor(mini_app, reader, alice, draft)

    page.get_by_role("tab", name=reader.word("extras")).click()
    page.get_by_role("radio", name="🦋").check()

    family = page.locator(".card").evaluate("card => getComputedStyle(card).fontFamily")
    assert "Noto Color Emoji" in family
    assert colourful(page.locator(".card-deco").screenshot()) > 100


def test_the_none_decoration_label_fits_its_button(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str
) -> None:
    page = editor(mini_app, reader, alice, draft)
    page.get_by_role("tab", name=reader.word("extras")).click()
    none = page.locator(".emoji-none")
    expect(none).to_have_text(reader.word("none"))

    text_width = none.evaluate(
        "face => { const r = document.createRange(); r.selectNodeContents(face);"
        " return r.getBoundingClientRect().width; }"
    )
    inner_width = none.evaluate(
        "face => { const s = getComputedStyle(face);"
        " return face.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"
    )

    assert text_width <= inner_width + 0.5


def test_the_quote_mark_stays_above_the_first_word(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str
) -> None:
    page = editor(mini_app, reader, alice, draft)

    quote_bottom, words_top = page.locator(".card").evaluate(
        """card => {
          const mark = getComputedStyle(card, '::before');
          const size = parseFloat(mark.fontSize);
          // a quotation mark's ink fills the top half of its em box, at most
          const bottom = parseFloat(mark.top) + 0.6 * size;
          return [bottom, card.querySelector('.card-text').offsetTop];
        }"""
    )

    assert quote_bottom <= words_top


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_ink_accent_still_shows_on_a_dark_card(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str
) -> None:
    page = editor(mini_app, reader, alice, draft)

    page.get_by_role("radio", name=reader.word("theme_midnight")).check()
    ink = reader.word("colour_names").split("|")[8]
    accents = page.get_by_role("radiogroup", name=reader.word("accent"))
    accents.get_by_role("radio", name=ink, exact=True).check()

    stage = page.locator(".preview-wrap .stage")
    accent = stage.evaluate("s => s.style.getPropertyValue('--accent')")
    card = stage.evaluate("s => s.style.getPropertyValue('--card-bg')")
    assert contrast(accent, card) >= 3, (accent, card)


def test_keyboard_focus_looks_unlike_selected(
    mini_app: MiniApp, reader: Reader, alice: Person, draft: str, screenshot: Screenshot
) -> None:
    page = editor(mini_app, reader, alice, draft)
    page.get_by_role("radio", name=reader.word("theme_classic")).focus()

    page.keyboard.press("Tab")  # into the accent colours, by keyboard

    focused = page.locator(".choice input:focus-visible + .choice-face")
    expect(focused).to_have_count(1)
    selected = page.locator(".choices--themes input:checked + .choice-face")
    ring = focused.evaluate(
        "f => [getComputedStyle(f).outlineStyle, getComputedStyle(f).outlineColor]"
    )
    mark = selected.evaluate(
        "f => [getComputedStyle(f).outlineStyle, getComputedStyle(f).borderColor]"
    )
    assert mark[0] == "none"
    assert ring[0] == "dashed"
    assert ring[1] != mark[1]
    screenshot(page, f"focus-{reader.language}-{reader.scheme}")
