"""The frame every conversation handler shares: a turn, the button answered, the replies sent.

A handler written with `@handler` only decides: it gets the update, the context and its
turn, and returns the replies (or an `Answer` with a toast for the button). Opening and
committing the turn, answering the press and sending what was decided happen here, once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.context import Context, Turn, turn
from bot.i18n import t
from bot.replies import StepNudge, answer_button, answered_button, say, send_all
from core import users
from core.errors import DomainError, WrongState
from core.outbox import ApiCall

log = logging.getLogger("bot.errors")  # the name it has always logged failures under

handling_failed: ContextVar[bool] = ContextVar("handling_failed", default=False)
"""Set when the update being handled ended in an error (a refusal included), for its log
line and metrics."""


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

    When `body` raises, the turn is rolled back and the user is told why (`answer_failure`).
    A refusal (a nudge to the step, a domain rule) is answered here; anything else goes on to
    python-telegram-bot's error handler (`bot.errors`). A refusal is an ordinary answer, one
    update in six in `make bench`'s mix, and that library's error path cost a tenth of the
    CPU of handling an update."""

    @functools.wraps(body)
    async def handle(update: Update, context: Context) -> None:
        try:
            async with turn(update, context) as current:
                decided = await body(update, context, current)
        except (StepNudge, DomainError) as refused:
            handling_failed.set(True)
            await answer_failure(update, context, refused)
            return
        answer = decided if isinstance(decided, Answer) else Answer(decided)
        await answer_button(update, answer.toast)
        await send_all(context, list(answer.replies))

    return handle


async def answer_failure(update: Update, context: Context, error: BaseException | None) -> None:
    """Say what went wrong in the user's language; never leave silence. A press is answered
    with an alert, and one whose moment has passed (`WrongState`: sent, opened, a step
    already done) loses its message's keyboard; anything else is said in the chat, through
    the outbox as any answer."""
    language = update.effective_user.language_code if update.effective_user else None
    if isinstance(error, StepNudge):
        text = t(language, error.key)
    elif isinstance(error, DomainError):
        text = t(language, f"error.{error.code}", **error.details)
    else:
        log.error("handling update %s failed", update.update_id, exc_info=error)
        text = t(language, "error.unexpected")
    query = update.callback_query
    if query is not None and answered_button.get() != query.id:
        await query.answer(_plain(text), show_alert=True)
        if isinstance(error, WrongState):
            await send_all(context, keyboard_gone(update))
    elif update.effective_chat is not None:
        await send_all(context, [say(update.effective_chat.id, text)])


def _plain(text: str) -> str:
    """Alerts show no formatting and at most 200 characters."""
    return re.sub(r"<[^>]+>", "", text)[:200]


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


async def prompt_gone(update: Update, current: Turn) -> list[ApiCall]:
    """The chat's step prompt, its buttons edited away now that its step is done another way
    (a photo sent instead of pressing Skip, a new draft begun), and forgotten. When the press
    was on that very prompt, `keyboard_gone` does it already.

    Handlers put it last: should the prompt be gone (deleted by the user), the refused edit
    holds back nothing after it."""
    message_id = await users.take_step_prompt(current.session, current.user)
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
