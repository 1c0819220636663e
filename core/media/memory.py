"""Returning freed memory to the system after large image decodes."""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where there is none (musl, macOS, Windows)."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):
        return None
    trim: Callable[[int], int] | None = getattr(libc, "malloc_trim", None)
    return trim


_malloc_trim = _find_malloc_trim()


def give_back() -> None:
    """Hand the pages freed by a decode back to the system.

    glibc keeps freed blocks in its per-thread arenas for reuse; after a decode of tens of
    megabytes that resident memory would stay with the process for good. Elsewhere: nothing.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)
