"""The mini app's words: the `[webapp]` tables of the product's one catalogue per language.

The bot and the page speak the same languages from the same files (bot/locales/<lang>.toml,
read by `bot.i18n`), so a language is added once, and `tests/bot/test_texts.py` holds every
file to the same keys and placeholders. The card sent on from the mini app is built by the
bot (`bot.share`).
"""

from __future__ import annotations

from functools import cache

from bot.i18n import catalogue, language_for, languages

__all__ = ["PARTS", "language_for", "languages", "page_words"]

PARTS = {"first": "webapp", "more": "webapp_more"}
"""The page's words come in two parts: what any launch screen says, and what the screens
reached later by a button say (settings, privacy), so the first paint carries only the first."""


@cache
def page_words(language: str, part: str = "first") -> dict[str, str]:
    """What the page says in one part, in one language (a supported one: see `language_for`)."""
    prefix = PARTS[part] + "."
    return {
        key.removeprefix(prefix): text
        for key, text in catalogue(language).items()
        if key.startswith(prefix)
    }
