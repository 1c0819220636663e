"""What tests ask the emulated Telegram about the bot: :class:`BotApiState`.

The server needs none of this, so it lives apart from :class:`emulator.state.ServerState`:
finding the calls and messages a test cares about, and waiting, without a race, for a call the
bot makes from another thread.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

from emulator.model import JSONDict, RecordedCall, StoredMessage
from emulator.names import canonical_method
from emulator.state import ServerState


class BotApiState(ServerState):
    """A server state with the test-facing query helpers (the one tests hold)."""

    @property
    def blocked_chats(self) -> set[int]:
        """Chats that currently answer 403."""
        with self._lock:
            return set(self._model.blocked)

    @property
    def callback_answers(self) -> list[JSONDict]:
        """Parameters of every successful ``answerCallbackQuery``."""
        return [c.params for c in self.calls_to("answerCallbackQuery") if c.ok]

    @property
    def inline_answers(self) -> list[JSONDict]:
        """Parameters of every successful ``answerInlineQuery``."""
        return [c.params for c in self.calls_to("answerInlineQuery") if c.ok]

    @property
    def web_app_answers(self) -> list[JSONDict]:
        """Parameters of every successful ``answerWebAppQuery``."""
        return [c.params for c in self.calls_to("answerWebAppQuery") if c.ok]

    def calls_to(self, method: str, chat_id: int | str | None = None) -> list[RecordedCall]:
        """Calls of one method (any spelling), optionally only those aimed at ``chat_id``."""
        name = canonical_method(method) or method
        with self._lock:
            return [
                c
                for c in self._calls
                if c.method == name and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]

    def sent_to(self, chat_id: int | str) -> list[StoredMessage]:
        """Messages the bot sent to a chat that still exist, in order."""
        with self._lock:
            resolved = self._model.resolve_chat_id(chat_id)
            return [
                copy.deepcopy(m)
                for m in self._model.messages.get(resolved, [])
                if m.from_bot and not m.deleted
            ]

    def last_message(self, chat_id: int | str) -> StoredMessage | None:
        """The newest message the bot sent to a chat that still exists."""
        sent = self.sent_to(chat_id)
        return sent[-1] if sent else None

    def message(self, chat_id: int | str, message_id: int) -> StoredMessage | None:
        """One message by id, deleted or not (sender either side)."""
        with self._lock:
            resolved = self._model.resolve_chat_id(chat_id)
            for m in self._model.messages.get(resolved, []):
                if m.message_id == message_id:
                    return copy.deepcopy(m)
            return None

    # --- waiting -----------------------------------------------------------------------------

    def wait_for(
        self,
        predicate: Callable[[RecordedCall], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
        description: str = "a matching call",
    ) -> RecordedCall:
        """Block until a recorded call (from index ``since`` on) satisfies ``predicate``.

        Calls recorded before the wait started count too, so there is no race between the
        action a test triggers and the wait. Raises ``AssertionError`` listing the calls seen.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            index = since
            while True:
                index = min(index, len(self._calls))
                while index < len(self._calls):
                    call = self._calls[index]
                    index += 1
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_message(description, timeout, since))
                self._changed.wait(remaining)

    def wait_for_call(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        timeout: float = 5.0,
        where: Callable[[JSONDict], bool] | None = None,
        ok: bool | None = None,
        since: int = 0,
    ) -> RecordedCall:
        """:meth:`wait_for` a call of ``method``, optionally to ``chat_id``, whose params pass
        ``where``, and that succeeded (``ok=True``) or failed (``ok=False``)."""
        name = canonical_method(method) or method

        def matches(call: RecordedCall) -> bool:
            return (
                call.method == name
                and (chat_id is None or call.params.get("chat_id") == chat_id)
                and (ok is None or call.ok == ok)
                and (where is None or where(call.params))
            )

        wanted = f"{name}(chat_id={chat_id!r}{', where=…' if where else ''}, ok={ok!r})"
        return self.wait_for(matches, timeout, since=since, description=wanted)

    def _timeout_message(self, description: str, timeout: float, since: int) -> str:
        seen = self._calls[since:]
        lines = [f"Timed out after {timeout:g}s waiting for {description}; {len(seen)} call(s):"]
        lines.extend(f"  {i}. {c.summary()}" for i, c in enumerate(seen[-30:], start=1))
        if len(seen) > 30:
            lines.insert(1, f"  ... {len(seen) - 30} earlier call(s) omitted")
        return "\n".join(lines)
