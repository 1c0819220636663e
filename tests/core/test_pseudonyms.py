"""Pseudonyms: stable per sender and recipient, different per recipient, unguessable
without the server's key, and in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.pseudonyms import ADJECTIVES, ANIMALS, pseudonym
from core.settings import Settings

SENDER, RECIPIENTS = 7_000_001, range(7_100_001, 7_100_041)


def keyed(identity_key: str, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, identity_key=identity_key, data_dir=tmp_path)


def test_the_same_pair_always_gets_the_same_pseudonym(tmp_path: Path) -> None:
    settings = keyed("k" * 32, tmp_path)

    first = pseudonym(settings, sender_id=SENDER, recipient_id=7_100_001, language="en")

    assert first == pseudonym(settings, sender_id=SENDER, recipient_id=7_100_001, language="en")


def test_each_recipient_sees_the_sender_under_another_name(tmp_path: Path) -> None:
    settings = keyed("k" * 32, tmp_path)

    names = {
        pseudonym(settings, sender_id=SENDER, recipient_id=recipient, language="en")
        for recipient in RECIPIENTS
    }

    assert len(names) >= len(RECIPIENTS) - 2  # a rare collision is possible, a pattern is not


def test_it_is_not_symmetric_so_confessing_back_shows_nothing(tmp_path: Path) -> None:
    settings = keyed("k" * 32, tmp_path)

    there = [
        pseudonym(settings, sender_id=SENDER, recipient_id=r, language="en") for r in RECIPIENTS
    ]
    back = [
        pseudonym(settings, sender_id=r, recipient_id=SENDER, language="en") for r in RECIPIENTS
    ]

    assert sum(a == b for a, b in zip(there, back, strict=True)) <= 2


def test_without_the_key_the_ids_do_not_give_the_pseudonym(tmp_path: Path) -> None:
    ours, guessed = keyed("the-servers-secret-key-0123456789", tmp_path), keyed("guess", tmp_path)

    matches = sum(
        pseudonym(ours, sender_id=SENDER, recipient_id=r, language="en")
        == pseudonym(guessed, sender_id=SENDER, recipient_id=r, language="en")
        for r in RECIPIENTS
    )

    assert matches <= 2


@pytest.mark.parametrize(("language", "words"), [("en", 1), ("ru", 2), ("ru-RU", 2), (None, 1)])
def test_the_words_follow_the_readers_language(
    tmp_path: Path, language: str | None, words: int
) -> None:
    settings = keyed("k" * 32, tmp_path)

    shown = pseudonym(settings, sender_id=SENDER, recipient_id=7_100_001, language=language)

    emoji, adjective, animal = shown.split(" ", 2)
    assert (adjective, animal) in (
        [(a[0], n[1]) for a in ADJECTIVES for n in ANIMALS]
        if words == 1
        else [(a[1], n[2]) for a in ADJECTIVES for n in ANIMALS]
    )
    assert emoji in {n[0] for n in ANIMALS}


def test_the_word_lists_are_long_enough_and_have_no_repeats() -> None:
    assert len({a[0] for a in ADJECTIVES}) == len({a[1] for a in ADJECTIVES}) == len(ADJECTIVES)
    assert len({n[1] for n in ANIMALS}) == len({n[2] for n in ANIMALS}) == len(ANIMALS)
    assert len(ADJECTIVES) * len(ANIMALS) >= 1500
