"""A small Bot API client for the outbox worker, which needs Telegram's raw answers.

python-telegram-bot serves the conversation; the worker wants the status, `retry_after`
and description of every failure to decide between waiting, retrying and giving up.
"""

from __future__ import annotations

from typing import Any

import httpx


class BotApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @property
    def is_transient(self) -> bool:
        """Worth trying again later: flood control, Telegram's own trouble, the network."""
        return self.status == 429 or self.status >= 500 or self.status == 0


class BotApi:
    def __init__(self, base_url: str, token: str, *, client: httpx.AsyncClient) -> None:
        self._endpoint = f"{base_url}{token}/"
        self._client = client

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        try:
            response = await self._client.post(self._endpoint + method, json=params)
        except httpx.HTTPError as error:
            raise BotApiError(0, f"network: {type(error).__name__}") from error
        try:
            body = response.json()
        except ValueError:
            raise BotApiError(response.status_code, "not a JSON answer") from None
        if response.is_success and body.get("ok"):
            return body.get("result")
        retry_after = (body.get("parameters") or {}).get("retry_after")
        raise BotApiError(
            int(body.get("error_code") or response.status_code),
            str(body.get("description") or response.reason_phrase),
            float(retry_after) if retry_after is not None else None,
        )
