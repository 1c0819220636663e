"""Media in the chat, as the domain knows it."""

from __future__ import annotations

from telegram import Message

from core.drafts import ChatMedia


def chat_media(message: Message) -> ChatMedia | None:
    """The photo or video of a message, as Telegram describes it."""
    if message.photo:
        largest = message.photo[-1]
        return ChatMedia(
            "photo", largest.file_id, largest.file_unique_id, largest.file_size, "image/jpeg"
        )
    for kind in ("video", "animation", "voice", "video_note"):
        attachment = getattr(message, kind)
        if attachment is not None:
            return ChatMedia(
                kind,
                attachment.file_id,
                attachment.file_unique_id,
                attachment.file_size,
                getattr(attachment, "mime_type", None),
            )
    return None
