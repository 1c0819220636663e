"""Keep-alive HTTP/1.1 connections to one origin, on asyncio's transports and httptools'
parser: the Bot API's JSON calls, which are most of what the bot does on the network.

One call at a time against the Bot API emulator in another process, a call through httpx
(its client, httpcore's pool, anyio's streams) cost this process about 650 µs of CPU, and
the same exchange here about 190 with h11 as its parser; with httptools (C, and already
uvicorn's) about 40 µs less again, a few per cent of handling an update. It does only
what those calls need: POST a body and read the whole answer, over TLS or not, on
connections kept open between calls, at most `limit` at once, within one timeout per call.
Everything else (uploads, long polling, a proxy, the playground's emulated network) stays
on httpx.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import cast
from urllib.parse import urlsplit

import httptools

MOST_ANSWER_BYTES = 16 * 1024 * 1024
"""An answer larger than this (its head included) is refused as it arrives, not read whole:
the Bot API's JSON answers are a few kilobytes, and a server sending without end must not
fill the process's memory."""


class Http1Error(Exception):
    """The exchange failed on the network or broke HTTP; the server may or may not have
    acted on the request."""


class Http1Timeout(Http1Error):
    """No whole answer within the timeout."""


class _Connection(asyncio.Protocol):
    """One connection, fed straight into the parser as data arrives. Between calls it must
    stay silent: anything it says then (an early 408, the server's hang-up) retires it, and
    so does a second answer to one call, so a request is never written where it would be
    read as the answer to another, or never read at all."""

    def __init__(self, most_answer_bytes: int = MOST_ANSWER_BYTES) -> None:
        self.transport: asyncio.Transport | None = None
        self._most = most_answer_bytes
        self.usable = True
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self._parts: list[bytes] = []
        self._received = 0
        self._answers_begun = 0
        self._keep_alive = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None or answer.done():
            self.usable = False
            return
        self._received += len(data)
        if self._received > self._most:
            self.close()
            answer.set_exception(AnswerTooLarge(f"an answer of more than {self._most} bytes"))
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self.usable = False
            answer.set_exception(error)

    def eof_received(self) -> bool:
        self.usable = False
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(
                EOFError("the server closed the connection before it answered")
            )
        return False

    def connection_lost(self, error: Exception | None) -> None:
        self.usable = False
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error or EOFError("the connection was closed"))

    # the parser's callbacks
    def on_message_begin(self) -> None:
        self._answers_begun += 1
        if self._answers_begun > 1:
            self.usable = False  # more than one answer to one call

    def on_body(self, body: bytes) -> None:
        self._parts.append(body)

    def on_message_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self._answers_begun -= 1
            self._parts = []
            return
        self._keep_alive = self._parser.should_keep_alive()  # read before the parser resets
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((status, b"".join(self._parts)))

    async def exchange(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        """Send the request, then wait until the answer is whole. Bodies are small (a call's
        JSON), so writes are not paced."""
        assert self.transport is not None
        self._parts, self._received, self._answers_begun, self._keep_alive = [], 0, 0, False
        self._answer = asyncio.get_running_loop().create_future()
        self.transport.write(head + body)
        try:
            return await self._answer
        finally:
            self._answer = None

    def ready_for_another(self) -> bool:
        """The answer was the only one, and neither side is closing: the next call may use
        the connection."""
        return self.usable and self._answers_begun == 1 and self._keep_alive

    def close(self) -> None:
        self.usable = False
        if self.transport is not None:
            self.transport.close()


class AnswerTooLarge(Exception):
    """See `MOST_ANSWER_BYTES`."""


class Http1Pool:
    """Connections to the origin of `base_url`, each used by one call at a time and kept
    for the next while the server keeps it open."""

    def __init__(
        self,
        base_url: str,
        *,
        limit: int,
        timeout: float,
        tls: ssl.SSLContext | None,
        most_answer_bytes: int = MOST_ANSWER_BYTES,
    ) -> None:
        address = urlsplit(base_url)
        if address.scheme not in ("http", "https") or not address.hostname:
            raise ValueError(f"not an http(s) address: {base_url!r}")
        self._host = address.hostname
        self._port = address.port or (443 if address.scheme == "https" else 80)
        self._authority = address.netloc.rpartition("@")[2]
        self._tls = tls if address.scheme == "https" else None
        self._timeout = timeout
        self._room = asyncio.Semaphore(limit)
        self._idle: list[_Connection] = []
        self._most_answer_bytes = most_answer_bytes

    async def post(
        self, target: str, body: bytes, *, content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        """The status and the body of the answer to a POST of `body` to `target` (a path on
        the origin); Http1Error when it could not be had within the timeout."""
        head = self._head(target, len(body), content_type)
        try:
            async with asyncio.timeout(self._timeout), self._room:
                connection = await self._checkout()
                reusable = False
                try:
                    answer = await connection.exchange(head, body)
                    reusable = connection.ready_for_another()
                    return answer
                finally:
                    if reusable:
                        self._idle.append(connection)
                    else:
                        connection.close()
        except TimeoutError as error:
            raise Http1Timeout(f"no answer within {self._timeout:g} s") from error
        except (OSError, EOFError, httptools.HttpParserError, AnswerTooLarge) as error:
            raise Http1Error(f"{type(error).__name__}: {error}") from error

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _head(self, target: str, length: int, content_type: str) -> bytes:
        """The request line and headers, which nothing of the caller's may split."""
        if not target.startswith("/") or any(c in target for c in " \r\n\t"):
            raise ValueError(f"not a request target: {target!r}")
        if any(c in content_type for c in "\r\n"):
            raise ValueError(f"not a content type: {content_type!r}")
        return (
            f"POST {target} HTTP/1.1\r\nHost: {self._authority}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
        ).encode("ascii")

    async def _checkout(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable:
                return connection
            connection.close()
        _, connection = await asyncio.get_running_loop().create_connection(
            lambda: _Connection(self._most_answer_bytes),
            self._host,
            self._port,
            ssl=self._tls,
            server_hostname=self._host if self._tls else None,
        )
        return connection
