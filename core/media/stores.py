"""The storage backend the settings ask for."""

from __future__ import annotations

from core.media.config import media_config
from core.media.local import LocalStore
from core.media.storage import MediaStore
from core.settings import Settings


def build_media_store(settings: Settings, *, base_url: str) -> MediaStore:
    """S3 when `MEDIA_BACKEND=s3`, otherwise files under `DATA_DIR/media` served by this app."""
    if settings.media_backend == "s3":
        from core.media.s3 import S3Store  # botocore, imported only by those who use S3

        return S3Store.from_settings(settings)
    return LocalStore(settings.data_dir / "media", media_config(settings).signing_key, base_url)
