"""The Bot API away: what the bot answers while it is down arrives once it is back, once."""

from __future__ import annotations

import time

from sqlmodel import Session, col, select

from core.outbox import ANSWER
from emulator import BotApiState
from models import OutboxMessage
from tests.telegram import People, Person, Webhook, next_update_id


def command(person: Person, name: str) -> dict[str, object]:
    return {
        "update_id": next_update_id(),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": person.chat,
            "from": person.profile,
            "text": f"/{name}",
            "entities": [{"type": "bot_command", "offset": 0, "length": len(name) + 1}],
        },
    }


def answers_to(bot_api: BotApiState, person: Person, containing: str) -> int:
    return sum(
        1
        for call in bot_api.calls_to("sendMessage", chat_id=person.id)
        if call.ok and containing in str(call.params.get("text"))
    )


def test_help_asked_while_the_bot_api_is_down_is_answered_once_it_is_back(
    webhook: Webhook, people: People, bot_api: BotApiState
) -> None:
    alice = people("Alice")
    bot_api.fail_next("*", status=502, count=1_000_000)

    assert webhook.post(command(alice, "help")).status_code == 200
    bot_api.wait_for_call("sendMessage", chat_id=alice.id, ok=False, timeout=10)
    time.sleep(1)  # the bot has given up on its first try; the update is long handled
    bot_api.stop_failing()

    alice.wait_for_message("How it works", timeout=20)
    time.sleep(2)  # a second copy would come now
    assert answers_to(bot_api, alice, "How it works") == 1


def test_answers_delayed_by_an_outage_keep_their_order(
    webhook: Webhook, people: People, bot_api: BotApiState
) -> None:
    alice = people("Alice")
    bot_api.fail_next("*", status=502, count=1_000_000)

    assert webhook.post(command(alice, "help")).status_code == 200
    bot_api.wait_for_call("sendMessage", chat_id=alice.id, ok=False, timeout=10)
    assert webhook.post(command(alice, "cancel")).status_code == 200
    assert webhook.post(command(alice, "start")).status_code == 200
    time.sleep(1)
    bot_api.stop_failing()

    alice.wait_for_message("Some things are hard", timeout=20)
    texts = [message.content or "" for message in alice.messages]
    firsts = [
        next(i for i, text in enumerate(texts) if words in text)
        for words in ("How it works", "nothing to cancel", "Some things are hard")
    ]
    assert firsts == sorted(firsts), texts
    assert answers_to(bot_api, alice, "How it works") == 1


def test_answers_are_not_kept_once_sent(
    webhook: Webhook, people: People, bot_api: BotApiState, db: Session
) -> None:
    alice, bob = people("Alice"), people("Bob")
    alice.says("a secret nobody should find in the outbox later")  # the answer: a nudge
    bot_api.fail_next("sendMessage", status=502, chat_id=bob.id)
    webhook.deliver(command(bob, "help"), timeout=20)  # until its answer is out

    db.expire_all()
    answers = db.exec(
        select(OutboxMessage).where(
            OutboxMessage.kind == ANSWER, col(OutboxMessage.chat_id).in_([alice.id, bob.id])
        )
    ).all()
    assert answers == []
    assert answers_to(bot_api, bob, "How it works") == 1
