"""Media on the local disk, reached through links signed with HMAC-SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections.abc import AsyncIterable, Callable
from datetime import datetime
from pathlib import Path
from typing import ParamSpec, TypeVar
from urllib.parse import quote, urlencode

from core import constant_time
from core.media.errors import (
    LinkExpired,
    LinkInvalid,
    MissingObject,
    StorageUnavailable,
    UploadLinkUsed,
    too_large,
)
from core.media.storage import UploadTarget

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Segments never start with a dot, so no key climbs out of the root or hides a file.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
MAX_KEY_LENGTH = 255
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def is_valid_key(key: str) -> bool:
    return len(key) <= MAX_KEY_LENGTH and KEY_PATTERN.fullmatch(key) is not None


class LocalStore:
    """Files under one folder; a content type beside each, for serving it back exactly."""

    def __init__(self, root: Path, signing_key: bytes, base_url: str) -> None:
        self.root = root
        self._objects = root / "objects"
        self._types = root / "types"
        self._incoming = root / "incoming"
        self._closed = root / "closed"
        self._signing_key = signing_key
        self._base_url = base_url.rstrip("/")

    async def ensure_ready(self) -> None:
        for folder in (self._objects, self._types, self._incoming, self._closed):
            await _run(folder.mkdir, parents=True, exist_ok=True)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await _run(self._write, key, data, content_type)

    async def get(self, key: str, *, max_bytes: int | None = None) -> bytes:
        return await _run(self._read, key, max_bytes)

    async def delete(self, key: str) -> None:
        await _run(self._remove, key)

    async def exists(self, key: str) -> bool:
        return await _run(self._object_path(key).is_file)

    async def read_url(self, key: str, *, expires_in: int) -> str:
        expires = int(time.time()) + expires_in
        query = urlencode({"expires": expires, "sig": self._sign("read", key, expires)})
        return f"{self._base_url}/media/files/{quote(key)}?{query}"

    async def upload_target(self, key: str, *, max_bytes: int, expires_in: int) -> UploadTarget:
        expires = int(time.time()) + expires_in
        signature = self._sign("upload", key, expires, max_bytes)
        query = urlencode({"expires": expires, "max": max_bytes, "sig": signature})
        return UploadTarget(
            url=f"{self._base_url}/media/uploads/{quote(key)}?{query}", method="PUT"
        )

    def verify_read(self, key: str, *, expires: int, signature: str) -> None:
        """Refuse a read link that we did not sign or that has expired."""
        self._verify(signature, "read", key, expires)
        _refuse_expired(expires)

    def verify_upload(self, key: str, *, expires: int, max_bytes: int, signature: str) -> None:
        """Refuse an upload link that we did not sign, with an altered cap, or expired."""
        self._verify(signature, "upload", key, expires, max_bytes)
        _refuse_expired(expires)

    async def served_file(self, key: str) -> tuple[Path, str]:
        """The file behind a verified read link and the content type it was stored with."""
        return await _run(self._served_file, key)

    async def close_upload(self, key: str) -> bool:
        await _run(self._close_upload, key)
        return True

    async def remove_written_before(self, prefix: str, cutoff: datetime) -> int:
        return await _run(self._remove_written_before, prefix, cutoff.timestamp())

    async def receive(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> int:
        """Stream an upload to disk, stopping at the first byte past the cap; all or nothing,
        and once: a link whose bytes arrived, or whose upload was closed, takes no more."""
        if await _run(self._upload_taken, key):
            raise UploadLinkUsed()
        partial = await _run(self._new_partial)
        received = 0
        try:
            handle = await _run(partial.open, "wb")
            try:
                async for chunk in chunks:
                    received += len(chunk)
                    if received > max_bytes:
                        raise too_large(max_bytes)
                    await _run(handle.write, chunk)
            finally:
                await _run(handle.close)
            await _run(self._install_once, partial, key)
        except BaseException:
            await _run(partial.unlink, missing_ok=True)
            raise
        return received

    def _sign(self, purpose: str, key: str, *values: int) -> str:
        message = "\n".join([purpose, key, *(str(value) for value in values)]).encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    def _verify(self, signature: str, purpose: str, key: str, *values: int) -> None:
        expected = self._sign(purpose, key, *values)
        if not is_valid_key(key) or not constant_time.equal(signature, expected):
            raise LinkInvalid()

    def _object_path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise ValueError(f"not a media key: {key!r}")
        return self._objects / key

    def _type_path(self, key: str) -> Path:
        return self._types / key

    def _closed_path(self, key: str) -> Path:
        """A marker left when an upload is completed or refused: its link is used up."""
        if not is_valid_key(key):
            raise ValueError(f"not a media key: {key!r}")
        return self._closed / key

    def _upload_taken(self, key: str) -> bool:
        return self._object_path(key).is_file() or self._closed_path(key).exists()

    def _new_partial(self) -> Path:
        self._incoming.mkdir(parents=True, exist_ok=True)
        return self._incoming / secrets.token_hex(16)

    def _write(self, key: str, data: bytes, content_type: str) -> None:
        partial = self._new_partial()
        try:
            partial.write_bytes(data)
            self._install(partial, key, content_type)
        finally:
            partial.unlink(missing_ok=True)

    def _install(self, partial: Path, key: str, content_type: str) -> None:
        """Move a complete file into place atomically, its content type written first."""
        target, type_path = self._object_path(key), self._type_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        type_path.parent.mkdir(parents=True, exist_ok=True)
        type_path.write_text(content_type)
        os.replace(partial, target)

    def _install_once(self, partial: Path, key: str) -> None:
        """Link the complete upload into place only if nothing is there yet (two uploads racing
        on one link: the second is refused), and take it back if the upload was closed since."""
        target = self._object_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._type_path(key).unlink(missing_ok=True)
        try:
            os.link(partial, target)
        except FileExistsError:
            raise UploadLinkUsed() from None
        finally:
            partial.unlink(missing_ok=True)
        if self._closed_path(key).exists():
            target.unlink(missing_ok=True)
            raise UploadLinkUsed()

    def _close_upload(self, key: str) -> None:
        """The marker first, then the bytes: an upload landing in between sees the marker."""
        marker = self._closed_path(key)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        self._remove(key)

    def _remove_written_before(self, prefix: str, cutoff: float) -> int:
        """Objects and their used-link markers; and, as no write lasts that long, partial files
        that a process which died while receiving left behind."""
        removed = 0
        for path in _files_written_before(self._objects / prefix, cutoff):
            self._remove(path.relative_to(self._objects).as_posix())
            removed += 1
        for folder in (self._closed / prefix, self._incoming):
            for path in _files_written_before(folder, cutoff):
                path.unlink(missing_ok=True)
        return removed

    def _read(self, key: str, max_bytes: int | None) -> bytes:
        path = self._object_path(key)
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if max_bytes is not None and size > max_bytes:
                    raise too_large(max_bytes)
                return handle.read()
        except FileNotFoundError:
            raise MissingObject() from None

    def _remove(self, key: str) -> None:
        self._object_path(key).unlink(missing_ok=True)
        self._type_path(key).unlink(missing_ok=True)

    def _served_file(self, key: str) -> tuple[Path, str]:
        path = self._object_path(key)
        if not path.is_file():
            raise MissingObject()
        try:
            content_type = self._type_path(key).read_text().strip()
        except FileNotFoundError:
            content_type = DEFAULT_CONTENT_TYPE
        return path, content_type or DEFAULT_CONTENT_TYPE


def _files_written_before(folder: Path, cutoff: float) -> list[Path]:
    """Files under `folder` last modified before `cutoff` (Unix time); vanishing ones skipped."""
    found = []
    for path in folder.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                found.append(path)
        except FileNotFoundError:
            continue
    return found


def _refuse_expired(expires: int) -> None:
    if expires < time.time():
        raise LinkExpired()


async def _run(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Disk work off the event loop; a failing disk is `StorageUnavailable`, not a crash."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except OSError as error:
        log.warning("local media storage failed: %s", error)
        raise StorageUnavailable() from error
