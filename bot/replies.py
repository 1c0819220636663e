"""Sending what a handler decided to say, after its unit of work has committed."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from telegram import Update
from telegram.error import TelegramError

from bot.calls import say as say  # handlers say things with the turn's tools
from bot.context import (
    Context,
    answer_after_turn,
    answer_held_button,
    current_update,
    deps,
    settle,
)
from core.outbox import ApiCall, send_replies

log = logging.getLogger(__name__)


class StepNudge(Exception):
    """The message does not fit the step; the user is reminded what the step wants."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def send_all(context: Context, calls: list[ApiCall]) -> None:
    """Commit the turn with its replies in the outbox, send them at once (the worker sends
    what Telegram refused meanwhile), then let the worker send the turn's notices: replies
    first."""
    dependencies = deps(context)
    replies = await settle(dependencies, calls)
    await answer_held_button()
    sent = await send_replies(dependencies.database, dependencies.sender, replies)
    work = current_update.get()
    if (work is not None and work.notices_queued) or not sent:
        dependencies.wakers.outbox()


answered_button: ContextVar[str | None] = ContextVar("answered_button", default=None)
"""The press answered last: Telegram takes one answer per press, so a later error says so
in the chat instead."""


async def answer_button(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner; Telegram shows it until the press is answered.

    A press answered too late (Telegram waits some seconds) is refused, and with Telegram
    away it is not answered at all; the replies that follow matter more than the spinner,
    so that is only logged. After a turn it waits until the turn is committed."""
    query = update.callback_query
    if query is None:
        return
    answered_button.set(query.id)

    async def answer() -> None:
        try:
            await query.answer(text, show_alert=alert)
        except TelegramError as error:  # the spinner stops by itself; the replies matter
            log.info("button press %s not answered: %s", query.id, error.message)

    if not await answer_after_turn(answer):
        await answer()
