"""Pretend users driving the playground's chat-window API, as the page itself does."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

JSON = dict[str, Any]
_names = itertools.count(1)


@dataclass
class PretendClient:
    """One pretend user in the chat window: what they see, and what they tap and type."""

    http: httpx.Client
    profile: JSON

    @property
    def id(self) -> int:
        user_id: int = self.profile["id"]
        return user_id

    def view(self, chat: int | None = None) -> JSON:
        params: JSON = {"user": self.id} if chat is None else {"user": self.id, "chat": chat}
        response = self.http.get("/playground/api/view", params=params)
        assert response.status_code == 200, response.text
        window: JSON = response.json()
        return window

    def bot_messages(self) -> list[JSON]:
        messages: list[JSON] = self.view()["messages"]
        return [m for m in messages if m["from_bot"]]

    def wait_for_bot(self, containing: str, *, timeout: float = 10.0) -> JSON:
        """The newest message from the bot with these words, once it has arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.bot_messages()):
                if containing in (message["text"] or message["caption"] or ""):
                    return message
            time.sleep(0.05)
        seen = [m["text"] or m["caption"] for m in self.bot_messages()[-5:]]
        raise AssertionError(f"no bot message with {containing!r}; the last ones: {seen}")

    def say(self, text: str) -> None:
        response = self.http.post(f"/playground/api/users/{self.id}/messages", json={"text": text})
        assert response.status_code == 204, response.text

    def press(self, label: str) -> JSON:
        """Tap the newest inline button with this label, once the bot has shown one; returns
        the bot's answer to the tap."""
        deadline = time.monotonic() + 10
        while True:
            try:
                message, button = self._newest_button(label, callback=True)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        body = {"message_id": message["message_id"], "data": button["callback_data"]}
        response = self.http.post(f"/playground/api/users/{self.id}/press", json=body)
        assert response.status_code == 200, response.text
        answer: JSON = response.json()
        return answer

    def accepts_request(self) -> JSON:
        """A stranger's first confession comes as a request; accepted, the usual one follows."""
        self.wait_for_bot("wants to tell you")
        self.press("Accept")
        return self.wait_for_bot("Someone has a confession for you")

    def button(self, label: str) -> JSON:
        return self._newest_button(label)[1]

    def _newest_button(self, label: str, *, callback: bool = False) -> tuple[JSON, JSON]:
        """The newest bot message with an inline button so labelled, and that button."""
        for message in reversed(self.bot_messages()):
            for row in (message["reply_markup"] or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"] and (not callback or "callback_data" in button):
                        return message, button
        raise AssertionError(f"no button {label!r} in the chat with the bot")

    def picks(self, other: PretendClient) -> None:
        """Telegram's user picker, offered by the reply keyboard's request_users button."""
        keyboard = self.view()["reply_keyboard"]
        assert keyboard is not None, "the bot offers no reply keyboard"
        request = next(
            b["request_users"] for row in keyboard["keyboard"] for b in row if "request_users" in b
        )
        body = {"request_id": request["request_id"], "user_id": other.id}
        response = self.http.post(f"/playground/api/users/{self.id}/shared-user", json=body)
        assert response.status_code == 204, response.text

    def writes_to(self, recipient: PretendClient, text: str) -> None:
        """From the welcome to the question about media: the part every confession shares."""
        self.say("/start")
        self.wait_for_bot("Some things are hard to say")
        self.press("Write a confession")
        self.wait_for_bot("Who is it for?")
        self.picks(recipient)
        self.wait_for_bot("Now say it")
        self.say(text)
        self.wait_for_bot("Add a photo")

    def sends_file(self, data: bytes, content_type: str, caption: str = "") -> None:
        """A file from the device, as the chat window's paperclip sends it."""
        response = self.http.post(
            f"/playground/api/users/{self.id}/media",
            files={"file": ("file", data, content_type)},
            data={"caption": caption},
        )
        assert response.status_code == 204, response.text

    def confessed_to(self, recipient: PretendClient, text: str) -> None:
        """A whole anonymous confession, from /start to the recipient having it."""
        recipient.say("/start")
        self.writes_to(recipient, text)
        self.sends_anonymously()
        recipient.accepts_request()
        self.wait_for_bot("was delivered")

    def sends_anonymously(self) -> None:
        """From the question about media to Send, with nothing added."""
        self.press("Skip")
        self.wait_for_bot("How should it be signed?")
        self.press("Anonymous")
        self.wait_for_bot("Preview")
        self.press("Send")


def make_pretend(http: httpx.Client) -> Callable[[str], PretendClient]:
    """`make("Carol")`: a new pretend user with a username nobody else has."""

    def make(first_name: str) -> PretendClient:
        username = f"{first_name.lower()}_pg{next(_names)}"
        response = http.post(
            "/playground/api/users", json={"first_name": first_name, "username": username}
        )
        assert response.status_code == 201, response.text
        return PretendClient(http, response.json())

    return make
