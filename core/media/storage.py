"""One storage interface for media, whatever holds the bytes (local disk or S3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """Where the phone sends the file itself, so large bodies never pass through the app."""

    url: str
    method: Literal["PUT", "POST"]
    fields: dict[str, str] = field(default_factory=dict)


class MediaStore(Protocol):
    """Objects by key; every failure of the backend surfaces as `StorageUnavailable`."""

    async def ensure_ready(self) -> None:
        """Create the bucket or folder when allowed; called once at start-up."""
        ...

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str, *, max_bytes: int | None = None) -> bytes:
        """The object; `MissingObject` if absent, `MediaTooLarge` before reading past a cap."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing what is not there is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def read_url(self, key: str, *, expires_in: int) -> str:
        """A link that reads the object until it expires, and nothing else."""
        ...

    async def upload_target(self, key: str, *, max_bytes: int, expires_in: int) -> UploadTarget:
        """A signed upload to exactly this key, refused past `max_bytes` or after expiry."""
        ...

    async def close_upload(self, key: str) -> bool:
        """Remove what arrived under an upload key; True if its link now refuses any more
        bytes, False if it takes them until it expires (a presigned S3 POST)."""
        ...

    async def remove_written_before(self, prefix: str, cutoff: datetime) -> int:
        """Remove every object under `prefix` last written before `cutoff`; returns how many."""
        ...
