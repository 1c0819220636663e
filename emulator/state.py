"""The in-memory model behind the Bot API emulator.

Two layers live here:

* :class:`TelegramModel` is the plain, single-threaded model of what Telegram would know about
  our bot: chats and their messages, uploaded files, webhook and command settings. The Bot API
  method handlers in :mod:`emulator.methods` mutate it, and they only ever see it while holding
  the lock of the owning :class:`BotApiState`.
* :class:`BotApiState` is the thread-safe facade. The HTTP server runs in its own thread (its own
  event loop) while tests assert from the main thread, so every read goes through one lock and
  returns copies, and :meth:`BotApiState.wait_for` can block on a condition variable until the
  server has recorded the call a test is waiting for.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.names import canonical_method

JSONDict = dict[str, Any]

_LOG = logging.getLogger(__name__)

#: Chat ids at or below this are channels / supergroups in Telegram's id scheme (``-100…``).
CHANNEL_ID_THRESHOLD = -1_000_000_000_000

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


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
class _FailureRule:
    method: str
    remaining: int
    error: ApiError
    chat_id: int | None = None


@dataclass(slots=True)
class _HeldAnswer:
    method: str
    seconds: float
    chat_id: int | None = None


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


class BotApiState:
    """Thread-safe state of one emulated Bot API server, plus the test-facing query helpers.

    Everything the server does goes through :meth:`execute` (or :meth:`record` for requests
    rejected before reaching a method), which applies injected failures, runs the method
    against the model, records the call and wakes up :meth:`wait_for`.
    """

    def __init__(self, *, bot: BotIdentity | None = None) -> None:
        self._bot = bot or BotIdentity()
        # An RLock so predicates passed to wait_for may call the query helpers.
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._model = TelegramModel(bot=self._bot)
        self._calls: list[RecordedCall] = []
        self._failures: list[_FailureRule] = []
        self._held: list[_HeldAnswer] = []
        self._version = 0

    # --- server side -------------------------------------------------------------------------

    def execute(
        self, method: str, params: JSONDict, run: Callable[[TelegramModel], Any]
    ) -> JSONDict:
        """Run one API method atomically and return Telegram's response body.

        Injected failures win over the method's own behaviour, so a test can make any call fail
        without caring whether it would have succeeded.
        """
        with self._lock:
            error = self._take_failure(method, params)
            if error is not None:
                response = error.to_response()
            else:
                try:
                    response = {"ok": True, "result": run(self._model)}
                except ApiError as exc:
                    response = exc.to_response()
                except Exception as exc:
                    # An emulator bug: answer and record it instead of a bare 500, so the
                    # failing test shows it among the calls rather than as a bot-side mystery.
                    _LOG.exception("emulator failed handling %s", method)
                    response = ApiError(
                        500, f"Internal Server Error: emulator: {exc!r}"
                    ).to_response()
            self._record_locked(method, params, response)
            return response

    def record(self, method: str, params: JSONDict, response: JSONDict) -> None:
        """Record a call answered without running a method (bad token, unknown method)."""
        with self._lock:
            self._record_locked(method, params, response)

    def _record_locked(self, method: str, params: JSONDict, response: JSONDict) -> None:
        self._calls.append(RecordedCall(method, params, time.time(), response))
        self._version += 1
        self._changed.notify_all()

    def _take_failure(self, method: str, params: JSONDict) -> ApiError | None:
        for rule in self._failures:
            if rule.method in ("*", method) and rule.chat_id in (None, params.get("chat_id")):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._failures.remove(rule)
                return rule.error
        return None

    def file_by_path(self, file_path: str) -> StoredFile | None:
        """The file a download URL refers to."""
        with self._lock:
            return self._model.files_by_path.get(file_path)

    # --- failure injection and setup ---------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (``"*"``: any method) fail; with
        ``chat_id``, only calls aimed at that chat count.

        Unknown method names raise ``ValueError`` so a typo cannot silently disable the
        injection. A 429 always carries ``retry_after`` (default 1 s) because Telegram always
        sends it and python-telegram-bot only raises ``RetryAfter`` when it is present.
        """
        name = method if method == "*" else canonical_method(method)
        if name is None:
            raise ValueError(f"the emulator does not implement {method!r}; nothing would fail")
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        error = ApiError(status, description, parameters=parameters)
        with self._lock:
            self._failures.append(_FailureRule(name, count, error, chat_id))

    def stop_failing(self) -> None:
        """Drop every injected failure: an outage made with ``fail_next("*", ...)`` ends."""
        with self._lock:
            self._failures.clear()

    def hold_answer(self, method: str, *, seconds: float, chat_id: int | None = None) -> None:
        """Carry out the next call of ``method`` (to ``chat_id``) at once but answer it only
        after ``seconds``: Telegram has accepted it and the bot has not heard yet, the window
        in which a process killed sends it again."""
        name = canonical_method(method)
        if name is None:
            raise ValueError(f"the emulator does not implement {method!r}; nothing would wait")
        with self._lock:
            self._held.append(_HeldAnswer(name, seconds, chat_id))

    def answer_delay(self, method: str, params: JSONDict) -> float:
        """How long the server waits before answering this call (see :meth:`hold_answer`)."""
        with self._lock:
            for rule in self._held:
                if rule.method == method and rule.chat_id in (None, params.get("chat_id")):
                    self._held.remove(rule)
                    return rule.seconds
        return 0.0

    def block_chat(self, chat_id: int) -> None:
        """Act as if the user blocked the bot: anything aimed at the chat answers 403."""
        with self._lock:
            self._model.blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`."""
        with self._lock:
            self._model.blocked.discard(chat_id)

    def add_file(
        self, data: bytes, *, file_path: str, mime_type: str | None = None
    ) -> tuple[str, str]:
        """Register a file the pretend user sent; returns ``(file_id, file_unique_id)`` to put
        into the update given to the bot, which can then ``getFile`` and download it."""
        with self._lock:
            stored = self._model.add_file(data, file_path=file_path, mime_type=mime_type)
            return stored.file_id, stored.file_unique_id

    def push_update(self, update: JSONDict) -> None:
        """Queue an update for a bot that polls with getUpdates (one with no webhook)."""
        with self._lock:
            self._model.pending_updates.append(copy.deepcopy(update))
            self._version += 1
            self._changed.notify_all()

    def confirm_updates(self, offset: int) -> None:
        """getUpdates with an offset confirms every update before it, at once, as Telegram's."""
        with self._lock:
            pending = self._model.pending_updates
            self._model.pending_updates = [u for u in pending if u["update_id"] >= offset]

    def has_updates_after(self, offset: int) -> bool:
        """Whether getUpdates with this offset would return something now."""
        with self._lock:
            return any(u["update_id"] >= offset for u in self._model.pending_updates)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued for a polling bot and not confirmed yet."""
        with self._lock:
            return copy.deepcopy(self._model.pending_updates)

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """Give a pretend user a profile; returns it as a Telegram ``User`` for updates."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        with self._lock:
            self._model.users[user_id] = user
        return dict(user)

    def add_user_message(
        self,
        chat_id: int,
        *,
        text: str | None = None,
        caption: str | None = None,
        entities: list[JSONDict] | None = None,
        media: JSONDict | None = None,
        reply_to_message_id: int | None = None,
    ) -> StoredMessage:
        """Put a message the pretend user sent into the chat.

        The bot only learns about user messages through updates, but Telegram knows them: the
        bot may copy or forward them, and the playground shows them. The returned message's
        ``message_id`` is the one to use in the update sent to the bot.
        """
        with self._lock:
            message = self._model.add_message(
                chat_id,
                text=text,
                caption=caption,
                entities=entities,
                media=dict(media) if media else None,
                from_bot=False,
                reply_to_message_id=reply_to_message_id,
            )
            self._version += 1
            self._changed.notify_all()
            return copy.deepcopy(message)

    def reset(self) -> None:
        """Forget everything: calls, chats, files, settings, injected failures."""
        with self._lock:
            self._model = TelegramModel(bot=self._bot)
            self._calls.clear()
            self._failures.clear()
            self._held.clear()
            self._version += 1
            self._changed.notify_all()

    # --- read access (copies, so readers never see a half-applied call) ----------------------

    @property
    def bot(self) -> BotIdentity:
        """The emulated bot's identity."""
        return self._bot

    @property
    def version(self) -> int:
        """A number that grows with every change, so a viewer can tell when to look again."""
        with self._lock:
            return self._version

    def file(self, file_id: str) -> StoredFile | None:
        """A known file by ``file_id``."""
        with self._lock:
            return self._model.files.get(file_id)

    def as_telegram_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """A live message as the Telegram ``Message`` an update about it would carry."""
        from emulator.methods import render_message  # methods imports this module

        with self._lock:
            message = self._model.find_message(chat_id, message_id)
            return None if message is None else render_message(self._model, message)

    @property
    def calls(self) -> list[RecordedCall]:
        """Every call so far, in order."""
        with self._lock:
            return list(self._calls)

    @property
    def messages(self) -> dict[int, list[StoredMessage]]:
        """Every chat's messages, including deleted ones (flagged), in order."""
        with self._lock:
            return copy.deepcopy(self._model.messages)

    @property
    def files(self) -> dict[str, StoredFile]:
        """Known files by ``file_id``."""
        with self._lock:
            return dict(self._model.files)

    @property
    def webhook(self) -> WebhookConfig | None:
        """The current webhook, as set by ``setWebhook``."""
        with self._lock:
            return self._model.webhook

    @property
    def commands(self) -> dict[tuple[str, str], list[JSONDict]]:
        """``setMyCommands`` results keyed by ``(scope type, language_code)``."""
        with self._lock:
            return copy.deepcopy(self._model.commands)

    @property
    def menu_buttons(self) -> dict[int | None, JSONDict]:
        """``setChatMenuButton`` results keyed by chat id (``None``: the default button)."""
        with self._lock:
            return copy.deepcopy(self._model.menu_buttons)

    @property
    def descriptions(self) -> dict[tuple[str, str], str]:
        """Bot descriptions keyed by ``("description" | "short_description", language_code)``."""
        with self._lock:
            return dict(self._model.descriptions)

    @property
    def blocked_chats(self) -> set[int]:
        """Chats that currently answer 403."""
        with self._lock:
            return set(self._model.blocked)

    @property
    def callback_answers(self) -> list[JSONDict]:
        """Parameters of every successful ``answerCallbackQuery``."""
        return [c.params for c in self.calls_to("answerCallbackQuery") if c.ok]

    @property
    def inline_answers(self) -> list[JSONDict]:
        """Parameters of every successful ``answerInlineQuery``."""
        return [c.params for c in self.calls_to("answerInlineQuery") if c.ok]

    @property
    def web_app_answers(self) -> list[JSONDict]:
        """Parameters of every successful ``answerWebAppQuery``."""
        return [c.params for c in self.calls_to("answerWebAppQuery") if c.ok]

    def calls_to(self, method: str, chat_id: int | str | None = None) -> list[RecordedCall]:
        """Calls of one method (any spelling), optionally only those aimed at ``chat_id``."""
        name = canonical_method(method) or method
        with self._lock:
            return [
                c
                for c in self._calls
                if c.method == name and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]

    def sent_to(self, chat_id: int | str) -> list[StoredMessage]:
        """Messages the bot sent to a chat that still exist, in order."""
        with self._lock:
            resolved = self._model.resolve_chat_id(chat_id)
            return [
                copy.deepcopy(m)
                for m in self._model.messages.get(resolved, [])
                if m.from_bot and not m.deleted
            ]

    def last_message(self, chat_id: int | str) -> StoredMessage | None:
        """The newest message the bot sent to a chat that still exists."""
        sent = self.sent_to(chat_id)
        return sent[-1] if sent else None

    def message(self, chat_id: int | str, message_id: int) -> StoredMessage | None:
        """One message by id, deleted or not (sender either side)."""
        with self._lock:
            resolved = self._model.resolve_chat_id(chat_id)
            for m in self._model.messages.get(resolved, []):
                if m.message_id == message_id:
                    return copy.deepcopy(m)
            return None

    # --- waiting -----------------------------------------------------------------------------

    def wait_for(
        self,
        predicate: Callable[[RecordedCall], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
        description: str = "a matching call",
    ) -> RecordedCall:
        """Block until a recorded call (from index ``since`` on) satisfies ``predicate``.

        Calls recorded before the wait started count too, so there is no race between the
        action a test triggers and the wait. Raises ``AssertionError`` listing the calls seen.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            index = since
            while True:
                index = min(index, len(self._calls))
                while index < len(self._calls):
                    call = self._calls[index]
                    index += 1
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_message(description, timeout, since))
                self._changed.wait(remaining)

    def wait_for_call(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        timeout: float = 5.0,
        where: Callable[[JSONDict], bool] | None = None,
        ok: bool | None = None,
        since: int = 0,
    ) -> RecordedCall:
        """:meth:`wait_for` a call of ``method``, optionally to ``chat_id``, whose params pass
        ``where``, and that succeeded (``ok=True``) or failed (``ok=False``)."""
        name = canonical_method(method) or method

        def matches(call: RecordedCall) -> bool:
            return (
                call.method == name
                and (chat_id is None or call.params.get("chat_id") == chat_id)
                and (ok is None or call.ok == ok)
                and (where is None or where(call.params))
            )

        wanted = f"{name}(chat_id={chat_id!r}{', where=…' if where else ''}, ok={ok!r})"
        return self.wait_for(matches, timeout, since=since, description=wanted)

    def _timeout_message(self, description: str, timeout: float, since: int) -> str:
        seen = self._calls[since:]
        lines = [f"Timed out after {timeout:g}s waiting for {description}; {len(seen)} call(s):"]
        lines.extend(f"  {i}. {c.summary()}" for i, c in enumerate(seen[-30:], start=1))
        if len(seen) > 30:
            lines.insert(1, f"  ... {len(seen) - 30} earlier call(s) omitted")
        return "\n".join(lines)


def _shorten(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
