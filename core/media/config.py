"""Media settings in one place, so proposed settings switch from defaults in one line each."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from pydantic import SecretStr

from core.settings import Settings

# Without a token or a configured key, links are signed for this process only.
_PROCESS_KEY = secrets.token_bytes(32)


@dataclass(frozen=True, slots=True)
class MediaConfig:
    max_image_bytes: int
    max_video_bytes: int
    quota_bytes: int
    url_ttl_seconds: int
    upload_ttl_seconds: int
    signing_key: bytes


def media_config(settings: Settings) -> MediaConfig:
    """The media settings, read in one place."""
    return MediaConfig(
        max_image_bytes=settings.media_max_image_bytes,
        max_video_bytes=settings.media_max_video_bytes,
        quota_bytes=settings.media_quota_bytes,
        url_ttl_seconds=settings.media_url_ttl_seconds,
        upload_ttl_seconds=settings.media_upload_ttl_seconds,
        signing_key=_signing_key(settings.media_signing_key, settings.token),
    )


def _signing_key(configured: SecretStr | None, token: str | None) -> bytes:
    """A configured key, else one derived from the token, so every process agrees on it."""
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value().encode()
    if token:
        return hashlib.sha256(b"confessions-media:" + token.encode()).digest()
    return _PROCESS_KEY
