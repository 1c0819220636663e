"""Sending what a handler decided to say, after its unit of work has committed."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from telegram import Update

from bot.context import Context, deps
from core.outbox import ApiCall


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
    dependencies.wake_outbox()


answered_button: ContextVar[str | None] = ContextVar("answered_button", default=None)
"""The press answered last: Telegram takes one answer per press, so a later error says so
in the chat instead."""


async def answer_button(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner; Telegram shows it until the press is answered."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=alert)
        answered_button.set(update.callback_query.id)
