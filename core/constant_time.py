"""Comparing what a client sent with the secret or signature we expect."""

from __future__ import annotations

import hmac


def equal(given: str, expected: str) -> bool:
    """Whether two secrets are the same, in time that does not depend on where they differ.

    `hmac.compare_digest` raises TypeError on text with anything but ASCII, and a client
    chooses what it sends (a header byte 0xE9, `%C3%A9` in a query): compared as UTF-8 bytes,
    lone surrogates included, such text is simply not equal."""
    return hmac.compare_digest(_utf8(given), _utf8(expected))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
