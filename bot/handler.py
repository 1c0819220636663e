"""The frame every conversation handler shares: a turn, the button answered, the replies sent.

A handler written with `@handler` only decides: it gets the update, the context and its
turn, and returns the replies (or an `Answer` with a toast for the button). Opening and
committing the turn, answering the press and sending what was decided happen here, once.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.context import Context, Turn, turn
from bot.replies import answer_button, send_all
from core import users
from core.outbox import ApiCall


@dataclass(frozen=True, slots=True)
class Answer:
    """What a handler decided: replies to send, and the toast that answers the button."""

    replies: Sequence[ApiCall] = field(default_factory=list)
    toast: str | None = None


Body = Callable[[Update, Context, Turn], Awaitable[Answer | Sequence[ApiCall]]]
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
"""What python-telegram-bot registers: a coroutine function."""


def handler(body: Body) -> Handler:
    """Run `body` in a turn, answer the button, send its replies after the commit.

    When `body` raises, the turn is rolled back and the error handler answers (a press whose
    moment has passed loses its keyboard there, see `bot.errors`)."""

    @functools.wraps(body)
    async def handle(update: Update, context: Context) -> None:
        async with turn(update, context) as current:
            decided = await body(update, context, current)
        answer = decided if isinstance(decided, Answer) else Answer(decided)
        await answer_button(update, answer.toast)
        await send_all(context, list(answer.replies))

    return handle


def _pressed(update: Update) -> tuple[int, int, dict[str, Any] | None, str] | None:
    """The chat, the message and its keyboard under the button pressed, and its data."""
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or message is None or message.chat.id != query.from_user.id:
        return None  # only ever the presser's own private chat
    markup = getattr(message, "reply_markup", None)
    return (
        message.chat.id,
        message.message_id,
        markup.to_dict() if markup else None,
        query.data or "",
    )


def keyboard_gone(update: Update) -> list[ApiCall]:
    """The pressed message's buttons, edited away: its step is done, or its moment passed
    (then all of them: the keyboard a press carries may be an old or forged one, and must not
    be put back)."""
    pressed = _pressed(update)
    if pressed is None:
        return []
    chat_id, message_id, _, _ = pressed
    return [ApiCall("editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id})]


def button_gone(update: Update) -> list[ApiCall]:
    """The pressed button, edited away from its message; the others stay, as they still
    can be pressed (with none left the keyboard goes)."""
    pressed = _pressed(update)
    if pressed is None:
        return []
    chat_id, message_id, markup, data = pressed
    rows = [
        kept
        for row in (markup or {}).get("inline_keyboard", [])
        if (kept := [button for button in row if button.get("callback_data") != data])
    ]
    return [keyboard(chat_id, message_id, rows)]


def step_prompt(calls: list[ApiCall]) -> list[ApiCall]:
    """The calls of a step's prompt, the one carrying its buttons (the last, as a card puts
    them) marked as the chat's current step prompt: its message id is kept once it is sent,
    for `prompt_gone`."""
    if not calls:
        return calls
    return [*calls[:-1], dataclasses.replace(calls[-1], step_prompt=True)]


def prompt_gone(update: Update, current: Turn) -> list[ApiCall]:
    """The chat's step prompt, its buttons edited away now that its step is done another way
    (a photo sent instead of pressing Skip, a new draft begun), and forgotten. When the press
    was on that very prompt, `keyboard_gone` does it already.

    Handlers put it last: should the prompt be gone (deleted by the user), the refused edit
    holds back nothing after it."""
    message_id = users.take_step_prompt(current.user)
    pressed = _pressed(update)
    if message_id is None or (pressed is not None and pressed[1] == message_id):
        return []
    return [keyboard(current.user.id, message_id, [])]


def keyboard_now(update: Update, markup: InlineKeyboardMarkup) -> list[ApiCall]:
    """The pressed message's keyboard replaced by what can be done now."""
    pressed = _pressed(update)
    if pressed is None:
        return []
    chat_id, message_id, _, _ = pressed
    return [keyboard(chat_id, message_id, markup.to_dict()["inline_keyboard"])]


def keyboard(chat_id: int, message_id: int, rows: list[list[dict[str, Any]]]) -> ApiCall:
    """A message's keyboard replaced by `rows`, or taken away when there are none."""
    params: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
    if rows:
        params["reply_markup"] = {"inline_keyboard": rows}
    return ApiCall("editMessageReplyMarkup", params)
