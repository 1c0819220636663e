"""Bot API method semantics: what each method does to the model and what it answers.

Handlers are plain functions of ``(TelegramModel, ApiCall)``; they raise :class:`ApiError` with
Telegram's own descriptions for the failures a bot meets in production (message not modified,
message to edit not found, text too long, callback data too long, ...), so tests exercise the
bot's real error handling. Results are shaped like Telegram's so python-telegram-bot parses them.

Deliberate simplifications, all in the direction of leniency:

* text is stored and echoed exactly as sent; ``parse_mode`` markup is not parsed into entities
  (length limits are checked on an approximation of the visible text);
* unknown ``file_id`` strings are accepted when sending (tests often invent them for updates),
  but ``getFile`` only knows files that were uploaded or registered with ``add_file``;
* webhook URLs are not required to be HTTPS.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.model import (
    CHANNEL_ID_THRESHOLD,
    ApiError,
    JSONDict,
    StoredFile,
    StoredMessage,
    TelegramModel,
    WebhookConfig,
)
from emulator.names import METHOD_NAMES
from emulator.wire import render_message

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024

#: Media kinds: Telegram's message field, the file_path folder, default suffix and MIME type.
_MEDIA_KINDS: dict[str, tuple[str, str, str | None]] = {
    "photo": ("photos", ".jpg", None),
    "video": ("videos", ".mp4", "video/mp4"),
    "animation": ("animations", ".mp4", "video/mp4"),
    "voice": ("voice", ".oga", "audio/ogg"),
    "video_note": ("video_notes", ".mp4", None),
    "document": ("documents", "", "application/octet-stream"),
    "audio": ("music", ".mp3", "audio/mpeg"),
}
_MEDIA_EXTRAS = ("width", "height", "duration", "length", "performer", "title", "has_spoiler")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class ApiCall:
    """A normalised request: canonical method name, decoded params, uploaded file parts."""

    method: str
    params: JSONDict
    uploads: dict[str, Upload] = field(default_factory=dict)


Handler = Callable[[TelegramModel, ApiCall], Any]


def dispatch(model: TelegramModel, call: ApiCall) -> Any:
    """Run the handler for ``call.method``; the caller holds the state lock."""
    if call.method in _CHAT_METHODS and call.params.get("chat_id") not in (None, ""):
        chat_id = model.resolve_chat_id(call.params["chat_id"])
        if chat_id in model.blocked:
            raise ApiError(403, BLOCKED)
    return HANDLERS[call.method](model, call)


# --- parameter helpers -----------------------------------------------------------------------


def _str(call: ApiCall, name: str) -> str | None:
    value = call.params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    raise ApiError(400, f'Bad Request: field "{name}" must be of type String')


def _int(call: ApiCall, name: str, *, missing: str | None = None) -> int:
    value = call.params.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is None or value == "":
        raise ApiError(400, missing or f"Bad Request: {name} is empty")
    raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer')


def _obj(call: ApiCall, name: str) -> JSONDict | None:
    value = call.params.get(name)
    if value is None:
        return None
    if isinstance(value, dict):
        return copy.deepcopy(value)
    raise ApiError(400, f"Bad Request: can't parse {name} JSON object")


def _list(call: ApiCall, name: str) -> list[Any] | None:
    value = call.params.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        return copy.deepcopy(value)
    raise ApiError(400, f"Bad Request: can't parse {name} JSON array")


def _chat(model: TelegramModel, call: ApiCall, name: str = "chat_id") -> int:
    return model.resolve_chat_id(call.params.get(name))


def _visible_length(text: str, parse_mode: str | None) -> int:
    """Approximate length of the rendered text in UTF-16 code units, as Telegram counts it."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    elif mode.startswith("markdown"):
        text = re.sub(r"\]\([^)]*\)", "", text)
        text = re.sub(r"(?<!\\)[*_~|`\[\]]", "", text)
        text = re.sub(r"\\(.)", r"\1", text)
    return len(text.encode("utf-16-le")) // 2


def _check_text(text: str | None, parse_mode: str | None) -> str:
    if text is None or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _visible_length(text, parse_mode) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _check_caption(caption: str | None, parse_mode: str | None) -> None:
    if caption is not None and _visible_length(caption, parse_mode) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")


def _reply_markup(call: ApiCall) -> JSONDict | None:
    """The ``reply_markup`` param, validated the way Telegram rejects broken inline keyboards."""
    markup = _obj(call, "reply_markup")
    if markup is None:
        return None
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse inline keyboard")
    if not any(rows):
        return None  # An empty inline keyboard removes the keyboard.
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if set(button) <= {"text"}:
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
    return markup


def _reply_to(model: TelegramModel, chat_id: int, call: ApiCall) -> int | None:
    params = _obj(call, "reply_parameters") or {}
    message_id = params.get("message_id", call.params.get("reply_to_message_id"))
    if not isinstance(message_id, int):
        return None
    if model.find_message(chat_id, message_id) is None:
        allowed = params.get(
            "allow_sending_without_reply", call.params.get("allow_sending_without_reply")
        )
        if allowed is True:
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")
    return message_id


# --- files and media -------------------------------------------------------------------------


def _file_input(
    model: TelegramModel, call: ApiCall, param: str, value: object, kind: str
) -> JSONDict:
    """Turn an upload, ``attach://`` reference, URL or ``file_id`` into a stored media dict."""
    folder, suffix, default_mime = _MEDIA_KINDS[kind]
    upload = call.uploads.get(param)
    if upload is None and isinstance(value, str) and value.startswith("attach://"):
        upload = call.uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
    stored: StoredFile | None
    if upload is not None:
        # Only documents keep the client's name and type; for the other kinds Telegram
        # re-encodes, and clients often send a generic "application/octet-stream" part anyway.
        mime_type, file_name = default_mime, None
        if kind == "document":
            mime_type = upload.content_type or default_mime
            file_name = upload.filename
            if file_name and "." in file_name:
                suffix = "." + file_name.rsplit(".", 1)[1]
        stored = model.add_file(
            upload.data,
            directory=folder,
            suffix=suffix,
            mime_type=mime_type,
            file_name=file_name,
        )
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        stored = model.add_file(
            b"", directory=folder, suffix=suffix, file_name=value.rsplit("/", 1)[-1] or None
        )
    elif isinstance(value, str) and value:
        stored = model.files.get(value)
        if stored is None:
            unique = "EMUU" + hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()[:10]
            return {"kind": kind, "file_id": value, "file_unique_id": unique}
    else:
        raise ApiError(400, f"Bad Request: there is no {kind} in the request")
    media: JSONDict = {
        "kind": kind,
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
    }
    mime = stored.mime_type or default_mime
    if mime and kind != "photo":
        media["mime_type"] = mime
    if stored.file_name and kind in ("document", "audio", "video", "animation"):
        media["file_name"] = stored.file_name
    return media


def _media_with_extras(media: JSONDict, source: JSONDict) -> JSONDict:
    for key in _MEDIA_EXTRAS:
        if source.get(key) is not None:
            media[key] = source[key]
    return media


# --- bot and webhook settings ----------------------------------------------------------------


def _true(_model: TelegramModel, _call: ApiCall) -> bool:
    return True


def _get_me(model: TelegramModel, _call: ApiCall) -> JSONDict:
    return model.bot.to_api() | {
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _get_updates(model: TelegramModel, call: ApiCall) -> list[Any]:
    """Updates from `offset` on (the server confirmed those before it on arrival)."""
    if model.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = call.params.get("offset")
    start = offset if isinstance(offset, int) else 0
    limit = call.params.get("limit")
    count = limit if isinstance(limit, int) and 0 < limit <= 100 else 100
    due = [update for update in model.pending_updates if update["update_id"] >= start]
    return copy.deepcopy(due[:count])


def _set_webhook(model: TelegramModel, call: ApiCall) -> bool:
    url = _str(call, "url") or ""
    secret = _str(call, "secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    if not url:
        model.webhook = None
        return True
    updates = _list(call, "allowed_updates")
    max_connections = call.params.get("max_connections")
    model.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        allowed_updates=[str(u) for u in updates] if updates is not None else None,
        max_connections=max_connections if isinstance(max_connections, int) else 40,
        ip_address=_str(call, "ip_address"),
    )
    return True


def _delete_webhook(model: TelegramModel, _call: ApiCall) -> bool:
    model.webhook = None
    return True


def _get_webhook_info(model: TelegramModel, _call: ApiCall) -> JSONDict:
    hook = model.webhook
    info: JSONDict = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": 0,
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.ip_address is not None:
            info["ip_address"] = hook.ip_address
    return info


def _commands_key(call: ApiCall) -> tuple[str, str]:
    scope = _obj(call, "scope") or {}
    scope_key = str(scope.get("type", "default"))
    if "chat_id" in scope:
        scope_key += f":{scope['chat_id']}"
    if "user_id" in scope:
        scope_key += f":{scope['user_id']}"
    return scope_key, _str(call, "language_code") or ""


def _set_my_commands(model: TelegramModel, call: ApiCall) -> bool:
    commands = _list(call, "commands")
    if commands is None:
        raise ApiError(400, "Bad Request: commands is empty")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND_RE.match(str(command.get("command"))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    model.commands[_commands_key(call)] = commands
    return True


def _get_my_commands(model: TelegramModel, call: ApiCall) -> list[JSONDict]:
    return copy.deepcopy(model.commands.get(_commands_key(call), []))


def _delete_my_commands(model: TelegramModel, call: ApiCall) -> bool:
    model.commands.pop(_commands_key(call), None)
    return True


def _menu_chat(model: TelegramModel, call: ApiCall) -> int | None:
    return None if call.params.get("chat_id") in (None, "") else _chat(model, call)


def _set_chat_menu_button(model: TelegramModel, call: ApiCall) -> bool:
    model.menu_buttons[_menu_chat(model, call)] = _obj(call, "menu_button") or {"type": "default"}
    return True


def _get_chat_menu_button(model: TelegramModel, call: ApiCall) -> JSONDict:
    chat = _menu_chat(model, call)
    button = model.menu_buttons.get(chat) or model.menu_buttons.get(None)
    return copy.deepcopy(button) if button else {"type": "default"}


def _description_setter(kind: str) -> Handler:
    def handler(model: TelegramModel, call: ApiCall) -> bool:
        key = (kind, _str(call, "language_code") or "")
        text = _str(call, kind)
        if text:
            model.descriptions[key] = text
        else:
            model.descriptions.pop(key, None)
        return True

    return handler


def _description_getter(kind: str) -> Handler:
    def handler(model: TelegramModel, call: ApiCall) -> JSONDict:
        language = _str(call, "language_code") or ""
        text = model.descriptions.get((kind, language)) or model.descriptions.get((kind, ""), "")
        return {kind: text}

    return handler


# --- sending ---------------------------------------------------------------------------------


def _send_message(model: TelegramModel, call: ApiCall) -> JSONDict:
    chat_id = _chat(model, call)
    parse_mode = _str(call, "parse_mode")
    text = _check_text(_str(call, "text"), parse_mode)
    markup = _reply_markup(call)
    message = model.add_message(
        chat_id,
        text=text,
        parse_mode=parse_mode,
        entities=_list(call, "entities"),
        reply_markup=markup,
        reply_to_message_id=_reply_to(model, chat_id, call),
    )
    return render_message(model, message)


def _media_sender(kind: str) -> Handler:
    def handler(model: TelegramModel, call: ApiCall) -> JSONDict:
        chat_id = _chat(model, call)
        parse_mode = _str(call, "parse_mode")
        caption = _str(call, "caption")
        _check_caption(caption, parse_mode)
        markup = _reply_markup(call)
        reply_to = _reply_to(model, chat_id, call)
        media = _file_input(model, call, kind, call.params.get(kind), kind)
        message = model.add_message(
            chat_id,
            caption=caption,
            parse_mode=parse_mode,
            entities=_list(call, "caption_entities"),
            reply_markup=markup,
            media=_media_with_extras(media, call.params),
            reply_to_message_id=reply_to,
        )
        return render_message(model, message)

    return handler


def _input_media(model: TelegramModel, call: ApiCall, item: object) -> JSONDict:
    """Validate one ``InputMedia*`` object and resolve its file."""
    if not isinstance(item, dict) or item.get("type") not in _MEDIA_KINDS:
        raise ApiError(400, "Bad Request: can't parse InputMedia")
    kind = str(item["type"])
    media = _file_input(model, call, "", item.get("media"), kind)
    return _media_with_extras(media, item)


def _send_media_group(model: TelegramModel, call: ApiCall) -> list[JSONDict]:
    chat_id = _chat(model, call)
    items = _list(call, "media") or []
    if not 2 <= len(items) <= 10:
        raise ApiError(400, "Bad Request: media group must include 2-10 items")
    reply_to = _reply_to(model, chat_id, call)
    prepared = []
    for item in items:
        media = _input_media(model, call, item)
        caption = item.get("caption")
        _check_caption(caption, item.get("parse_mode"))
        prepared.append((media, item))
    group_id = model.next_media_group_id()
    results = []
    for media, item in prepared:
        message = model.add_message(
            chat_id,
            caption=item.get("caption"),
            parse_mode=item.get("parse_mode"),
            entities=item.get("caption_entities"),
            media=media,
            media_group_id=group_id,
            reply_to_message_id=reply_to,
        )
        results.append(render_message(model, message))
    return results


def _source_message(model: TelegramModel, call: ApiCall, verb: str) -> StoredMessage:
    from_chat = _chat(model, call, "from_chat_id")
    message_id = _int(call, "message_id", missing=f"Bad Request: message to {verb} not found")
    source = model.find_message(from_chat, message_id)
    if source is None:
        raise ApiError(400, f"Bad Request: message to {verb} not found")
    return source


def _copy_message(model: TelegramModel, call: ApiCall) -> JSONDict:
    source = _source_message(model, call, "copy")
    chat_id = _chat(model, call)
    caption, parse_mode, entities = source.caption, source.parse_mode, source.entities
    if source.media is not None and "caption" in call.params:
        caption = _str(call, "caption")
        parse_mode = _str(call, "parse_mode")
        entities = _list(call, "caption_entities")
        _check_caption(caption, parse_mode)
    message = model.add_message(
        chat_id,
        text=source.text,
        caption=caption,
        parse_mode=parse_mode,
        entities=copy.deepcopy(entities),
        media=copy.deepcopy(source.media),
        reply_markup=_reply_markup(call),
        reply_to_message_id=_reply_to(model, chat_id, call),
    )
    return {"message_id": message.message_id}


def _forward_message(model: TelegramModel, call: ApiCall) -> JSONDict:
    source = _source_message(model, call, "forward")
    chat_id = _chat(model, call)
    origin: JSONDict
    if source.forward_origin is not None:
        origin = copy.deepcopy(source.forward_origin)
    elif source.chat_id <= CHANNEL_ID_THRESHOLD:
        origin = {
            "type": "channel",
            "chat": model.chat_api(source.chat_id),
            "message_id": source.message_id,
            "date": source.date,
        }
    else:
        sender = model.bot.to_api() if source.from_bot else model.user_api(source.chat_id)
        origin = {"type": "user", "sender_user": sender, "date": source.date}
    message = model.add_message(
        chat_id,
        text=source.text,
        caption=source.caption,
        parse_mode=source.parse_mode,
        entities=copy.deepcopy(source.entities),
        media=copy.deepcopy(source.media),
        forward_origin=origin,
    )
    return render_message(model, message)


def _send_chat_action(model: TelegramModel, call: ApiCall) -> bool:
    _chat(model, call)
    if _str(call, "action") not in _CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    return True


# --- editing and deleting --------------------------------------------------------------------


def _edit_target(model: TelegramModel, call: ApiCall) -> StoredMessage | None:
    """The bot's own message an edit applies to; ``None`` for inline messages, which the
    emulator does not model (the bot only gets ``True`` back for them anyway)."""
    if call.params.get("chat_id") in (None, "") and _str(call, "inline_message_id"):
        return None
    chat_id = _chat(model, call)
    message_id = _int(
        call, "message_id", missing="Bad Request: message identifier is not specified"
    )
    message = model.find_message(chat_id, message_id)
    if message is None:
        raise ApiError(400, "Bad Request: message to edit not found")
    if not message.from_bot:
        raise ApiError(400, "Bad Request: message can't be edited")
    return message


def _mark_edited(model: TelegramModel, message: StoredMessage) -> JSONDict:
    message.edited = True
    message.edit_date = max(int(time.time()), message.date)
    return render_message(model, message)


def _edit_message_text(model: TelegramModel, call: ApiCall) -> JSONDict | bool:
    parse_mode = _str(call, "parse_mode")
    text = _check_text(_str(call, "text"), parse_mode)
    entities = _list(call, "entities")
    markup = _reply_markup(call)
    message = _edit_target(model, call)
    if message is None:
        return True
    if message.text is None:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    new = (text, parse_mode, entities, markup)
    if new == (message.text, message.parse_mode, message.entities, message.reply_markup):
        raise ApiError(400, NOT_MODIFIED)
    message.text, message.parse_mode, message.entities, message.reply_markup = new
    return _mark_edited(model, message)


def _edit_message_caption(model: TelegramModel, call: ApiCall) -> JSONDict | bool:
    parse_mode = _str(call, "parse_mode")
    caption = _str(call, "caption")
    _check_caption(caption, parse_mode)
    entities = _list(call, "caption_entities")
    markup = _reply_markup(call)
    message = _edit_target(model, call)
    if message is None:
        return True
    if message.media is None:
        raise ApiError(400, "Bad Request: there is no caption in the message to edit")
    new = (caption, parse_mode, entities, markup)
    if new == (message.caption, message.parse_mode, message.entities, message.reply_markup):
        raise ApiError(400, NOT_MODIFIED)
    message.caption, message.parse_mode, message.entities, message.reply_markup = new
    return _mark_edited(model, message)


def _edit_message_reply_markup(model: TelegramModel, call: ApiCall) -> JSONDict | bool:
    markup = _reply_markup(call)
    message = _edit_target(model, call)
    if message is None:
        return True
    if markup == message.reply_markup:
        raise ApiError(400, NOT_MODIFIED)
    message.reply_markup = markup
    return _mark_edited(model, message)


def _edit_message_media(model: TelegramModel, call: ApiCall) -> JSONDict | bool:
    item = _obj(call, "media")
    if item is None:
        raise ApiError(400, "Bad Request: media is empty")
    media = _input_media(model, call, item)
    caption = item.get("caption")
    parse_mode = item.get("parse_mode")
    _check_caption(caption, parse_mode)
    markup = _reply_markup(call)
    message = _edit_target(model, call)
    if message is None:
        return True
    if message.media is None:
        raise ApiError(400, "Bad Request: there is no media in the message to edit")
    if (
        media.get("file_id") == message.media.get("file_id")
        and media["kind"] == message.media.get("kind")
        and caption == message.caption
        and markup == message.reply_markup
    ):
        raise ApiError(400, NOT_MODIFIED)
    message.media = media
    message.caption = caption
    message.parse_mode = parse_mode
    message.entities = item.get("caption_entities")
    message.reply_markup = markup
    return _mark_edited(model, message)


def _delete_message(model: TelegramModel, call: ApiCall) -> bool:
    chat_id = _chat(model, call)
    message_id = _int(
        call, "message_id", missing="Bad Request: message identifier is not specified"
    )
    message = model.find_message(chat_id, message_id)
    if message is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    message.deleted = True
    return True


def _delete_messages(model: TelegramModel, call: ApiCall) -> bool:
    chat_id = _chat(model, call)
    ids = _list(call, "message_ids")
    if not ids or len(ids) > 100:
        raise ApiError(400, "Bad Request: message_ids must include 1-100 items")
    for message_id in ids:
        message = model.find_message(chat_id, message_id) if isinstance(message_id, int) else None
        if message is not None:
            message.deleted = True
    return True


# --- queries, files, chats -------------------------------------------------------------------


def _answer_callback_query(model: TelegramModel, call: ApiCall) -> bool:
    query_id = _str(call, "callback_query_id")
    if not query_id or query_id in model.answered_queries:
        raise ApiError(400, QUERY_TOO_OLD)
    if len(_str(call, "text") or "") > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    model.answered_queries.add(query_id)
    return True


def _answer_inline_query(_model: TelegramModel, call: ApiCall) -> bool:
    if not _str(call, "inline_query_id"):
        raise ApiError(400, QUERY_TOO_OLD)
    results = _list(call, "results")
    if results is None:
        raise ApiError(400, "Bad Request: results is empty")
    if len(results) > 50:
        raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
    ids = [r.get("id") if isinstance(r, dict) else None for r in results]
    if None in ids:
        raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
    if len(set(ids)) != len(ids):
        raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
    return True


def _answer_web_app_query(model: TelegramModel, call: ApiCall) -> JSONDict:
    if not _str(call, "web_app_query_id"):
        raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
    if _obj(call, "result") is None:
        raise ApiError(400, "Bad Request: result is empty")
    return {"inline_message_id": model.next_inline_message_id()}


def _save_prepared_inline_message(model: TelegramModel, call: ApiCall) -> JSONDict:
    """Bot API 8.0: keeps nothing but the recorded call; tests read the result from there."""
    _int(call, "user_id", missing="Bad Request: user_id is empty")
    result = _obj(call, "result")
    if result is None or not result.get("id") or not result.get("type"):
        raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
    return {
        "id": f"prepared-{model.next_inline_message_id()}",
        "expiration_date": int(time.time()) + 86400,
    }


def _get_file(model: TelegramModel, call: ApiCall) -> JSONDict:
    stored = model.files.get(_str(call, "file_id") or "")
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    if stored.file_size > MAX_DOWNLOAD:
        raise ApiError(400, "Bad Request: file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
        "file_path": stored.file_path,
    }


def _get_chat(model: TelegramModel, call: ApiCall) -> JSONDict:
    return model.chat_api(_chat(model, call)) | {
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


HANDLERS: dict[str, Handler] = {
    "getMe": _get_me,
    "logOut": _true,
    "close": _true,
    "getUpdates": _get_updates,
    "setWebhook": _set_webhook,
    "deleteWebhook": _delete_webhook,
    "getWebhookInfo": _get_webhook_info,
    "setMyCommands": _set_my_commands,
    "getMyCommands": _get_my_commands,
    "deleteMyCommands": _delete_my_commands,
    "setChatMenuButton": _set_chat_menu_button,
    "getChatMenuButton": _get_chat_menu_button,
    "setMyDescription": _description_setter("description"),
    "getMyDescription": _description_getter("description"),
    "setMyShortDescription": _description_setter("short_description"),
    "getMyShortDescription": _description_getter("short_description"),
    "sendMessage": _send_message,
    "sendPhoto": _media_sender("photo"),
    "sendVideo": _media_sender("video"),
    "sendAnimation": _media_sender("animation"),
    "sendVoice": _media_sender("voice"),
    "sendVideoNote": _media_sender("video_note"),
    "sendDocument": _media_sender("document"),
    "sendAudio": _media_sender("audio"),
    "sendMediaGroup": _send_media_group,
    "copyMessage": _copy_message,
    "forwardMessage": _forward_message,
    "editMessageText": _edit_message_text,
    "editMessageCaption": _edit_message_caption,
    "editMessageReplyMarkup": _edit_message_reply_markup,
    "editMessageMedia": _edit_message_media,
    "deleteMessage": _delete_message,
    "deleteMessages": _delete_messages,
    "answerCallbackQuery": _answer_callback_query,
    "answerInlineQuery": _answer_inline_query,
    "answerWebAppQuery": _answer_web_app_query,
    "savePreparedInlineMessage": _save_prepared_inline_message,
    "getFile": _get_file,
    "getChat": _get_chat,
    "sendChatAction": _send_chat_action,
}

#: Methods aimed at a chat, which answer 403 once the user has blocked the bot.
_CHAT_METHODS = frozenset(
    name
    for name in HANDLERS
    if name.startswith(("send", "copy", "forward", "edit", "delete"))
    and name not in ("deleteWebhook", "deleteMyCommands")
)

if set(HANDLERS) != set(METHOD_NAMES):  # pragma: no cover - guards against editing one list only
    raise RuntimeError("emulator.names.METHOD_NAMES and emulator.methods.HANDLERS disagree")
