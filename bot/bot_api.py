"""A small Bot API client for the outbox worker, which needs Telegram's raw answers.

python-telegram-bot serves the conversation; the worker wants the status, `retry_after`
and description of every failure to decide between waiting, retrying and giving up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from core import metrics


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
            result = await self._call(method, params)
        except BotApiError as error:
            metrics.BOT_API_CALLS.labels(method, metrics.bot_api_result(error.status)).inc()
            raise
        metrics.BOT_API_CALLS.labels(method, "ok").inc()
        return result

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
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


def file_downloader(
    base_url: str, file_base_url: str, token: str
) -> Callable[[str], Awaitable[bytes]]:
    """getFile, then the download: how a file sent in the chat reaches our storage."""

    async def download(file_id: str) -> bytes:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
            file = await BotApi(base_url, token, client=client).call(
                "getFile", {"file_id": file_id}
            )
            try:
                response = await client.get(f"{file_base_url}{token}/{file['file_path']}")
                response.raise_for_status()
            except httpx.HTTPError as error:
                raise BotApiError(0, f"download: {type(error).__name__}") from error
            return response.content

    return download
