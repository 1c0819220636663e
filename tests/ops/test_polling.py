"""`serve --polling`: the bot fetches its updates from Telegram instead of taking a webhook."""

from __future__ import annotations

import time

from emulator import BotApiState
from tests.support import ServeProcess, wait_until

USER_ID = 4242
USER = {"id": USER_ID, "is_bot": False, "first_name": "Polly", "language_code": "en"}


def start_command(update_id: int) -> dict[str, object]:
    message = {
        "message_id": update_id,
        "date": 1_790_000_000,
        "chat": {"id": USER_ID, "type": "private", "first_name": "Polly"},
        "from": USER,
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return {"update_id": update_id, "message": message}


def test_a_polling_bot_answers_updates_it_fetched(
    serve_process: ServeProcess, bot_api: BotApiState
) -> None:
    serve_process.start(polling=True)
    bot_api.wait_for_call("deleteWebhook", timeout=15)

    bot_api.push_update(start_command(501))

    welcome = bot_api.wait_for_call("sendMessage", chat_id=USER_ID, timeout=15)
    assert "Some things are hard to say" in welcome.params["text"]


def test_a_polling_bot_confirms_what_it_fetched_so_nothing_is_handled_twice(
    serve_process: ServeProcess, bot_api: BotApiState
) -> None:
    serve_process.start(polling=True)
    bot_api.push_update(start_command(601))
    bot_api.wait_for_call("sendMessage", chat_id=USER_ID, timeout=15)

    since = len(bot_api.calls)
    bot_api.push_update(start_command(602))
    bot_api.wait_for_call("sendMessage", chat_id=USER_ID, since=since, timeout=15)

    assert wait_until(lambda: bot_api.pending_updates == [], seconds=10)
    assert len(bot_api.calls_to("sendMessage", chat_id=USER_ID)) == 2


def test_a_polling_bot_stops_at_once_while_a_long_poll_is_open(
    serve_process: ServeProcess, bot_api: BotApiState
) -> None:
    """Telegram holds a long poll for 20 seconds; Ctrl-C should not wait for it."""
    serve_process.start(polling=True)
    bot_api.push_update(start_command(701))
    bot_api.wait_for_call("sendMessage", chat_id=USER_ID, timeout=15)
    time.sleep(0.5)  # the next long poll is open, and has nothing to return

    asked = time.monotonic()
    exit_code = serve_process.terminate()

    assert exit_code == 0
    assert time.monotonic() - asked < 5
