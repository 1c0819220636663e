"""Serve ASGI apps on loopback from a background thread.

Tests need real HTTP servers (python-telegram-bot talks HTTP, and so will our app), but pytest
owns the main thread and its event loop. Running uvicorn in a daemon thread with its own loop
keeps the server independent of the test's loop; :class:`ThreadedUvicorn` is the generic part
(reused to run our own app in tests) and :class:`EmulatorServer` wires it to the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from emulator.model import BotIdentity
from emulator.queries import BotApiState
from emulator.server import create_emulator_app

DEFAULT_TOKEN = "7000000001:TEST-emulator-token"
SHUTDOWN_LOOK_SECONDS = 0.005


class _PromptServer(uvicorn.Server):
    """uvicorn as it runs here, minus its waits: it looks for an exit request every 0.1 s
    and sleeps another 0.1 s before shutting down, which is most of a test's time when the
    test starts and stops an app of its own. Here a stop request wakes the loop at once,
    and shutdown waits only for connections still open."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_requested = asyncio.Event()

    def request_exit(self) -> None:
        """From any thread."""
        self.should_exit = True
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                self._loop.call_soon_threadsafe(self._exit_requested.set)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets)

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.1):  # uvicorn's tick: the Date header
                    await self._exit_requested.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        for _ in range(int((self.config.timeout_graceful_shutdown or 0) / SHUTDOWN_LOOK_SECONDS)):
            if not (self.server_state.connections or self.server_state.tasks):
                break
            await asyncio.sleep(SHUTDOWN_LOOK_SECONDS)
        for task in self.server_state.tasks:
            task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()


class ThreadedUvicorn:
    """Run an ASGI app with uvicorn on ``127.0.0.1`` and a free port, in a daemon thread."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        startup_timeout: float = 10.0,
    ) -> None:
        # ws="none": nothing here serves websockets, and importing uvicorn's websockets
        # implementation emits DeprecationWarnings that filterwarnings=error turns into failures.
        # timeout_graceful_shutdown bounds stop() even if a client keeps a request open.
        self._config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._startup_timeout = startup_timeout
        self._server: _PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The bound port (only known once started)."""
        if self._port is None:
            raise RuntimeError("server is not running")
        return self._port

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self._config.host}:{self.port}"

    def start(self) -> None:
        """Start serving and return once the socket accepts connections."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        server = _PromptServer(self._config)
        thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not thread.is_alive():
                self._server = self._thread = None
                raise RuntimeError("uvicorn exited during startup (see its log output)")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("uvicorn did not start in time")
            time.sleep(0.01)
        self._port = int(server.servers[0].sockets[0].getsockname()[1])

    def stop(self, timeout: float = 5.0) -> None:
        """Ask uvicorn to exit and wait for its thread; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.request_exit()
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        self._server = self._thread = None
        self._port = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmulatorServer:
    """The Bot API emulator served on loopback, ready to hand to ``telegram.Bot``::

        with EmulatorServer() as emu:
            bot = Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)

    The bot's numeric id is taken from the token, as Telegram's is.
    """

    def __init__(self, *, token: str = DEFAULT_TOKEN, state: BotApiState | None = None) -> None:
        self.token = token
        if state is None:
            prefix = token.split(":", 1)[0]
            state = BotApiState(bot=BotIdentity(id=int(prefix)) if prefix.isdigit() else None)
        self.state = state
        self.app = create_emulator_app(state, token=token)
        self._http = ThreadedUvicorn(self.app)

    @property
    def url(self) -> str:
        """Root URL of the emulator, e.g. ``http://127.0.0.1:54321``."""
        return self._http.url

    @property
    def base_url(self) -> str:
        """python-telegram-bot's ``base_url`` (the token is appended by the library)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """python-telegram-bot's ``base_file_url``."""
        return f"{self.url}/file/bot"

    @property
    def api_url(self) -> str:
        """Full method URL prefix for plain HTTP clients: ``{api_url}/sendMessage``."""
        return f"{self.base_url}{self.token}"

    def start(self) -> None:
        """Start serving."""
        self._http.start()

    def stop(self) -> None:
        """Stop serving (state is kept)."""
        self._http.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
