"""The message catalogue: one TOML file per language, every key present in each."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"


@cache
def catalogue(language: str) -> dict[str, str]:
    with (LOCALES / f"{language}.toml").open("rb") as file:
        return _flatten(tomllib.load(file))


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def languages() -> tuple[str, ...]:
    """Looked up once: every text the bot sends asks which languages it speaks."""
    return tuple(sorted(path.stem for path in LOCALES.glob("*.toml")))


def language_for(language_code: str | None) -> str:
    """Telegram's `language_code` ("ru", "es-ES"), or English when we do not speak it."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in languages():
            return base
    return DEFAULT_LANGUAGE


def t(language: str | None, key: str, **params: object) -> str:
    """The text for `key` in the language, with `{placeholders}` filled in."""
    text = catalogue(language_for(language)).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    return text.format(**params) if params else text
