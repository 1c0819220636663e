"""Photos, videos and voice notes: one storage interface, validation by content, and who reads."""

from core.media.errors import (
    ChatFileUnavailable,
    LinkExpired,
    LinkInvalid,
    MediaQuotaExceeded,
    MissingObject,
    StorageUnavailable,
    UploadLinkUsed,
    UploadMissing,
)
from core.media.links import CardLinks, card_links, links_to_show
from core.media.local import LocalStore
from core.media.service import (
    Download,
    MediaUrls,
    PendingUpload,
    UploadKind,
    attach_upload,
    begin_upload,
    complete_upload,
    delete_media,
    open_media,
    readable_url,
    save_upload,
    store_from_telegram,
    sweep_unattached,
    sweep_uploads,
)
from core.media.storage import MediaStore, UploadTarget
from core.media.stores import build_media_store

__all__ = [
    "CardLinks",
    "ChatFileUnavailable",
    "Download",
    "LinkExpired",
    "LinkInvalid",
    "LocalStore",
    "MediaQuotaExceeded",
    "MediaStore",
    "MediaUrls",
    "MissingObject",
    "PendingUpload",
    "StorageUnavailable",
    "UploadKind",
    "UploadLinkUsed",
    "UploadMissing",
    "UploadTarget",
    "attach_upload",
    "begin_upload",
    "build_media_store",
    "card_links",
    "complete_upload",
    "delete_media",
    "links_to_show",
    "open_media",
    "readable_url",
    "save_upload",
    "store_from_telegram",
    "sweep_unattached",
    "sweep_uploads",
]
