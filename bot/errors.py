"""The bot's one error handler: a kind word to the user, a log line for the operator."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar

from telegram import Update

from bot.context import Context
from bot.handler import keyboard_gone
from bot.i18n import t
from bot.replies import StepNudge, answered_button, say, send_all
from core.errors import DomainError, WrongState

log = logging.getLogger(__name__)

handling_failed: ContextVar[bool] = ContextVar("handling_failed", default=False)
"""Set when the update being handled ended in an error, for its log line and metrics."""


async def on_error(update: object, context: Context) -> None:
    """Map what went wrong to a message in the user's language; never leave silence.

    A press whose moment has passed (`WrongState`: sent, opened, a step already done) is
    answered "that can't be done any more", and its message's keyboard is edited away."""
    error = context.error
    handling_failed.set(True)
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
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
        if isinstance(error, WrongState):  # its moment has passed: the buttons go
            await send_all(context, keyboard_gone(update))
    elif update.effective_chat is not None:  # through the outbox, as any answer
        await send_all(context, [say(update.effective_chat.id, text)])


def _plain(text: str) -> str:
    """Alerts show no formatting and at most 200 characters."""
    return re.sub(r"<[^>]+>", "", text)[:200]
