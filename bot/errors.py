"""The bot's one error handler, for what the handlers do not answer themselves: a kind word
to the user (`bot.handler.answer_failure`), a log line for the operator."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import Context
from bot.handler import answer_failure, handling_failed

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Map what went wrong to a message in the user's language; never leave silence."""
    handling_failed.set(True)
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=context.error)
        return
    await answer_failure(update, context, context.error)
