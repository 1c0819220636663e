"""Keep-alive HTTP/1.1 connections to one origin, on asyncio's transports and h11: the
Bot API's JSON calls, which are most of what the bot does on the network.

One call at a time against the Bot API emulator in another process, a call through httpx
(its client, httpcore's pool, anyio's streams) cost this process about 650 µs of CPU, and
the same exchange here about 190; a turn makes one or two. It does only what those calls
need: POST a body and read the whole answer, over TLS or not, on connections kept open
between calls, at most `limit` at once, within one timeout per call. Everything else
(uploads, long polling, a proxy, the playground's emulated network) stays on httpx.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import cast
from urllib.parse import urlsplit

import h11


class Http1Error(Exception):
    """The exchange failed on the network or broke HTTP; the server may or may not have
    acted on the request."""


class Http1Timeout(Http1Error):
    """No whole answer within the timeout."""


class _Connection(asyncio.Protocol):
    """One connection, fed straight into h11 as data arrives. Between calls it must stay
    silent: anything it says then (an early 408, the server's hang-up) retires it, so a
    request is never written where it would be read as the answer to another, or never
    read at all."""

    def __init__(self) -> None:
        self.protocol = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        self.usable = True
        self._arrived: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self._received(data)

    def eof_received(self) -> bool:
        self._received(b"")
        return False

    def connection_lost(self, error: Exception | None) -> None:
        self.usable = False
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_exception(error or EOFError("the connection was closed"))

    def _received(self, data: bytes) -> None:
        if self._arrived is None:
            self.usable = False
            return
        self.protocol.receive_data(data)
        if not self._arrived.done():
            self._arrived.set_result(None)

    async def exchange(self, request: h11.Request, body: bytes) -> tuple[int, bytes]:
        """Send the request, then read events until the answer is whole. Bodies are small
        (a call's JSON), so writes are not paced."""
        assert self.transport is not None
        protocol = self.protocol
        self.transport.write(
            protocol.send(request)
            + protocol.send(h11.Data(data=body))
            + protocol.send(h11.EndOfMessage())
        )
        status, parts = 0, []
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                self._arrived = asyncio.get_running_loop().create_future()
                await self._arrived
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self._arrived = None
                return status, b"".join(parts)
            elif isinstance(event, h11.ConnectionClosed):
                raise EOFError("the server closed the connection before it answered")

    def ready_for_another(self) -> bool:
        """Both sides done with this exchange and neither closing: the next call may use it."""
        protocol = self.protocol
        if not self.usable or protocol.our_state is not h11.DONE:
            return False
        if protocol.their_state is not h11.DONE or any(protocol.trailing_data):
            return False
        protocol.start_next_cycle()
        return True

    def close(self) -> None:
        self.usable = False
        if self.transport is not None:
            self.transport.close()


class Http1Pool:
    """Connections to the origin of `base_url`, each used by one call at a time and kept
    for the next while the server keeps it open."""

    def __init__(
        self, base_url: str, *, limit: int, timeout: float, tls: ssl.SSLContext | None
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

    async def post(
        self, target: str, body: bytes, *, content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        """The status and the body of the answer to a POST of `body` to `target` (a path on
        the origin); Http1Error when it could not be had within the timeout."""
        try:
            async with asyncio.timeout(self._timeout), self._room:
                connection = await self._checkout()
                reusable = False
                try:
                    answer = await connection.exchange(
                        self._request(target, len(body), content_type), body
                    )
                    reusable = connection.ready_for_another()
                    return answer
                finally:
                    if reusable:
                        self._idle.append(connection)
                    else:
                        connection.close()
        except TimeoutError as error:
            raise Http1Timeout(f"no answer within {self._timeout:g} s") from error
        except (OSError, EOFError, h11.ProtocolError) as error:
            raise Http1Error(f"{type(error).__name__}: {error}") from error

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _request(self, target: str, length: int, content_type: str) -> h11.Request:
        return h11.Request(
            method="POST",
            target=target,
            headers=[
                ("Host", self._authority),
                ("Content-Type", content_type),
                ("Content-Length", str(length)),
            ],
        )

    async def _checkout(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable:
                return connection
            connection.close()
        _, connection = await asyncio.get_running_loop().create_connection(
            _Connection,
            self._host,
            self._port,
            ssl=self._tls,
            server_hostname=self._host if self._tls else None,
        )
        return connection
