"""The operator's word list: whole words, whatever the case, script tricks or disguises, and
nothing that only looks like a listed word."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core import wordlist
from core.errors import WordsMayHurt
from core.settings import Settings
from core.wordlist import SHIPPED, WordList

SHIPPED_LIST = WordList.from_folder(SHIPPED)


@pytest.mark.parametrize(
    "text",
    [
        "you are an idiot",
        "You are an IDIOT!",
        "idiiiiot",
        "i.d.i.o.t",
        "i d i o t",
        "i-d-i-o-t",
        "1d10t",
        "ＩＤＩＯＴ",  # full-width letters
        "id\u200biot",  # a zero-width space inside
        "id\u00adiot",  # a soft hyphen inside
        "ïdìôt",  # accents
        "b!tch",
        "a$$hole",
        "k.y.s",
        "I'll kill you",
        "i will   kill\nyou",
        "ты дебил",
        "ты ДЕБИЛЬНЫЙ",
        "Д.Е.Б.И.Л",
        "чтоб ты сдохла",
        "я знаю, где ты живёшь",
    ],
)
def test_listed_words_are_found_through_simple_disguises(text: str) -> None:
    assert SHIPPED_LIST.hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "I would die for you",
        "as you wish",
        "the skill you have",
        "you are my idol",
        "хачапури и педикюр",
        "I am such a fool for you",
        "i.am.sad",
        "kill the lights, I'm coming home",
    ],
)
def test_words_that_only_look_like_listed_ones_are_not_found(text: str) -> None:
    assert SHIPPED_LIST.hits(text) == []


def test_the_shipped_lists_cover_english_and_russian() -> None:
    assert {path.name for path in SHIPPED.glob("*.txt")} >= {"en.txt", "ru.txt"}


def test_an_operator_folder_replaces_the_shipped_lists(
    tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    (tmp_path / "custom.txt").write_text("# ours\npineapple*\nred herring\n", encoding="utf-8")
    settings = make_settings(operator_wordlist_dir=tmp_path)

    listed = wordlist.operator_list(settings)

    assert listed.hits("PINEAPPLES and a red   herring") == ["pineapple*", "red herring"]
    assert listed.hits("you idiot") == []


def test_screening_asks_once_for_these_very_words(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    with pytest.raises(WordsMayHurt) as asked:
        wordlist.screen(settings, "you idiot", confirmed=None)
    confirm = str(asked.value.details["confirm"])

    assert wordlist.screen(settings, "you idiot", confirmed=confirm) is True
    with pytest.raises(WordsMayHurt):
        wordlist.screen(settings, "you moron", confirmed=confirm)
    assert wordlist.screen(settings, "you are lovely", confirmed=None) is False
