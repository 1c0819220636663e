"""How the emulator puts what it stores on the wire: Telegram's ``Message`` objects.

Method results, the updates a pretend client builds about a message (a callback query carries
it) and the playground's view all render a stored message the same way, so the shape lives
here once, below both the method handlers and the server state.
"""

from __future__ import annotations

from typing import Any

from emulator.model import JSONDict, StoredMessage, TelegramModel


def render_media(media: JSONDict) -> tuple[str, Any]:
    """The Telegram message field and value for a stored media dict."""
    kind = str(media["kind"])
    base: JSONDict = {"file_id": media["file_id"], "file_unique_id": media["file_unique_id"]}
    if media.get("file_size"):
        base["file_size"] = media["file_size"]
    duration = media.get("duration", 0)
    if kind == "photo":
        size = {"width": media.get("width", 1280), "height": media.get("height", 720)}
        return "photo", [base | size]
    if kind in ("video", "animation"):
        base |= {
            "width": media.get("width", 1280),
            "height": media.get("height", 720),
            "duration": duration,
        }
    elif kind == "video_note":
        base |= {"length": media.get("length", 240), "duration": duration}
    elif kind in ("voice", "audio"):
        base["duration"] = duration
    for key in ("file_name", "mime_type", "performer", "title"):
        if media.get(key) is not None:
            base[key] = media[key]
    return kind, base


def render_message(
    model: TelegramModel, message: StoredMessage, *, with_reply: bool = True
) -> JSONDict:
    """A stored message as a Telegram ``Message`` object."""
    chat = model.chat_api(message.chat_id)
    out: JSONDict = {"message_id": message.message_id, "date": message.date, "chat": chat}
    if chat["type"] == "channel":
        out["sender_chat"] = chat
    elif message.from_bot:
        out["from"] = model.bot.to_api()
    else:
        out["from"] = model.user_api(message.chat_id)
    if message.edit_date is not None:
        out["edit_date"] = message.edit_date
    if message.media_group_id is not None:
        out["media_group_id"] = message.media_group_id
    if message.forward_origin is not None:
        out["forward_origin"] = message.forward_origin
    if with_reply and message.reply_to_message_id is not None:
        target = model.find_message(message.chat_id, message.reply_to_message_id)
        if target is not None:
            out["reply_to_message"] = render_message(model, target, with_reply=False)
    if message.text is not None:
        out["text"] = message.text
        if message.entities:
            out["entities"] = message.entities
    if message.media is not None:
        key, value = render_media(message.media)
        out[key] = value
        if message.media.get("has_spoiler"):
            out["has_media_spoiler"] = True
        if message.caption is not None:
            out["caption"] = message.caption
            if message.entities:
                out["caption_entities"] = message.entities
    if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
        out["reply_markup"] = message.reply_markup
    return out
