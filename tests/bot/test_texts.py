"""The message catalogue: every language complete, every placeholder the same."""

from __future__ import annotations

import re

import pytest

from bot.i18n import DEFAULT_LANGUAGE, catalogue, language_for, languages, t

PLACEHOLDER = re.compile(r"{(\w+)}")


def test_english_and_russian_are_there() -> None:
    assert {"en", "ru"} <= set(languages())


@pytest.mark.parametrize("language", [lang for lang in languages() if lang != DEFAULT_LANGUAGE])
def test_every_language_has_every_key_with_the_same_placeholders(language: str) -> None:
    english, other = catalogue(DEFAULT_LANGUAGE), catalogue(language)

    assert set(other) == set(english)
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(other[key])) == set(PLACEHOLDER.findall(text)), key


@pytest.mark.parametrize(
    ("code", "expected"), [("ru", "ru"), ("ru-RU", "ru"), ("pt-br", "en"), (None, "en")]
)
def test_the_language_follows_telegrams_language_code(code: str | None, expected: str) -> None:
    assert language_for(code) == expected


def test_placeholders_are_filled_in() -> None:
    assert "1000" in t("en", "compose.ask_text", limit=1000)
