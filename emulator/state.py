"""The Bot API server's own state: the thread-safe home of the :class:`TelegramModel`.

The HTTP server runs in its own thread (its own event loop) while tests and the playground read
from others, so everything goes through one lock and reads return copies. Every request the
server answers goes through :meth:`ServerState.execute`, which applies injected failures, runs
the method against the model, records the call and wakes up waiters. The questions tests ask
about what the bot did live apart, in :class:`emulator.queries.BotApiState`.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.model import (
    CHANNEL_ID_THRESHOLD,
    ApiError,
    BotIdentity,
    JSONDict,
    RecordedCall,
    StoredFile,
    StoredMessage,
    TelegramModel,
    WebhookConfig,
)
from emulator.names import canonical_method
from emulator.wire import render_message

__all__ = [
    "CHANNEL_ID_THRESHOLD",
    "ApiError",
    "BotIdentity",
    "JSONDict",
    "RecordedCall",
    "ServerState",
    "StoredFile",
    "StoredMessage",
    "TelegramModel",
    "WebhookConfig",
]

_LOG = logging.getLogger(__name__)

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


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


class ServerState:
    """Thread-safe state of one emulated Bot API server (see the module docstring).

    Everything the server does goes through :meth:`execute` (or :meth:`record` for requests
    rejected before reaching a method). Setup (pretend users, their files and messages),
    failure injection and plain read access are here too, since the playground needs them
    without the tests' query helpers.
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
        with self._lock:
            message = self._model.find_message(chat_id, message_id)
            return None if message is None else render_message(self._model, message)

    @property
    def calls(self) -> list[RecordedCall]:
        """Every call so far, in order."""
        with self._lock:
            return list(self._calls)

    @property
    def chat_ids(self) -> list[int]:
        """Every chat that has a message, in order of id."""
        with self._lock:
            return sorted(self._model.messages)

    def chat_messages(self, chat_id: int) -> list[StoredMessage]:
        """One chat's messages, including deleted ones (flagged), in order; a copy of that
        chat's only (the playground asks for each person's several times per poll)."""
        with self._lock:
            return copy.deepcopy(self._model.messages.get(chat_id, []))

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
