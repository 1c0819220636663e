"""Errors of the media domain, in the shape every adapter already knows (`DomainError`)."""

from __future__ import annotations

from core.errors import DomainError, MediaTooLarge, NotFound, WrongState


def too_large(limit_bytes: int) -> MediaTooLarge:
    """The error for a file past a cap, naming the cap in megabytes as the bot says it."""
    return MediaTooLarge(limit_mb=max(1, limit_bytes // (1024 * 1024)))


class StorageUnavailable(DomainError):
    """Any backend failure: the caller retries later, nothing was half-stored."""

    status = 503
    code = "storage_unavailable"
    message = "File storage is briefly unavailable; try again."


class MissingObject(NotFound):
    """The storage has nothing under that key."""


class UploadMissing(WrongState):
    code = "upload_missing"
    message = "The file has not arrived; upload it before completing."


class UploadLinkUsed(DomainError):
    """An upload link takes one file: a second one, or one after completion, is refused."""

    status = 410
    code = "upload_link_used"
    message = "This upload link has been used; start a new upload."


class MediaQuotaExceeded(DomainError):
    status = 413
    code = "media_quota_exceeded"
    message = "You have stored too many files; remove some first."


class LinkInvalid(DomainError):
    """A media link whose signature does not match: forged or altered."""

    status = 403
    code = "link_invalid"
    message = "This link is not valid."


class LinkExpired(LinkInvalid):
    code = "link_expired"
    message = "This link has expired; open the confession again."


class ChatFileUnavailable(StorageUnavailable):
    """A file sent in the chat could not be fetched from Telegram: shown without it, or later."""

    code = "chat_file_unavailable"
