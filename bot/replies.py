"""Sending what a handler decided to say, after its unit of work has committed."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.error import BadRequest

from bot.context import Context, deps, queued_notices
from core.outbox import ApiCall

log = logging.getLogger(__name__)


class StepNudge(Exception):
    """The message does not fit the step; the user is reminded what the step wants."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def say(chat_id: int, text: str, markup: Any | None = None) -> ApiCall:
    """A sendMessage in HTML; `markup` is any of python-telegram-bot's reply markups."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return ApiCall("sendMessage", params)


async def send_all(context: Context, calls: list[ApiCall]) -> None:
    """Send the replies, then let the worker send any notice the turn queued: replies first."""
    dependencies = deps(context)
    for call in calls:
        await dependencies.api.call(call.method, call.params)
    if queued_notices.get():
        dependencies.wake_outbox()


answered_button: ContextVar[str | None] = ContextVar("answered_button", default=None)
"""The press answered last: Telegram takes one answer per press, so a later error says so
in the chat instead."""


async def answer_button(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner; Telegram shows it until the press is answered.

    A press answered too late (Telegram waits some seconds) is refused; the replies that
    follow matter more than the spinner, so that refusal is only logged."""
    query = update.callback_query
    if query is None:
        return
    answered_button.set(query.id)
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        log.info("button press %s not answered: %s", query.id, error.message)
