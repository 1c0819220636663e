"""uvicorn's httptools protocol with a cap on the size of a request's head.

uvicorn caps the head only in its h11 protocol; with httptools a client may send megabytes of
headers, all buffered and handed to the app (four clients sending 1 MB headers took
/healthz's median from 3 ms to 0.8 s). h11 is pure Python: a /healthz on a kept-alive
connection cost 0.39 ms of CPU with it against 0.22 with httptools
(`scripts/bench/hostile_headers.py`), so the faster parser is kept and the cap added to it.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# The request line and headers together. Init data, the largest header the product reads,
# is capped at 8 KiB; the rest leaves room for what proxies add.
MAX_REQUEST_HEAD_BYTES = 32 * 1024
REFUSAL = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 30\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Request headers are too large."
)


class CappedHeadHttpTools(HttpToolsProtocol):
    """Counts what arrives while a request's head is incomplete, and answers 431 and closes
    the connection once that passes the cap, before the rest is read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0

    def data_received(self, data: bytes) -> None:
        # Counted before parsing; a head completed in this chunk stops the count, and a
        # message completed in it starts the next count at zero, so only head bytes add up.
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_REQUEST_HEAD_BYTES:
            self._refuse()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0

    def _refuse(self) -> None:
        self._in_head = False
        if not self.transport.is_closing():
            self.transport.write(REFUSAL)
            self.transport.close()
