"""The operator's word list: words that may hurt, which a sender is asked once to reconsider.

A list is a folder of text files, one per language (`en.txt`, `ru.txt`), one word or phrase
a line; `stem*` matches any ending (Russian words change theirs), `#` starts a comment. The
lists shipped in `core/wordlists/` are short on purpose; `OPERATOR_WORDLIST_DIR` replaces them.

Matching is by whole words, after the same normalisation on both sides: compatibility forms
folded (NFKC: full-width letters, ligatures), case folded, accents and invisible characters
dropped. It sees through simple disguises: repeated letters ("idiiiot"), letters spelled
apart ("i.d.i.o.t", "k y s") and a few digits and signs for letters ("1d10t", "b!tch").
It does not chase every disguise; it is a prompt to reconsider, not a filter.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.errors import WordsMayHurt
from core.settings import Settings

SHIPPED = Path(__file__).parent / "wordlists"

_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
"""Combining marks (accents) and format characters (zero-width spaces and joiners, bidi
controls, soft hyphens)."""
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Blank letters that are not format characters: Hangul fillers and the Braille blank."""
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_SIGNS = str.maketrans({"@": "a", "$": "s", "!": "i"})
_SIGN_IN_WORD = re.compile(r"(?<=[^\W\d_])[@$!]+(?=[^\W\d_])")
_TOKEN = re.compile(r"[^\W_]+")
_SPELLED_APART_GAP = re.compile(r"[\W_]{1,3}")

Runs = tuple[tuple[str, int], ...]
"""A word as its letters and how many times each repeats in a row: "idiiot" is
(("i", 1), ("d", 1), ("i", 2), ("o", 1), ("t", 1))."""


def normalise(text: str) -> str:
    """Text as the matcher compares it: NFKC, case folded, accents and invisibles dropped,
    control characters (line breaks, tabs) read as spaces."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    kept = "".join(
        " " if unicodedata.category(char) == "Cc" else char for char in folded if _seen(char)
    )
    return unicodedata.normalize("NFC", kept)


def _seen(char: str) -> bool:
    return (
        unicodedata.category(char) not in _DROPPED_CATEGORIES
        and char not in _INVISIBLE
        and not 0xFE00 <= ord(char) <= 0xFE0F
    )


def runs(word: str) -> Runs:
    found: list[tuple[str, int]] = []
    for char in word:
        if found and found[-1][0] == char:
            found[-1] = (char, found[-1][1] + 1)
        else:
            found.append((char, 1))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One word of an entry; `stem` when the list gave it with a trailing `*`."""

    runs: Runs
    stem: bool

    def matches(self, word: Runs) -> bool:
        """The same letters in the same order, each repeated at least as often as in the
        list (so "idiiot" is "idiot", but "as" is not "ass")."""
        if len(word) < len(self.runs) or (not self.stem and len(word) != len(self.runs)):
            return False
        return all(
            letter == wanted and count >= times
            for (letter, count), (wanted, times) in zip(word, self.runs, strict=False)
        )


@dataclass(frozen=True, slots=True)
class Entry:
    text: str
    words: tuple[Pattern, ...]


class WordList:
    """Entries from a folder of lists; `hits` says which of them a text contains."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._by_first_letter: dict[str, list[Entry]] = {}
        for entry in entries:
            self._by_first_letter.setdefault(entry.words[0].runs[0][0], []).append(entry)

    @classmethod
    def from_folder(cls, folder: Path) -> WordList:
        entries: list[Entry] = []
        for path in sorted(folder.glob("*.txt")):
            for line in path.read_text(encoding="utf-8").splitlines():
                entry = _entry(line)
                if entry is not None:
                    entries.append(entry)
        return cls(entries)

    def hits(self, text: str) -> list[str]:
        """The entries this text contains, as the list spells them; empty when none."""
        words = [tuple(runs(form) for form in forms) for forms in _words(text)]
        found: dict[str, None] = {}
        for start, forms in enumerate(words):
            for first in {form[0][0] for form in forms}:
                for entry in self._by_first_letter.get(first, ()):
                    if _matches_at(entry, words, start):
                        found[entry.text] = None
        for joined in _spelled_apart(text):
            word = runs(joined)
            for entry in self._by_first_letter.get(word[0][0], ()):
                if len(entry.words) == 1 and entry.words[0].matches(word):
                    found[entry.text] = None
        return list(found)


def _entry(line: str) -> Entry | None:
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    patterns = []
    for raw in text.split():
        stem = raw.endswith("*")
        words = [forms[0] for forms in _words(raw.rstrip("*"))]
        for index, word in enumerate(words):
            patterns.append(Pattern(runs(word), stem=stem and index == len(words) - 1))
    return Entry(text, tuple(patterns)) if patterns else None


def _words(text: str) -> Iterator[tuple[str, ...]]:
    """The words of a text, normalised, each as written and, when it mixes digits with
    letters, also with the digits read as the letters they stand in for. Signs between
    letters ("b!tch") are read as letters."""
    plain = _SIGN_IN_WORD.sub(lambda sign: sign.group().translate(_LEET_SIGNS), normalise(text))
    for token in _TOKEN.findall(plain):
        if token.isdigit():
            continue
        yield (token,) if token.isalpha() else (token, token.translate(_LEET))


def _spelled_apart(text: str) -> Iterator[str]:
    """Three or more single letters in a row with a little punctuation or space between
    them, joined: "i.d.i.o.t" and "k y s" are words too."""
    plain = normalise(text)
    letters: list[str] = []
    previous_end = -1
    for token in _TOKEN.finditer(plain):
        gap = plain[previous_end : token.start()] if previous_end >= 0 else ""
        single = len(token.group()) == 1
        if single and letters and _SPELLED_APART_GAP.fullmatch(gap):
            letters.append(token.group())
        else:
            if len(letters) >= 3:
                yield "".join(letters).translate(_LEET)
            letters = [token.group()] if single else []
        previous_end = token.end()
    if len(letters) >= 3:
        yield "".join(letters).translate(_LEET)


def _matches_at(entry: Entry, words: list[tuple[Runs, ...]], start: int) -> bool:
    if start + len(entry.words) > len(words):
        return False
    return all(
        any(pattern.matches(form) for form in words[start + offset])
        for offset, pattern in enumerate(entry.words)
    )


@lru_cache(maxsize=4)
def _load(folder: Path) -> WordList:
    return WordList.from_folder(folder)


def operator_list(settings: Settings) -> WordList:
    """The operator's list: their folder when they set one, else the shipped lists; read once."""
    return _load(settings.operator_wordlist_dir or SHIPPED)


def fingerprint(text: str) -> str:
    """Names these exact words, so a confirmation given for them does not cover others."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def screen(settings: Settings, text: str, *, confirmed: str | None) -> bool:
    """Whether the text has words from the operator's list and the sender has confirmed
    these very words; raises WordsMayHurt (with the fingerprint to confirm with) when it
    has them and they have not. False when the text is clean."""
    if not operator_list(settings).hits(text):
        return False
    expected = fingerprint(text)
    if confirmed != expected:
        raise WordsMayHurt(confirm=expected)
    return True
