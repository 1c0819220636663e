"""The mini app's words: the `[webapp]` table of the product's one catalogue per language.

The bot and the page speak the same languages from the same files (bot/locales/<lang>.toml),
so a language is added once, and `tests/bot/test_texts.py` already holds every file to the same
keys and placeholders. The files are read here, not imported from `bot`: the adapters share the
catalogue, not code. The card sent on from the mini app is built by the bot (`bot.share`).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent.parent / "bot" / "locales"
DEFAULT_LANGUAGE = "en"


@cache
def languages() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in LOCALES.glob("*.toml")))


def language_for(language_code: str | None) -> str:
    """Telegram's `language_code` ("ru", "pt-BR"), or English when the product does not speak it."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in languages():
            return base
    return DEFAULT_LANGUAGE


@cache
def _tables(language: str) -> dict[str, Any]:
    with (LOCALES / f"{language}.toml").open("rb") as file:
        return tomllib.load(file)


PARTS = {"first": "webapp", "more": "webapp_more"}
"""The page's words come in two parts: what any launch screen says, and what the screens
reached later by a button say (settings, privacy), so the first paint carries only the first."""


def page_words(language: str, part: str = "first") -> dict[str, str]:
    """What the page says in one part, in one language (a supported one: see `language_for`)."""
    words: dict[str, str] = _tables(language)[PARTS[part]]
    return words
