"""Bot API method names the emulator implements.

Telegram matches method names case-insensitively (``sendMessage`` == ``sendmessage``); the
emulator records every call under the canonical camelCase spelling so tests can match on one
name. Kept separate from the handlers so the state module can normalise names without
importing them.
"""

from __future__ import annotations

METHOD_NAMES: tuple[str, ...] = (
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setChatMenuButton",
    "getChatMenuButton",
    "setMyDescription",
    "getMyDescription",
    "setMyShortDescription",
    "getMyShortDescription",
    "sendMessage",
    "sendPhoto",
    "sendVideo",
    "sendAnimation",
    "sendVoice",
    "sendVideoNote",
    "sendDocument",
    "sendAudio",
    "sendMediaGroup",
    "copyMessage",
    "forwardMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "editMessageMedia",
    "deleteMessage",
    "deleteMessages",
    "answerCallbackQuery",
    "answerInlineQuery",
    "answerWebAppQuery",
    "savePreparedInlineMessage",
    "getFile",
    "getChat",
    "sendChatAction",
)

_BY_LOWER = {name.lower(): name for name in METHOD_NAMES}


def canonical_method(name: str) -> str | None:
    """The canonical spelling of an implemented method, or ``None`` if it is not implemented."""
    return _BY_LOWER.get(name.lower())
