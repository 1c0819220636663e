"""The one rule for words a person writes for another person to read: a confession, its hint,
a reply, wherever they are written (chat or mini app).

Characters that would hide or disguise what the other person reads are refused, never
silently removed: the chat keeps a message's formatting as HTML built from Telegram's entity
offsets, so taking a character out of the text would leave it in the HTML or shift every
entity after it. Refused:

- control characters (C0 but tab and newline, DEL, C1): NUL among them, which PostgreSQL
  cannot store in text;
- the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which
  reorder what is shown ("Trojan Source"); the zero-width marks U+200E, U+200F and U+061C are
  kept, since right-to-left writing needs them and they cannot reorder letters;
- lone surrogates, which neither a UTF-8 database nor Telegram can take.

Text that shows nothing once invisible characters (spaces, format characters such as U+200B,
blank fillers, variation selectors) are set aside is empty.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from functools import cache
from html import escape

from core.errors import InvalidInput, TextEmpty, TextTooLong

ALLOWED_CONTROLS = frozenset("\t\n")
DIRECTION_OVERRIDES = frozenset(
    [chr(code) for code in range(0x202A, 0x202F)] + [chr(code) for code in range(0x2066, 0x206A)]
)
BLANK_SHAPES = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
"""Letters and marks that draw nothing: the Hangul fillers, the blank braille pattern..."""
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


class HiddenCharacter(InvalidInput):
    code = "text_hidden_character"
    message = (
        "The text holds an invisible control or text-direction character ({character}) that "
        "could disguise what the other person reads; remove it and send it again."
    )

    def __init__(self, character: str) -> None:
        point = f"U+{ord(character):04X}"
        name = unicodedata.name(character, "")
        shown = f"{point} {name}" if name else point
        super().__init__(self.message.format(character=shown), character=shown)


def clean_user_text(text: str, *, limit: int) -> str:
    """The text as it may be stored and shown, or a domain error that says what is wrong."""
    for character in text:
        if is_hidden(character):
            raise HiddenCharacter(character)
    if all(is_invisible(character) for character in text):
        raise TextEmpty()
    if len(text) > limit:
        raise TextTooLong(limit=limit, length=len(text))
    return text


def plain_html(text: str) -> str:
    """Plain text (the mini app's) as the HTML the chat shows: what was typed, literally."""
    return escape(text, quote=False)


def without_hidden(text: str) -> str:
    """For names Telegram gives us, which we cannot refuse but show to the other person: the
    hidden characters are taken out (a name carries no formatting to shift)."""
    if not any(is_hidden(character) for character in text):
        return text
    return "".join(character for character in text if not is_hidden(character))


def is_hidden(character: str) -> bool:
    """Refused wherever it appears."""
    if character in DIRECTION_OVERRIDES:
        return True
    category = unicodedata.category(character)
    return (category == "Cc" and character not in ALLOWED_CONTROLS) or category == "Cs"


def is_invisible(character: str) -> bool:
    """Draws nothing, so it does not count as something written."""
    return (
        character.isspace()
        or character in BLANK_SHAPES
        or unicodedata.category(character) in INVISIBLE_CATEGORIES
        or "\ufe00" <= character <= "\ufe0f"
        or "\U000e0100" <= character <= "\U000e01ef"
    )


@cache
def json_schema_pattern() -> str:
    """The same rule as a JSON-Schema pattern, so /openapi.json says exactly what is accepted:
    no hidden character anywhere, and at least one that shows. Lone surrogates are left out,
    as a regular expression cannot name them on every engine."""
    hidden = _character_class(lambda c: is_hidden(c) and not _surrogate(c))
    blank = _character_class(lambda c: (is_hidden(c) or is_invisible(c)) and not _surrogate(c))
    return f"^[^{hidden}]*[^{blank}][^{hidden}]*$"


def _surrogate(character: str) -> bool:
    return 0xD800 <= ord(character) <= 0xDFFF


def _character_class(belongs: Callable[[str], bool]) -> str:
    return "".join(
        _escape(first) if first == last else f"{_escape(first)}-{_escape(last)}"
        for first, last in _ranges(belongs)
    )


ASSIGNED_PLANES = (range(0x0, 0x40000), range(0xE0000, 0xF0000))
"""Where characters that are hidden or draw nothing can be: planes 4 to 13 are unassigned
and 15 and 16 private use, so scanning them would only cost time."""


def _ranges(belongs: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    for plane in ASSIGNED_PLANES:
        start: int | None = None
        for code in plane:
            inside = belongs(chr(code))
            if inside and start is None:
                start = code
            elif not inside and start is not None:
                yield start, code - 1
                start = None
        if start is not None:
            yield start, plane[-1]


def _escape(code: int) -> str:
    """BMP characters as \\uXXXX, understood by every engine; others as themselves."""
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)
