"""The Bot API's own connections (`bot.http1`), against servers on loopback that misbehave
as real ones do: hanging up while idle, answering late, talking out of turn."""

from __future__ import annotations

import asyncio
import datetime
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.bot_api import BotApi, BotApiError, BotApiRequest, connected
from bot.http1 import Http1Error, Http1Pool

Answer = Callable[[int, bytes, asyncio.StreamWriter], Awaitable[None]]
"""What the server does with the n-th request (from 0) of the test, given its body."""


def answer_bytes(body: bytes, *, extra_headers: str = "") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra_headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def ok(result: object) -> bytes:
    return answer_bytes(json.dumps({"ok": True, "result": result}).encode())


class Server:
    """Reads requests one after another on each connection and lets `answer` reply."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.requests: list[bytes] = []
        self.targets: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode().split("\r\n")
                self.targets.append(lines[0].split()[1])
                length = next(
                    int(line.split(":", 1)[1])
                    for line in lines
                    if line.lower().startswith("content-length")
                )
                body = await reader.readexactly(length)
                self.requests.append(body)
                await self.answer(len(self.requests) - 1, body, writer)
                if writer.is_closing():
                    return
        finally:
            self.open_now -= 1
            writer.close()


Serve = Callable[..., Awaitable[tuple[Server, str]]]
"""Starts a `Server` answering with the given `Answer` (over TLS with `tls=`); its URL."""


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer, *, tls: ssl.SSLContext | None = None) -> tuple[Server, str]:
        server = Server(answer)
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
        servers.append(listening)
        port = listening.sockets[0].getsockname()[1]
        scheme = "https" if tls else "http"
        host = "localhost" if tls else "127.0.0.1"
        return server, f"{scheme}://{host}:{port}/bot"

    yield start
    for listening in servers:
        listening.close()


async def echo(_n: int, body: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(ok(json.loads(body)))


ANSWERED_BY_HTTPX = httpx.MockTransport(
    lambda _request: httpx.Response(200, json={"ok": True, "result": True})
)
"""The httpx side of a `BotApi`, answering every call: a request that went there instead of
on our connections would succeed."""


@asynccontextmanager
async def library_on(calls: Http1Pool, url: str) -> AsyncIterator[Bot]:
    """python-telegram-bot's Bot on a `BotApi` whose JSON calls go to `calls`, its httpx side
    answering everything (`ANSWERED_BY_HTTPX`)."""
    async with httpx.AsyncClient(transport=ANSWERED_BY_HTTPX) as client:
        api = BotApi(url, "123:ABC", client=client, calls=calls)
        yield Bot("123:ABC", base_url=url, request=BotApiRequest(api))
    await calls.aclose()


def pool(base_url: str, *, timeout: float = 5.0, limit: int = 8) -> Http1Pool:
    return Http1Pool(base_url, limit=limit, timeout=timeout, tls=None)


async def test_calls_share_one_connection_while_the_server_keeps_it_open(serve: Serve) -> None:
    server, url = await serve(echo)
    calls = pool(url)

    answers = [await calls.post("/bot/echo", json.dumps({"n": n}).encode()) for n in range(3)]

    assert answers == [
        (200, json.dumps({"ok": True, "result": {"n": n}}).encode()) for n in range(3)
    ]
    assert server.connections == 1
    await calls.aclose()


async def test_a_connection_the_server_closed_while_idle_is_not_used_again(serve: Serve) -> None:
    async def answer_then_hang_up(_n: int, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(ok(json.loads(body)))
        await writer.drain()
        writer.close()

    server, url = await serve(answer_then_hang_up)
    calls = pool(url)

    for n in range(3):
        assert await calls.post("/bot/echo", json.dumps(n).encode()) == (
            200,
            ok(n).split(b"\r\n\r\n")[1],
        )
        await asyncio.sleep(0.05)  # idle: the hang-up arrives

    assert server.connections == 3
    await calls.aclose()


async def test_an_answer_that_says_close_is_the_last_on_its_connection(serve: Serve) -> None:
    async def closing(_n: int, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(answer_bytes(body, extra_headers="Connection: close\r\n"))

    server, url = await serve(closing)
    calls = pool(url)

    await calls.post("/bot/a", b"{}")
    await calls.post("/bot/b", b"{}")

    assert server.connections == 2
    await calls.aclose()


async def test_a_chunked_answer_is_read_whole(serve: Serve) -> None:
    async def chunked(_n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'7\r\n{"ok": \r\n'
            b'e\r\ntrue, "result"\r\n'
            b"4\r\n: 1}\r\n0\r\n\r\n"
        )

    _, url = await serve(chunked)
    calls = pool(url)

    assert await calls.post("/bot/x", b"{}") == (200, b'{"ok": true, "result": 1}')
    await calls.aclose()


async def test_a_late_answer_is_never_taken_for_the_next_calls(serve: Serve) -> None:
    async def first_late(n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        if n == 0:
            await asyncio.sleep(0.5)
            writer.write(ok("late"))
        else:
            writer.write(ok("on time"))

    _, url = await serve(first_late)
    calls = pool(url, timeout=0.2)

    with pytest.raises(Http1Error, match="no answer within"):
        await calls.post("/bot/slow", b"{}")
    await asyncio.sleep(0.4)  # the late answer arrives, on the connection given up

    assert await calls.post("/bot/next", b"{}") == (200, ok("on time").split(b"\r\n\r\n")[1])
    await calls.aclose()


async def test_what_a_server_says_between_calls_is_not_taken_for_an_answer(serve: Serve) -> None:
    said_between = asyncio.Event()

    async def then_times_out(n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(ok(n))
        if n == 0:  # as a server does before it closes an idle connection
            await writer.drain()
            await asyncio.sleep(0.01)
            writer.write(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            said_between.set()

    server, url = await serve(then_times_out)
    calls = pool(url)

    await calls.post("/bot/a", b"{}")
    # once it is said, not a fixed time after the call: on a busy machine the server's
    # pause and the client's ended in the same turn of the loop, and the next call went
    # out before the client had read it
    await said_between.wait()
    await asyncio.sleep(0.05)
    status, body = await calls.post("/bot/b", b"{}")

    assert (status, json.loads(body)) == (200, {"ok": True, "result": 1})
    assert server.connections == 2
    await calls.aclose()


async def test_a_second_answer_to_one_call_retires_its_connection(serve: Serve) -> None:
    async def twice(n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(ok(n) + ok("again") if n == 0 else ok(n))

    server, url = await serve(twice)
    calls = pool(url)

    first = await calls.post("/bot/a", b"{}")
    second = await calls.post("/bot/b", b"{}")

    assert [json.loads(body)["result"] for _, body in (first, second)] == [0, 1]
    assert server.connections == 2
    await calls.aclose()


async def test_an_interim_answer_is_not_taken_for_the_answer(serve: Serve) -> None:
    async def continue_first(_n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + ok("final"))

    server, url = await serve(continue_first)
    calls = pool(url)

    status, body = await calls.post("/bot/a", b"{}")
    await calls.post("/bot/b", b"{}")

    assert (status, json.loads(body)["result"]) == (200, "final")
    assert server.connections == 1
    await calls.aclose()


async def test_an_answer_cut_short_by_a_hang_up_is_an_error(serve: Serve) -> None:
    async def cut_short(_n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(ok("whole")[:-5])
        await writer.drain()
        writer.close()

    _, url = await serve(cut_short)
    calls = pool(url)

    with pytest.raises(Http1Error, match="EOFError"):
        await calls.post("/bot/a", b"{}")
    await calls.aclose()


async def test_an_answer_larger_than_the_limit_is_refused_as_it_arrives(serve: Serve) -> None:
    async def endless(_n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
        for _ in range(100):
            writer.write(b"x" * 65536)
            await writer.drain()

    _, url = await serve(endless)
    calls = Http1Pool(url, limit=1, timeout=5.0, tls=None, most_answer_bytes=1_000_000)

    with pytest.raises(Http1Error, match="more than 1000000 bytes"):
        await calls.post("/bot/a", b"{}")
    await calls.aclose()


async def test_a_target_that_would_split_the_request_is_refused() -> None:
    calls = pool("http://127.0.0.1:9/bot")

    with pytest.raises(ValueError, match="not a request target"):
        await calls.post("/bot/x HTTP/1.1\r\nX-Injected: 1\r\n", b"{}")


async def test_no_more_than_the_limit_of_connections_are_open_at_once(serve: Serve) -> None:
    async def slowly(_n: int, body: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.05)
        writer.write(ok(json.loads(body)))

    server, url = await serve(slowly)
    calls = pool(url, limit=2)

    answers = await asyncio.gather(
        *(calls.post("/bot/echo", json.dumps(n).encode()) for n in range(6))
    )

    assert [json.loads(body)["result"] for _, body in answers] == list(range(6))
    assert server.most_open == 2
    await calls.aclose()


async def test_a_refused_connection_is_a_network_error() -> None:
    calls = pool("http://127.0.0.1:9/bot")

    with pytest.raises(Http1Error, match=r"ConnectionRefusedError|OSError"):
        await calls.post("/bot/x", b"{}")


async def test_calls_go_over_tls_to_a_server_the_context_trusts(
    serve: Serve, tmp_path: Path
) -> None:
    server_tls, client_tls = tls_pair(tmp_path)
    server, url = await serve(echo, tls=server_tls)
    calls = Http1Pool(url, limit=2, timeout=5, tls=client_tls)

    assert await calls.post("/bot/echo", b'"secret"') == (200, ok("secret").split(b"\r\n\r\n")[1])
    assert server.requests == [b'"secret"']
    await calls.aclose()


async def test_a_server_the_context_does_not_trust_is_refused(serve: Serve, tmp_path: Path) -> None:
    server_tls, _ = tls_pair(tmp_path)
    server, url = await serve(echo, tls=server_tls)
    calls = Http1Pool(url, limit=2, timeout=5, tls=ssl.create_default_context())

    with pytest.raises(Http1Error, match="SSLCertVerificationError"):
        await calls.post("/bot/echo", b'"secret"')
    assert server.requests == []


async def test_bot_api_calls_carry_the_token_path_and_read_telegrams_refusals(serve: Serve) -> None:
    async def flood(_n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        refusal = {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        }
        body = json.dumps(refusal).encode()
        writer.write(
            f"HTTP/1.1 429 Too Many Requests\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        )

    server, url = await serve(flood)

    async with connected(url, "123:ABC") as api:
        with pytest.raises(BotApiError) as refused:
            await api.call("sendMessage", {"chat_id": 1, "text": "Привет"})

    assert (refused.value.status, refused.value.retry_after) == (429, 3.0)
    assert server.targets == ["/bot123:ABC/sendMessage"]
    assert json.loads(server.requests[0]) == {"chat_id": 1, "text": "Привет"}


async def test_the_librarys_calls_without_files_share_our_connections(serve: Serve) -> None:
    async def telegram(_n: int, _body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(ok(True))

    server, url = await serve(telegram)

    async with connected(url, "123:ABC") as api:
        await api.call("sendMessage", {"chat_id": 1, "text": "hi"})
        library = Bot("123:ABC", base_url=url, request=BotApiRequest(api))
        await library.answer_callback_query("q1", "done", show_alert=True)

    assert server.targets[1] == "/bot123:ABC/answerCallbackQuery"
    assert parse_qs(server.requests[1].decode()) == {
        "callback_query_id": ["q1"],
        "text": ["done"],
        "show_alert": ["true"],
    }
    assert server.connections == 1


async def test_the_library_hears_our_connections_time_out_as_its_own_timeout(
    serve: Serve,
) -> None:
    async def never(_n: int, _body: bytes, _writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1)

    _, url = await serve(never)
    async with library_on(pool(url, timeout=0.2, limit=2), url) as library:
        with pytest.raises(TimedOut):
            await library.answer_callback_query("q1")


async def test_the_library_hears_a_refused_connection_as_a_network_error() -> None:
    url = "http://127.0.0.1:9/bot"
    async with library_on(pool(url, limit=2), url) as library:
        with pytest.raises(NetworkError) as refused:
            await library.answer_callback_query("q1")
    assert not isinstance(refused.value, TimedOut)


async def test_a_request_with_timeouts_of_its_own_stays_on_httpx() -> None:
    """Long polling waits longer than our connections' one timeout would allow."""
    url = "http://127.0.0.1:9/bot"  # our connections would be refused here
    async with library_on(pool(url, limit=2), url) as library:
        assert await library.send_chat_action(1, "typing", read_timeout=40) is True


async def test_a_proxy_named_in_the_environment_carries_the_calls(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, proxy_url = await serve(echo)
    monkeypatch.setenv("HTTP_PROXY", proxy_url.removesuffix("/bot"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    async with connected("http://telegram.invalid/bot", "123:ABC") as api:
        assert await api.call("getMe", {"hello": 1}) == {"hello": 1}

    assert proxy.targets == ["http://telegram.invalid/bot123:ABC/getMe"]


def tls_pair(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server's context with a certificate for localhost, and a client's that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = folder / "server.pem", folder / "server.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(certificate_file, key_file)
    client = ssl.create_default_context(cafile=str(certificate_file))
    return server, client
