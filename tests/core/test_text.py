"""The text rule and the pattern /openapi.json gives for it accept exactly the same texts."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.text import clean_user_text, json_schema_pattern

LIMIT = 10_000
TRICKY = st.sampled_from(
    ["a", " ", "\n", "\t", "\r", "\x00", "\x85", "\u200b", "\u200d", "\u200f", "\u202e", "\u2066",
     "\u3164", "\ufe0f", "\U000e0041", "\U0001f469", "я", "ا"]
)  # fmt: skip


def accepted_by_the_rule(text: str) -> bool:
    try:
        clean_user_text(text, limit=LIMIT)
    except InvalidInput:
        return False
    return True


# no deadline: the first example also builds the pattern, which takes a while on a busy machine
@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(st.text(st.one_of(TRICKY, st.characters(exclude_categories=["Cs"])), max_size=12))
def test_the_pattern_accepts_what_the_rule_accepts(text: str) -> None:
    pattern = re.compile(json_schema_pattern())

    assert bool(pattern.match(text)) == accepted_by_the_rule(text)
