"""What Telegram knows about our bot, as plain single-threaded data.

:class:`TelegramModel` holds chats and their messages, uploaded files, webhook and command
settings. The Bot API method handlers in :mod:`emulator.methods` mutate it, and they only ever
see it while holding the lock of the owning :class:`emulator.state.ServerState`. The record
types around it (stored messages and files, recorded calls, errors) are shared by every layer,
which is why they live at the bottom, importing nothing else of the emulator.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

#: Chat ids at or below this are channels / supergroups in Telegram's id scheme (``-100…``).
CHANNEL_ID_THRESHOLD = -1_000_000_000_000


class ApiError(Exception):
    """A Bot API error, answered to the client in Telegram's exact error shape.

    Raising it from a method handler (or injecting it with :meth:`BotApiState.fail_next`) is how
    the emulator reproduces Telegram's failures, so the bot's real error handling gets exercised.
    """

    def __init__(
        self, status: int, description: str, *, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def to_response(self) -> JSONDict:
        """The JSON body Telegram sends for this error (its HTTP status equals ``error_code``)."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the emulated bot is; ``getMe`` answers with this and sent messages come ``from`` it."""

    id: int = 7_000_000_001
    username: str = "confessions_test_bot"
    first_name: str = "Confessions"

    def to_api(self) -> JSONDict:
        """The bot as a Telegram ``User`` object."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One Bot API request as the emulator saw it, together with what it answered.

    ``params`` are already normalised (ints are ints, JSON-encoded form values are decoded), so
    tests can assert on them without caring whether the client sent JSON, a form or multipart.
    Uploaded file parts appear as ``{"upload": filename, "size": n, "mime_type": ...}``.
    """

    method: str
    params: JSONDict
    at: float
    response: JSONDict

    @property
    def ok(self) -> bool:
        """Whether the call succeeded (the response had ``"ok": true``)."""
        return self.response.get("ok") is True

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call, ``None`` for a failed one."""
        return self.response.get("result")

    @property
    def chat_id(self) -> int | str | None:
        """The ``chat_id`` parameter, if the call had one."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None

    def summary(self) -> str:
        """A one-line description, used in assertion messages."""
        shown = {k: _shorten(v) for k, v in self.params.items()}
        response = self.response
        outcome = "ok" if self.ok else f"{response.get('error_code')} {response.get('description')}"
        return f"{self.method}({shown}) -> {outcome}"

    def to_dict(self) -> JSONDict:
        """JSON-ready form for the inspection endpoints."""
        return {
            "method": self.method,
            "params": self.params,
            "at": self.at,
            "response": self.response,
        }


@dataclass(slots=True)
class StoredMessage:
    """A message in a chat, as the emulator keeps it.

    Text is stored exactly as the bot sent it, with its ``parse_mode``, rather than rendered:
    tests assert on what the bot produced, and the playground can render the markup itself.
    ``entities`` holds ``entities`` for text messages and ``caption_entities`` for media.
    ``media`` is ``{"kind": "photo" | "video" | ..., "file_id": ..., "file_unique_id": ..., ...}``.
    Messages the pretend user sent (see :meth:`BotApiState.add_user_message`) have
    ``from_bot=False``; they share the chat's message-id sequence, like in a real private chat.
    """

    chat_id: int
    message_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] | None = None
    reply_markup: JSONDict | None = None
    media: JSONDict | None = None
    deleted: bool = False
    edited: bool = False
    edit_date: int | None = None
    from_bot: bool = True
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    forward_origin: JSONDict | None = None

    @property
    def content(self) -> str | None:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else self.caption

    @property
    def inline_keyboard(self) -> list[list[JSONDict]] | None:
        """The inline keyboard rows, if the message carries an inline keyboard."""
        if self.reply_markup is None:
            return None
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else None

    def to_dict(self) -> JSONDict:
        """JSON-ready form for the inspection endpoints."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file Telegram would host: something the user sent or the bot uploaded.

    ``data`` is empty for files the emulator only knows by reference (an HTTP URL the bot asked
    Telegram to fetch), since the emulator never leaves loopback.
    """

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def file_size(self) -> int:
        """Size in bytes, as ``getFile`` reports it."""
        return len(self.data)


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """What the bot passed to ``setWebhook``; the playground needs the URL and secret to push
    updates to the bot the way Telegram does."""

    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    ip_address: str | None = None


@dataclass(slots=True)
class TelegramModel:
    """Telegram's side of the world, without any locking (see the module docstring)."""

    bot: BotIdentity
    messages: dict[int, list[StoredMessage]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    files_by_path: dict[str, StoredFile] = field(default_factory=dict)
    users: dict[int, JSONDict] = field(default_factory=dict)
    usernames: dict[str, int] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    webhook: WebhookConfig | None = None
    commands: dict[tuple[str, str], list[JSONDict]] = field(default_factory=dict)
    menu_buttons: dict[int | None, JSONDict] = field(default_factory=dict)
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)
    answered_queries: set[str] = field(default_factory=set)
    pending_updates: list[JSONDict] = field(default_factory=list)
    _next_message_id: dict[int, int] = field(default_factory=dict)
    _file_counter: int = 0
    _media_group_counter: int = 0
    _inline_counter: int = 0

    # --- chats -------------------------------------------------------------------------------

    def resolve_chat_id(self, value: object) -> int:
        """Map a ``chat_id`` parameter to a numeric id.

        ``@username`` chats get a stable fake channel id, so a bot configured with a public
        channel username still produces a browsable chat.
        """
        if isinstance(value, bool):
            raise ApiError(400, "Bad Request: chat not found")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit():
                return int(text)
            if text.startswith("@") and len(text) > 1:
                name = text[1:].lower()
                if name not in self.usernames:
                    self.usernames[name] = CHANNEL_ID_THRESHOLD - 1 - len(self.usernames)
                return self.usernames[name]
        if value is None or value == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        raise ApiError(400, "Bad Request: chat not found")

    def user_api(self, user_id: int) -> JSONDict:
        """A pretend user as a Telegram ``User``; unregistered ids get a generated name."""
        profile = self.users.get(user_id)
        if profile is not None:
            return dict(profile)
        return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    def chat_api(self, chat_id: int) -> JSONDict:
        """A Telegram ``Chat`` for an id: positive ids are private chats with that user,
        ``-100…`` ids channels, other negative ids groups."""
        if chat_id > 0:
            user = self.user_api(chat_id)
            chat: JSONDict = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if key in user:
                    chat[key] = user[key]
            return chat
        names = {v: k for k, v in self.usernames.items()}
        if chat_id <= CHANNEL_ID_THRESHOLD:
            chat = {"id": chat_id, "type": "channel", "title": f"Channel {chat_id}"}
        else:
            chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        if chat_id in names:
            chat["username"] = names[chat_id]
            chat["title"] = names[chat_id]
        return chat

    # --- messages ----------------------------------------------------------------------------

    def add_message(self, chat_id: int, **fields: Any) -> StoredMessage:
        """Append a message to a chat, assigning the chat's next message id."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message = StoredMessage(
            chat_id=chat_id, message_id=message_id, date=int(time.time()), **fields
        )
        self.messages.setdefault(chat_id, []).append(message)
        return message

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """A live (not deleted) message, or ``None``."""
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def next_media_group_id(self) -> str:
        """A fresh ``media_group_id`` for ``sendMediaGroup``."""
        self._media_group_counter += 1
        return f"1{self._media_group_counter:017d}"

    def next_inline_message_id(self) -> str:
        """A fresh ``inline_message_id`` (``answerWebAppQuery`` returns one)."""
        self._inline_counter += 1
        return f"emu-inline-{self._inline_counter}"

    # --- files -------------------------------------------------------------------------------

    def add_file(
        self,
        data: bytes,
        *,
        file_path: str | None = None,
        directory: str = "documents",
        suffix: str = "",
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Register file contents under a new ``file_id`` so ``getFile`` and downloads work.

        Ids are sequential rather than random so test failures are reproducible.
        """
        self._file_counter += 1
        number = self._file_counter
        file_id = f"EMUFILE{number:06d}"
        unique = "EMUU" + hashlib.sha1(file_id.encode(), usedforsecurity=False).hexdigest()[:10]
        path = file_path or f"{directory}/file_{number}{suffix}"
        stored = StoredFile(file_id, unique, path, data, mime_type=mime_type, file_name=file_name)
        self.files[file_id] = stored
        self.files_by_path[path] = stored
        return stored


def _shorten(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
