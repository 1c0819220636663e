"""The one client to Telegram's Bot API: every call the product makes goes through it.

Our own calls (replies, notices, file downloads) want Telegram's raw answers: the status,
`retry_after` and description of every failure, which the Sender maps to outcomes.
python-telegram-bot's calls (answering buttons and inline queries, the data export, the
command menu, the webhook's address, polling) go through the same HTTP client, by
`BotApiRequest`: one connection pool, one set of timeouts, one metric.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import certifi
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from core import metrics
from core.media import ChatFileUnavailable, Download
from core.settings import Settings


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

    @property
    def timeout(self) -> httpx.Timeout:
        return self._client.timeout

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        try:
            result = await self._call(method, params)
        except BotApiError as error:
            count(method, error.status)
            raise
        count(method, 200)
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

    async def forward(
        self,
        url: str,
        *,
        method: str,
        timeouts: httpx.Timeout,
        data: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> tuple[int, bytes]:
        """A request python-telegram-bot built, sent on our client; it reads the answer."""
        try:
            response = await self._client.request(
                method, url, data=data, files=files, timeout=timeouts
            )
        except httpx.HTTPError:
            count(url.rsplit("/", 1)[-1], 0)
            raise
        count(url.rsplit("/", 1)[-1], response.status_code)
        return response.status_code, response.content


def count(method: str, status: int) -> None:
    metrics.BOT_API_CALLS.labels(method, metrics.bot_api_result(status)).inc()


class BotApiRequest(BaseRequest):
    """python-telegram-bot's HTTP layer served by our `BotApi`, so the library's calls and
    ours share one client. The client belongs to whoever made the `BotApi`: shutting the
    library down leaves it open."""

    def __init__(self, api: BotApi) -> None:
        self._api = api

    @property
    def read_timeout(self) -> float | None:
        return self._api.timeout.read

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | Any | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        default = self._api.timeout

        def chosen(given: Any, fallback: float | None) -> float | None:
            return fallback if given is BaseRequest.DEFAULT_NONE else given

        timeouts = httpx.Timeout(
            connect=chosen(connect_timeout, default.connect),
            read=chosen(read_timeout, default.read),
            write=chosen(write_timeout, default.write),
            pool=chosen(pool_timeout, default.pool),
        )
        try:
            return await self._api.forward(
                url,
                method=method,
                timeouts=timeouts,
                data=request_data.json_parameters if request_data else None,
                files=request_data.multipart_data if request_data else None,
            )
        except httpx.TimeoutException as error:
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{type(error).__name__}: {error}") from error


@functools.cache
def tls() -> ssl.SSLContext:
    """The TLS settings of every client to Telegram, made once: each new httpx client would
    otherwise load the CA bundle again, some 18 ms of CPU, for a file download or a share."""
    return ssl.create_default_context(cafile=certifi.where())


def file_downloader(
    base_url: str, file_base_url: str, token: str
) -> Callable[[str], Awaitable[bytes]]:
    """getFile, then the download: how a file sent in the chat reaches our storage."""

    async def download(file_id: str) -> bytes:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), verify=tls()) as client:
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


def chat_files(settings: Settings) -> Download | None:
    """How the mini app fetches media sent in the chat: Telegram's file API, built once per
    app; None without a bot token, when there is no chat to fetch from."""
    if settings.token is None:
        return None
    download = file_downloader(
        settings.telegram_api_base_url, settings.file_base_url, settings.token
    )

    async def fetch(file_id: str) -> bytes:
        try:
            return await download(file_id)
        except BotApiError as error:
            raise ChatFileUnavailable() from error

    return fetch
