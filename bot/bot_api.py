"""The one client to Telegram's Bot API: every call the product makes goes through it.

Our own calls (replies, notices, file downloads) want Telegram's raw answers: the status,
`retry_after` and description of every failure, which the Sender maps to outcomes.
python-telegram-bot's calls (answering buttons and inline queries, the data export, the
command menu, the webhook's address, polling) go through `BotApiRequest`: one set of
timeouts, one metric. Where nothing stands between the process and Telegram, the JSON
calls of both go on connections of their own (`bot.http1`): through httpx they cost about
a quarter of the CPU of handling an update. The rest, and everything when a proxy or an
emulated network is in the way, goes through one httpx client.
"""

from __future__ import annotations

import functools
import json
import ssl
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.http1 import Http1Error, Http1Pool, Http1Timeout
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


TIMEOUT_SECONDS = 15.0
"""Of each call to Telegram: connecting, waiting for a free connection, and the answer."""
MOST_CONNECTIONS = 256
"""To Telegram at once, on each way out: as python-telegram-bot's own pool was."""
JSON_BODY = {"Content-Type": "application/json"}
FORM = "application/x-www-form-urlencoded"


class BotApi:
    """`calls`, when given, carries our JSON calls; `client` carries python-telegram-bot's
    requests, and ours too without `calls`."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        client: httpx.AsyncClient,
        calls: Http1Pool | None = None,
    ) -> None:
        self._endpoint = f"{base_url}{token}/"
        self._path = urlsplit(self._endpoint).path
        self._client = client
        self._calls = calls

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
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        status, content = await self._post(method, body)
        try:
            answer = json.loads(content)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise BotApiError(status, "not a JSON answer")
        if 200 <= status < 300 and answer.get("ok"):
            return answer.get("result")
        retry_after = (answer.get("parameters") or {}).get("retry_after")
        raise BotApiError(
            int(answer.get("error_code") or status),
            str(answer.get("description") or _phrase(status)),
            float(retry_after) if retry_after is not None else None,
        )

    async def _post(self, method: str, body: bytes) -> tuple[int, bytes]:
        if self._calls is not None:
            try:
                return await self._calls.post(self._path + method, body)
            except Http1Error as error:
                raise BotApiError(0, f"network: {error}") from error
        try:
            response = await self._client.post(
                self._endpoint + method, content=body, headers=JSON_BODY
            )
        except httpx.HTTPError as error:
            raise BotApiError(0, f"network: {type(error).__name__}") from error
        return response.status_code, response.content

    async def relay(self, url: str, fields: dict[str, str]) -> tuple[int, bytes] | None:
        """A request python-telegram-bot built, as the form httpx would send, on our own
        connections; None when they do not carry it, and it goes on `forward`."""
        if self._calls is None or not url.startswith(self._endpoint):
            return None
        method = url.removeprefix(self._endpoint)
        try:
            answer = await self._calls.post(
                self._path + method, urlencode(fields).encode(), content_type=FORM
            )
        except Http1Error:
            count(method, 0)
            raise
        count(method, answer[0])
        return answer

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


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


@asynccontextmanager
async def connected(
    base_url: str, token: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[BotApi]:
    """The process's one client to Telegram, open until the block ends. `transport` stands
    in for the network (the playground's emulated one); our calls then travel on httpx, as
    they do when the environment names a proxy for Telegram, which httpx honours."""
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(TIMEOUT_SECONDS),
        limits=httpx.Limits(max_connections=MOST_CONNECTIONS, max_keepalive_connections=64),
        transport=transport,
        verify=tls(),
    ) as client:
        if transport is not None or _proxied(base_url):
            yield BotApi(base_url, token, client=client)
            return
        calls = Http1Pool(
            base_url,
            limit=MOST_CONNECTIONS,
            timeout=TIMEOUT_SECONDS,
            tls=tls(),
        )
        try:
            yield BotApi(base_url, token, client=client, calls=calls)
        finally:
            await calls.aclose()


def _proxied(base_url: str) -> bool:
    """A proxy in the environment (HTTPS_PROXY, ALL_PROXY…) that httpx would use for it."""
    address = urlsplit(base_url)
    proxies = urllib.request.getproxies_environment()
    if address.scheme not in proxies and "all" not in proxies:
        return False
    return not urllib.request.proxy_bypass(address.hostname or "")


def count(method: str, status: int) -> None:
    metrics.bot_api_calls_counted(method, metrics.bot_api_result(status)).inc()


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
        if (
            method == "POST"
            and request_data is not None
            and not request_data.contains_files
            and all(
                given is BaseRequest.DEFAULT_NONE
                for given in (read_timeout, write_timeout, connect_timeout, pool_timeout)
            )
        ):
            try:
                relayed = await self._api.relay(url, request_data.json_parameters)
            except Http1Timeout as error:
                raise TimedOut from error
            except Http1Error as error:
                raise NetworkError(f"{error}") from error
            if relayed is not None:
                return relayed
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
