"""The outbox's Sender on Telegram: a Bot API call out, an outcome back.

The one place that reads Telegram's refusals: 429 with `retry_after`, 403 (blocked, or the
account is gone), 400 "message is not modified", the server's and the network's trouble.
"""

from __future__ import annotations

from bot.bot_api import BotApi, BotApiError
from core.outbox import ApiCall, Failed, Outcome, RetryAfter, Sent, Unchanged, Unreachable

NOT_MODIFIED = "message is not modified"


class BotApiSender:
    """Sends through our Bot API client; never raises for what Telegram answers."""

    def __init__(self, api: BotApi) -> None:
        self._api = api

    async def send(self, call: ApiCall) -> Outcome:
        try:
            result = await self._api.call(call.method, call.params)
        except BotApiError as error:
            return outcome_of(error)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Sent(message_id if isinstance(message_id, int) else None)


def outcome_of(error: BotApiError) -> Outcome:
    """What a refusal means, whatever the call was."""
    if error.status == 429:
        return RetryAfter(error.retry_after or 1.0, error.description)
    if error.status == 403:
        return Unreachable(error.description)
    if error.is_transient:
        return Failed(error.description, transient=True)
    if NOT_MODIFIED in error.description:
        return Unchanged()
    return Failed(error.description)
