"""The Bot API calls the bot sends, each shape built in one place.

Handlers, the notices and the cards all say things through these, so a message looks the
same (HTML, its buttons) whoever sends it, and the rules of a shape (what fits a caption)
are written once.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from core.outbox import ApiCall

CAPTION_LIMIT = 1024
SEND_MEDIA = {
    "photo": "sendPhoto",
    "video": "sendVideo",
    "animation": "sendAnimation",
    "voice": "sendVoice",
    "video_note": "sendVideoNote",
}
CAPTIONLESS = frozenset({"video_note"})

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def say(chat_id: int, text: str, markup: Markup | None = None) -> ApiCall:
    """A sendMessage in HTML; `markup` is any of python-telegram-bot's reply markups."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return ApiCall("sendMessage", params)


def fits_caption(kind: str, text: str) -> bool:
    """Whether `text` can go under a `kind` of media: a video note takes no caption, and
    Telegram takes at most CAPTION_LIMIT characters."""
    return kind not in CAPTIONLESS and len(text) <= CAPTION_LIMIT


def send_media(
    chat_id: int,
    kind: str,
    file_id: str,
    *,
    caption: str | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> ApiCall:
    """A photo, video, animation, voice or video note Telegram already has, by its file id;
    a caption, when given, in HTML."""
    params: dict[str, Any] = {"chat_id": chat_id, kind: file_id}
    if caption:
        params |= {"caption": caption, "parse_mode": "HTML"}
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return ApiCall(SEND_MEDIA[kind], params)
