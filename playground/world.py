"""The pretend Telegram the playground runs: Telegram's server and Telegram's client.

The server side is the tests' Bot API emulator (`emulator`), served inside the process, so
the bot makes its real Bot API calls and the playground shows what they did. The client side
is :class:`Playground`: it turns what a pretend user does in the chat window into the updates
Telegram would post to the webhook, signs mini-app init data as Telegram does, and keeps the
chats between the pretend users themselves, where cards shared through inline mode land.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from PIL import Image, UnidentifiedImageError
from pydantic import AnyHttpUrl, SecretStr
from starlette.types import ASGIApp

from bot import telegram_auth
from core.settings import Settings
from emulator import BotIdentity, RecordedCall, ServerState, create_emulator_app
from emulator.client import TelegramClient, TelegramUser, media_kind

JSONDict = dict[str, Any]

TOKEN = "7000000001:PLAYGROUND-emulated-not-a-real-token"
"""The emulated bot's token: it signs init data and derives the webhook secret, like a real one."""
BOT = BotIdentity(id=7_000_000_001, username="confessions_playground_bot", first_name="Confessions")
PATH = "/playground"
TELEGRAM_PATH = f"{PATH}/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ANSWER_TIMEOUT_SECONDS = 10.0
FIRST_USER_ID = 1_000_001
#: Telegram usernames are 5-32 characters; the product refuses an @mention of a shorter one.
FIRST_USERS: tuple[tuple[str, str | None], ...] = (("Alice", "alice_pg"), ("Bob", "bob_pg"))
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")


class PlaygroundError(Exception):
    """Something a pretend user cannot do; `status` is the HTTP status the chat window gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


PretendUser = TelegramUser
"""A pretend user is a Telegram account the playground's client plays."""


@dataclass(frozen=True, slots=True)
class PeerMessage:
    """A message between two pretend users; the bot never sees these chats."""

    id: int
    sender_id: int
    date: int
    text: str
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    via_bot: str | None = None

    def to_dict(self) -> JSONDict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ButtonAnswer:
    """What `answerCallbackQuery` told the client to show: a toast, an alert or a link."""

    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    query_id: str
    results: list[JSONDict]


class Playground:
    """Pretend users and their Telegram, for one `confessions serve` process."""

    def __init__(self, address: str, *, roster: Path | None = None) -> None:
        """`roster` is the file that keeps the pretend users across restarts, as the
        database keeps what they did."""
        self.address = address.rstrip("/")
        self._roster = roster
        self.state = ServerState(bot=BOT)
        self.telegram: ASGIApp = create_emulator_app(self.state, token=TOKEN)
        self.users: dict[int, PretendUser] = {}
        self._peer_chats: dict[tuple[int, int], list[PeerMessage]] = {}
        self._peer_message_ids = itertools.count(1)
        # The inbox drops update ids it has seen: continue past earlier runs on the same data.
        self.client = TelegramClient(
            self.state, update_ids=itertools.count(int(time.time() * 1000))
        )
        self._query_ids = itertools.count(1)
        self._inline_answers: dict[str, InlineAnswer] = {}
        self._webhook: httpx.AsyncClient | None = None
        self._peer_version = 0
        # The newest message each user has seen in each chat (None: the chat with the bot).
        self._read: dict[tuple[int, int | None], int] = {}
        for first_name, username in self._saved_users() or FIRST_USERS:
            self._enrol(first_name, username)

    # --- wiring ------------------------------------------------------------------------------

    def settings_for(self, settings: Settings) -> Settings:
        """The product's settings, pointed at the emulated Telegram with the playground's token."""
        telegram = self.address + TELEGRAM_PATH
        return settings.model_copy(
            update={
                "bot_token": SecretStr(TOKEN),
                "webhook_secret": None,
                "telegram_api_base_url": f"{telegram}/bot",
                "telegram_file_base_url": f"{telegram}/file/bot",
                "public_url": settings.public_url or AnyHttpUrl(self.address),
            }
        )

    def bot_transport(self) -> httpx.AsyncBaseTransport:
        """The bot's way to the emulated Bot API: in process, ready before the server listens."""
        return httpx.ASGITransport(app=self.telegram, root_path=TELEGRAM_PATH)

    def connect(self, app: ASGIApp) -> None:
        """Updates go to the app's webhook in process, as Telegram would post them."""
        self._webhook = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=self.address, timeout=30
        )

    async def close(self) -> None:
        if self._webhook is not None:
            await self._webhook.aclose()

    @property
    def version(self) -> int:
        """Grows with every change anyone could see, so the chat window knows when to look."""
        return self.state.version + self._peer_version

    # --- people ------------------------------------------------------------------------------

    def add_user(self, first_name: str, username: str | None = None) -> PretendUser:
        """A new pretend user, remembered in the roster."""
        user = self._enrol(first_name, username)
        self._save_users()
        return user

    def _enrol(self, first_name: str, username: str | None) -> PretendUser:
        name = first_name.strip()[:64]
        if not name:
            raise PlaygroundError(422, "a pretend user needs a first name")
        handle = (username or "").strip().lstrip("@") or None
        if handle is not None:
            if not USERNAME.fullmatch(handle):
                raise PlaygroundError(
                    422, "a username is 5-32 letters, digits or _, starting with a letter"
                )
            if any(
                u.username and u.username.lower() == handle.lower() for u in self.users.values()
            ):
                raise PlaygroundError(409, f"@{handle} is taken")
        user = PretendUser(max(self.users, default=FIRST_USER_ID - 1) + 1, name, handle)
        self.users[user.id] = user
        self.state.add_user(
            user.id, first_name=user.first_name, username=user.username, language_code="en"
        )
        self._peer_version += 1
        return user

    def _saved_users(self) -> list[tuple[str, str | None]]:
        if self._roster is None or not self._roster.is_file():
            return []
        saved = json.loads(self._roster.read_text())
        # A roster from before usernames were checked as Telegram checks them may hold short
        # ones: those users keep their names and lose the handle Telegram would not have given.
        return [(user["first_name"], _valid_username(user.get("username"))) for user in saved]

    def _save_users(self) -> None:
        if self._roster is None:
            return
        self._roster.parent.mkdir(parents=True, exist_ok=True)
        users = [{"first_name": u.first_name, "username": u.username} for u in self.users.values()]
        self._roster.write_text(json.dumps(users, ensure_ascii=False, indent=1))

    def user(self, user_id: int) -> PretendUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise PlaygroundError(404, "no such pretend user") from None

    def init_data(self, user: PretendUser, *, start_param: str | None = None) -> str:
        """Init data for a mini app this user opens, signed exactly as Telegram signs it."""
        query_id = f"AAPG{next(self._query_ids)}"
        if start_param:
            return telegram_auth.sign(
                user.profile(), bot_token=TOKEN, query_id=query_id, start_param=start_param[:512]
            )
        return telegram_auth.sign(user.profile(), bot_token=TOKEN, query_id=query_id)

    # --- the chat with the bot ---------------------------------------------------------------

    async def send_text(self, user: PretendUser, text: str) -> None:
        text = text.strip()
        if not text:
            raise PlaygroundError(422, "nothing to send")
        await self._deliver(self.client.text(user, text))

    async def start(self, user: PretendUser, parameter: str) -> None:
        """A deep link's Start: the chat shows `/start`, the bot gets the parameter too."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", parameter):
            raise PlaygroundError(422, "a start parameter is 1-64 letters, digits, _ or -")
        await self._deliver(self.client.start(user, parameter))

    async def send_media(
        self, user: PretendUser, data: bytes, *, content_type: str, caption: str | None
    ) -> None:
        """A file from the user's device, as Telegram hands it to the bot."""
        kind = media_kind(content_type)
        width, height = _image_size(data) if kind == "photo" else (None, None)
        update = self.client.media(
            user,
            kind,
            data,
            mime_type=content_type,
            caption=caption,
            width=width,
            height=height,
        )
        await self._deliver(update)

    async def share_user(self, user: PretendUser, request_id: int, shared: PretendUser) -> None:
        """The answer to a `request_users` button: Telegram's user picker."""
        if shared.id == user.id:
            raise PlaygroundError(422, "pick someone else")
        await self._deliver(self.client.shares_user(user, request_id, shared))

    async def press(self, user: PretendUser, message_id: int, data: str) -> ButtonAnswer | None:
        """A tap on a callback button; returns what the bot answered, if it did in time."""
        message = self.state.as_telegram_message(user.id, message_id)
        if message is None or not _has_callback(message, data):
            raise PlaygroundError(404, "that button is not there any more")
        since = len(self.state.calls)
        update = self.client.callback_query(user, message, data, prefix="pgcq")
        await self._deliver(update)
        query_id = update["callback_query"]["id"]
        call = await self._answer("answerCallbackQuery", "callback_query_id", query_id, since=since)
        if call is None:
            return None
        params = call.params
        return ButtonAnswer(params.get("text"), bool(params.get("show_alert")), params.get("url"))

    async def inline_query(self, user: PretendUser, query: str) -> InlineAnswer:
        """`@bot query` typed in a chat, as switch_inline_query_chosen_chat buttons do."""
        since = len(self.state.calls)
        update = self.client.inline_query(user, query, prefix="pgiq")
        await self._deliver(update)
        query_id = update["inline_query"]["id"]
        call = await self._answer("answerInlineQuery", "inline_query_id", query_id, since=since)
        results = call.params.get("results", []) if call is not None else []
        answer = InlineAnswer(query_id, [r for r in results if isinstance(r, dict)])
        self._inline_answers[query_id] = answer
        return answer

    # --- chats between pretend users ---------------------------------------------------------

    def post_inline_result(
        self, user: PretendUser, peer: PretendUser, query_id: str, result_id: str
    ) -> PeerMessage:
        """The chosen inline result lands in the chat with `peer`, sent by the user via the bot."""
        answer = self._inline_answers.get(query_id)
        result = (
            next((r for r in answer.results if r.get("id") == result_id), None) if answer else None
        )
        if result is None:
            raise PlaygroundError(404, "that result is gone; type the query again")
        content = result.get("input_message_content") or {}
        text = content.get("message_text")
        if not isinstance(text, str):
            raise PlaygroundError(422, "the playground posts text results only")
        return self._post_to_peer(
            user,
            peer,
            text,
            parse_mode=content.get("parse_mode"),
            reply_markup=result.get("reply_markup"),
            via_bot=BOT.username,
        )

    def send_to_peer(self, user: PretendUser, peer: PretendUser, text: str) -> PeerMessage:
        if not text.strip():
            raise PlaygroundError(422, "nothing to send")
        return self._post_to_peer(user, peer, text.strip()[:4096])

    def peer_chat(self, user: PretendUser, peer: PretendUser) -> list[PeerMessage]:
        return list(self._peer_chats.get(_pair(user, peer), []))

    def _post_to_peer(
        self, user: PretendUser, peer: PretendUser, text: str, **extra: Any
    ) -> PeerMessage:
        if peer.id == user.id:
            raise PlaygroundError(422, "choose another pretend user's chat")
        message = PeerMessage(
            next(self._peer_message_ids), user.id, int(time.time()), text, **extra
        )
        self._peer_chats.setdefault(_pair(user, peer), []).append(message)
        self._peer_version += 1
        return message

    # --- what the chat window shows ----------------------------------------------------------

    def bot_chat(self, user: PretendUser) -> list[JSONDict]:
        """The chat with the bot as the user sees it: deleted messages are gone."""
        shown = []
        for message in self.state.chat_messages(user.id):
            if message.deleted:
                continue
            item = message.to_dict()
            if message.media is not None:
                stored = self.state.file(str(message.media.get("file_id")))
                item["media_url"] = (
                    f"{PATH}/api/files/{stored.file_id}" if stored and stored.data else None
                )
            shown.append(item)
        return shown

    def reply_keyboard(self, user: PretendUser) -> tuple[JSONDict | None, bool]:
        """The reply keyboard in force and whether it is folded away.

        As in Telegram's client, a one-time keyboard folds once the user has answered, but it
        stays in force (the input field's keyboard button brings it back) until the bot
        removes it or sends another.
        """
        user_spoke_since = False
        for message in reversed(self.state.chat_messages(user.id)):
            if not message.from_bot:
                user_spoke_since = True
                continue
            markup = message.reply_markup or {}
            if markup.get("remove_keyboard"):
                return None, False
            if "keyboard" in markup:
                return markup, bool(markup.get("one_time_keyboard")) and user_spoke_since
        return None, False

    # --- unread counters ---------------------------------------------------------------------

    def mark_read(self, user: PretendUser, peer: PretendUser | None) -> None:
        """The user has the chat open: everything in it so far is read."""
        if peer is None:
            newest = max((m.message_id for m in self.state.chat_messages(user.id)), default=0)
        else:
            newest = max((m.id for m in self.peer_chat(user, peer)), default=0)
        key = (user.id, None if peer is None else peer.id)
        if newest > self._read.get(key, 0):
            self._read[key] = newest
            self._peer_version += 1  # the counters other windows show have changed

    def unread(self, user: PretendUser, peer: PretendUser | None) -> int:
        """Messages to the user in one chat that arrived after they last had it open."""
        seen = self._read.get((user.id, None if peer is None else peer.id), 0)
        if peer is None:
            return sum(
                1
                for m in self.state.chat_messages(user.id)
                if m.from_bot and not m.deleted and m.message_id > seen
            )
        return sum(1 for m in self.peer_chat(user, peer) if m.sender_id == peer.id and m.id > seen)

    def unread_total(self, user: PretendUser) -> int:
        """All the user's unread messages, for the counter beside them in the people list."""
        peers = [u for u in self.users.values() if u.id != user.id]
        return self.unread(user, None) + sum(self.unread(user, peer) for peer in peers)

    def commands(self) -> list[JSONDict]:
        """The bot's command menu in English, as set with setMyCommands."""
        return self.state.commands.get(("default", ""), [])

    # --- the wire ----------------------------------------------------------------------------

    async def _deliver(self, update: JSONDict) -> None:
        """POST the update to the webhook the bot registered, with its secret, as Telegram does."""
        webhook = self.state.webhook
        if webhook is None or self._webhook is None:
            raise PlaygroundError(503, "the bot is still starting; try again in a moment")
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        response = await self._webhook.post(
            urlsplit(webhook.url).path, json=update, headers=headers
        )
        if response.status_code != 200:
            raise PlaygroundError(502, f"the webhook answered {response.status_code}")

    async def _answer(
        self, method: str, key: str, value: str, *, since: int
    ) -> RecordedCall | None:
        """Wait for the bot's answer to a query, as the client's spinner does, then give up."""

        def answered(call: RecordedCall) -> bool:
            return call.method == method and call.params.get(key) == value and call.ok

        deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            found = _first(self.state.calls[since:], answered)
            if found is not None:
                return found
            await asyncio.sleep(0.05)
        return None


def _valid_username(username: str | None) -> str | None:
    return username if username and USERNAME.fullmatch(username) else None


def _pair(user: PretendUser, peer: PretendUser) -> tuple[int, int]:
    low, high = sorted((user.id, peer.id))
    return low, high


def _first(
    calls: list[RecordedCall], wanted: Callable[[RecordedCall], bool]
) -> RecordedCall | None:
    return next((call for call in calls if wanted(call)), None)


def _has_callback(message: JSONDict, data: str) -> bool:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return any(button.get("callback_data") == data for row in rows for button in row)


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return 640, 480
