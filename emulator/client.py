"""Telegram's client side: what a user does in their app, as the update Telegram posts about it.

The end-to-end tests' pretend people (``tests/telegram.py``) and the browser playground
(``playground/world.py``) both play Telegram users talking to the bot. They share this one
builder, so an update looks the same whoever sends it, and the emulated server learns about the
user's own messages (the bot may copy them, the playground shows them) as Telegram would.
Delivering the update is left to the caller: the tests post it synchronously and wait until it
is handled, the playground posts it in process from its event loop.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from emulator.model import JSONDict
from emulator.state import ServerState

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")

#: Query ids are unique in the process, as Telegram's are: a server remembers answered ones.
_query_ids = itertools.count(1)
_file_numbers = itertools.count(1)

#: Sizes Telegram reports for media whose real size the pretend client does not measure.
_DEFAULT_WIDTH, _DEFAULT_HEIGHT, _DEFAULT_DURATION = 640, 480, 3


@dataclass(frozen=True, slots=True)
class TelegramUser:
    """A Telegram account, with a private chat with the bot."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"

    def profile(self) -> JSONDict:
        """The user as a Telegram ``User`` object."""
        profile: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                profile[key] = value
        return profile

    def private_chat(self) -> JSONDict:
        """Their private chat with the bot as a Telegram ``Chat`` object."""
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat


def command_entities(text: str) -> list[JSONDict]:
    """Telegram marks a leading /command, which is how bots tell commands from words."""
    match = _COMMAND.match(text)
    return [{"type": "bot_command", "offset": 0, "length": match.end()}] if match else []


def media_kind(content_type: str) -> str:
    """What Telegram makes of a file a user sends: GIFs become animations, Ogg voice notes."""
    if content_type == "image/gif":
        return "animation"
    if content_type.startswith("image/"):
        return "photo"
    if content_type.startswith("video/"):
        return "video"
    if content_type in ("audio/ogg", "audio/opus"):
        return "voice"
    return "document"


class TelegramClient:
    """Builds the updates a user's actions cause, recording their messages on the server.

    Clients that talk to one bot must share ``update_ids``: the bot's inbox drops an update id
    it has seen (the playground starts from the clock, to continue past earlier runs on the same
    database).
    """

    def __init__(self, state: ServerState, *, update_ids: Iterator[int] | None = None) -> None:
        self.state = state
        self._update_ids = update_ids if update_ids is not None else itertools.count(1)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def update(self, **body: Any) -> JSONDict:
        """An update with the next id around ``body`` (``message=…``, ``callback_query=…``)."""
        return {"update_id": self.next_update_id(), **body}

    # --- messages in the chat with the bot ---------------------------------------------------

    def text(
        self, user: TelegramUser, text: str, *, entities: list[JSONDict] | None = None
    ) -> JSONDict:
        """The user sends ``text``; a leading /command is marked unless ``entities`` are given."""
        marks = command_entities(text) if entities is None else entities
        fields: JSONDict = {"text": text}
        if marks:
            fields["entities"] = marks
        return self._message(user, fields, text=text, entities=marks or None)

    def start(self, user: TelegramUser, parameter: str) -> JSONDict:
        """The user opens a deep link ``t.me/<bot>?start=<parameter>`` and taps Start: their
        chat shows ``/start``, and the bot gets ``/start <parameter>``."""
        text = f"/start {parameter}"
        fields: JSONDict = {"text": text, "entities": command_entities(text)}
        return self._message(user, fields, text="/start", entities=command_entities("/start"))

    def media(
        self,
        user: TelegramUser,
        kind: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        file_size: int | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> JSONDict:
        """The user sends a file of ``kind`` (``photo``, ``video``, ``voice``, ...).

        ``file_size`` overrides the size Telegram reports, for files too big to make in a test;
        ``width`` and ``height`` are a photo's real size when the caller measured it.
        """
        file_id, unique_id = self.state.add_file(
            data,
            file_path=f"{kind}s/file_{time.time_ns()}_{next(_file_numbers)}",
            mime_type=mime_type,
        )
        described: JSONDict = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_size": len(data) if file_size is None else file_size,
        }
        size = {"width": width or _DEFAULT_WIDTH, "height": height or _DEFAULT_HEIGHT}
        payload: Any
        if kind == "photo":
            payload = [described | size]
        elif kind == "voice":
            payload = described | {"duration": _DEFAULT_DURATION, "mime_type": mime_type}
        elif kind == "video_note":
            payload = described | {"duration": _DEFAULT_DURATION, "length": 240}
        elif kind in ("video", "animation"):
            payload = described | size | {"duration": _DEFAULT_DURATION}
            payload["mime_type"] = mime_type or "video/mp4"
        else:
            payload = described | {"mime_type": mime_type, "file_name": "file"}
        if isinstance(payload, dict) and payload.get("mime_type") is None:
            payload.pop("mime_type", None)
        media: JSONDict = {"kind": kind, **described}
        if kind == "photo":
            media |= size
        fields: JSONDict = {kind: payload}
        if caption:
            fields["caption"] = caption
        return self._message(user, fields, caption=caption or None, media=media)

    def shares_user(self, user: TelegramUser, request_id: int, shared: TelegramUser) -> JSONDict:
        """The answer to a ``request_users`` button: someone chosen in Telegram's user picker."""
        person: JSONDict = {"user_id": shared.id, "first_name": shared.first_name}
        if shared.username:
            person["username"] = shared.username
        users_shared = {"request_id": request_id, "users": [person]}
        return self._message(user, {"users_shared": users_shared}, text=f"👤 {shared.first_name}")

    def _message(self, user: TelegramUser, fields: JSONDict, **stored: Any) -> JSONDict:
        """Record the user's message on the server, and the update that tells the bot of it."""
        message = self.state.add_user_message(user.id, **stored)
        body = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": user.private_chat(),
            "from": user.profile(),
            **fields,
        }
        return self.update(message=body)

    # --- queries -----------------------------------------------------------------------------

    def callback_query(
        self, user: TelegramUser, message: JSONDict, data: str, *, prefix: str = "cq"
    ) -> JSONDict:
        """A tap on a callback button of ``message`` (a Telegram ``Message``, as
        :meth:`ServerState.as_telegram_message` renders it). The query id is in the update."""
        query: JSONDict = {
            "id": f"{prefix}{next(_query_ids)}",
            "from": user.profile(),
            "chat_instance": str(message["chat"]["id"]),
            "data": data,
            "message": message,
        }
        return self.update(callback_query=query)

    def inline_query(
        self,
        user: TelegramUser,
        query: str,
        *,
        chat_type: str | None = "private",
        prefix: str = "iq",
    ) -> JSONDict:
        """``@bot query`` typed in a chat; Telegram cuts the query at 256 characters."""
        inline: JSONDict = {
            "id": f"{prefix}{next(_query_ids)}",
            "from": user.profile(),
            "query": query[:256],
            "offset": "",
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return self.update(inline_query=inline)
