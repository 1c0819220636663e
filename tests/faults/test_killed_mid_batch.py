"""kill -9 while the bot handles a batch: only the one call in flight is made twice.

The updates are stored first by a web-only process, so the bot claims them in one batch;
the emulator carries out one answer and holds Telegram's reply to it, which is the window
no design closes (Telegram accepted a call the process never heard back about)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine

from core.settings import Settings
from emulator import BotApiState
from tests.conftest import WEBHOOK_SECRET
from tests.support import ServeProcess, free_port
from tests.telegram import Person, Webhook, next_update_id

BATCH = 8  # bot.runner.BATCH_SIZE: what one claim takes


def help_update(person: Person) -> dict[str, object]:
    return {
        "update_id": next_update_id(),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": person.chat,
            "from": person.profile,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def answers_to(bot_api: BotApiState, person: Person) -> int:
    return sum(
        1
        for call in bot_api.calls_to("sendMessage", chat_id=person.id)
        if call.ok and "How it works" in str(call.params.get("text"))
    )


@pytest.mark.settings(inbox_lease_seconds=2, outbox_lease_seconds=2)
def test_a_process_killed_mid_batch_answers_again_only_the_call_in_flight(
    serve_process: ServeProcess, settings: Settings, bot_api: BotApiState, db_engine: Engine
) -> None:
    web_only = ServeProcess(settings.model_copy(update={"background_work": False}), free_port())
    web_only.start()
    webhook = Webhook(web_only.url, WEBHOOK_SECRET, db_engine)
    people = [Person(webhook=webhook, bot_api=bot_api, first_name=f"P{n}") for n in range(BATCH)]
    for person in people:
        assert webhook.post(help_update(person)).status_code == 200
    webhook.close()
    web_only.stop()
    in_flight, others = people[0], people[1:]
    bot_api.hold_answer("sendMessage", seconds=60, chat_id=in_flight.id)

    serve_process.start()
    bot_api.wait_for(lambda _call: answers_to(bot_api, in_flight) == 1, timeout=15)
    bot_api.wait_for(
        lambda _call: all(answers_to(bot_api, person) == 1 for person in others), timeout=15
    )
    time.sleep(0.5)  # the others' turns are over and recorded
    serve_process.kill()
    serve_process.start()
    bot_api.wait_for(lambda _call: answers_to(bot_api, in_flight) == 2, timeout=20)
    time.sleep(3)  # past both leases: anything else sent twice would be sent by now

    assert [answers_to(bot_api, person) for person in people] == [2] + [1] * len(others)
