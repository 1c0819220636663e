"""Pretend Telegram users for end-to-end tests: they post updates to our webhook and read
what the bot sent them from the Bot API emulator, the way a person reads their chat."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bot import telegram_auth
from bot.updates import sender_id
from emulator import BotApiState, StoredMessage
from emulator.client import TelegramClient, TelegramUser
from tests import loopback

_update_ids = itertools.count(1_000)
_user_ids = itertools.count(5_000_001)

POLL_SECONDS = 0.02
"""How often a wait looks again: an update is handled in a few milliseconds, and a wait that
looks every 20 overshoots by 10 on average, which summed over the suite's updates was
minutes of a worker's time."""


class Webhook:
    """Our product as Telegram sees it: a URL to POST updates to, with the secret header."""

    def __init__(self, url: str, secret: str, engine: Engine) -> None:
        self.url = url
        self.secret = secret
        self._engine = engine
        self.client = httpx.Client(timeout=10, verify=loopback.TLS)

    def post(self, update: dict[str, Any], *, secret: str | None = None) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret if secret is None else secret}
        return self.client.post(f"{self.url}/telegram/webhook", json=update, headers=headers)

    def deliver(self, update: dict[str, Any], timeout: float = 10.0) -> None:
        """Post an update and wait until the bot has finished handling it."""
        response = self.post(update)
        assert response.status_code == 200, response.text
        self.wait_handled(update, timeout)

    def wait_handled(self, update: dict[str, Any], timeout: float = 10.0) -> None:
        """Until the update is handled and the bot's answers to its sender are out. The
        sender is read from the update as the product reads it: a handled update keeps none."""
        deadline = time.monotonic() + timeout
        query = text(
            "SELECT 1 FROM inbox_updates AS i WHERE i.update_id = :id"
            " AND i.handled_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox AS o"
            " WHERE o.chat_id = :sender AND o.kind = 'answer' AND o.status = 'pending')"
        )
        parameters = {"id": update["update_id"], "sender": sender_id(update)}
        while time.monotonic() < deadline:
            with self._engine.connect() as connection:
                if connection.execute(query, parameters).scalar() is not None:
                    return
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"update {update['update_id']} was not handled within {timeout}s")

    def close(self) -> None:
        self.client.close()


def next_update_id() -> int:
    return next(_update_ids)


@dataclass
class Person:
    """A Telegram user with a private chat with the bot."""

    webhook: Webhook
    bot_api: BotApiState
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    last_name: str | None = None
    id: int = field(default_factory=lambda: next(_user_ids))

    @property
    def account(self) -> TelegramUser:
        return TelegramUser(
            self.id, self.first_name, self.username, self.last_name, self.language_code
        )

    @property
    def client(self) -> TelegramClient:
        """Telegram's app in this person's hands: it builds the updates their actions cause."""
        return TelegramClient(self.bot_api, update_ids=_update_ids)

    @property
    def profile(self) -> dict[str, Any]:
        return self.account.profile()

    @property
    def chat(self) -> dict[str, Any]:
        return self.account.private_chat()

    # what the person sees

    @property
    def messages(self) -> list[StoredMessage]:
        return self.bot_api.sent_to(self.id)

    @property
    def last(self) -> StoredMessage:
        message = self.bot_api.last_message(self.id)
        assert message is not None, f"the bot never wrote to {self.first_name}"
        return message

    def wait_for_message(self, containing: str, timeout: float = 10.0) -> StoredMessage:
        """Wait for a message from the bot (sent by the worker, say) that contains a text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if containing in (message.content or ""):
                    return message
            time.sleep(POLL_SECONDS)
        seen = "\n".join(f"  - {m.content!r}" for m in self.messages[-10:])
        raise AssertionError(f"{self.first_name} got no message containing {containing!r}:\n{seen}")

    def accepts_request(self, timeout: float = 10.0) -> StoredMessage:
        """A stranger's first confession comes as a request: accept it, and the usual
        "someone has a confession for you" follows, with Reveal."""
        request = self.wait_for_message("wants to tell you", timeout)
        self.presses("Accept", on=request)
        return self.wait_for_message("Someone has a confession", timeout)

    def receives_confession(self, timeout: float = 10.0) -> StoredMessage:
        """The newest confession's arrival, "someone has a confession for you": directly from
        someone they have a thread with, or once a stranger's request is accepted (pressed
        here). For tests about what follows delivery, whoever sent it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                content = message.content or ""
                if "Someone has a confession" in content:
                    return message
                if "wants to tell you" in content:
                    self.presses("Accept", on=message)
                    return self.wait_for_message("Someone has a confession", timeout)
            time.sleep(POLL_SECONDS)
        seen = "\n".join(f"  - {m.content!r}" for m in self.messages[-10:])
        raise AssertionError(f"{self.first_name} got no confession:\n{seen}")

    # what the person does

    def _send(self, update: dict[str, Any], timeout: float = 10.0) -> list[StoredMessage]:
        before = len(self.messages)
        self.webhook.deliver(update, timeout)
        return self.messages[before:]

    def says(
        self, words: str, *, entities: list[dict[str, Any]] | None = None
    ) -> list[StoredMessage]:
        return self._send(self.client.text(self.account, words, entities=entities or []))

    def command(
        self, name: str, argument: str | None = None, *, timeout: float = 10.0
    ) -> list[StoredMessage]:
        words = f"/{name}" + (f" {argument}" if argument else "")
        return self._send(self.client.text(self.account, words), timeout)

    def picks(self, other: Person) -> list[StoredMessage]:
        """Choose someone with Telegram's user picker (KeyboardButtonRequestUsers)."""
        return self._send(self.client.shares_user(self.account, 1, other.account))

    def sends_media(
        self, kind: str, data: bytes, *, file_size: int | None = None
    ) -> list[StoredMessage]:
        mime_type = {"voice": "audio/ogg", "video": "video/mp4"}.get(kind)
        update = self.client.media(
            self.account, kind, data, mime_type=mime_type, file_size=file_size
        )
        return self._send(update)

    def presses(self, label: str, *, on: StoredMessage | None = None) -> list[StoredMessage]:
        """Tap an inline button by (part of) its label, on the newest message that has it."""
        message, button = self._find_button(label, on)
        assert "callback_data" in button, f"{label!r} is not a callback button: {button}"
        return self.presses_data(button["callback_data"], message)

    def presses_data(
        self, data: str, message: StoredMessage, *, chat: dict[str, Any] | None = None
    ) -> list[StoredMessage]:
        """Tap a button with this data on ``message``; ``chat`` pretends the message is in
        another chat (a card shared into a group, say)."""
        before = len(self.messages)
        shown = self.bot_api.as_telegram_message(message.chat_id, message.message_id)
        assert shown is not None, f"message {message.message_id} is not in the chat"
        if chat is not None:
            shown["chat"] = chat
        self.webhook.deliver(self.client.callback_query(self.account, shown, data))
        return self.messages[before:]

    def button(self, label: str, on: StoredMessage | None = None) -> dict[str, Any]:
        return self._find_button(label, on)[1]

    def _find_button(
        self, label: str, on: StoredMessage | None
    ) -> tuple[StoredMessage, dict[str, Any]]:
        candidates = [on] if on is not None else list(reversed(self.messages))
        for message in candidates:
            for row in message.inline_keyboard or []:
                for button in row:
                    if label in button["text"]:
                        return message, button
        raise AssertionError(f"{self.first_name} sees no button {label!r}")

    def reply_keyboard(self) -> list[list[dict[str, Any]]]:
        for message in reversed(self.messages):
            if message.reply_markup and "keyboard" in message.reply_markup:
                rows: list[list[dict[str, Any]]] = message.reply_markup["keyboard"]
                return rows
        raise AssertionError(f"{self.first_name} has no reply keyboard")

    def inline_query(self, query: str) -> list[dict[str, Any]]:
        """Type `@bot query` in any chat; returns the results the bot offered."""
        update = self.client.inline_query(self.account, query, chat_type=None)
        query_id = update["inline_query"]["id"]
        self.webhook.deliver(update)
        call = self.bot_api.wait_for_call(
            "answerInlineQuery", where=lambda params: params.get("inline_query_id") == query_id
        )
        results: list[dict[str, Any]] = call.params["results"]
        return results


People = Callable[..., Person]
"""The `people` fixture: `people("Carol", username="carol")` makes another pretend user."""


class MiniApp:
    """The mini app as one person opens it inside Telegram: every call carries their init data."""

    def __init__(self, base_url: str, person: Person, bot_token: str) -> None:
        self.person = person
        self.init_data = telegram_auth.sign(person.profile, bot_token=bot_token)
        self.client = httpx.Client(
            base_url=f"{base_url}/api/v1",
            headers={"Authorization": f"tma {self.init_data}"},
            timeout=10,
            verify=loopback.TLS,
        )

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(path, json=body or {})

    def patch(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.patch(path, json=body)

    def put(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.put(path, json=body)

    def close(self) -> None:
        self.client.close()
