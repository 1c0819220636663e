"""The webhook: only Telegram gets in, every update counts once, junk is acknowledged."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from emulator import BotApiState
from models import InboxUpdate
from tests.telegram import Person, Webhook, next_update_id


def start_update(person: Person) -> dict[str, object]:
    return {
        "update_id": next_update_id(),
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": person.chat,
            "from": person.profile,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def stored_updates(db: Session) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(InboxUpdate)).one()


def test_a_wrong_secret_is_refused(webhook: Webhook, alice: Person, db: Session) -> None:
    response = webhook.post(start_update(alice), secret="guess")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert stored_updates(db) == 0


def test_a_missing_secret_is_refused(webhook: Webhook, alice: Person, db: Session) -> None:
    response = webhook.client.post(f"{webhook.url}/telegram/webhook", json=start_update(alice))

    assert response.status_code == 403
    assert stored_updates(db) == 0


def test_the_same_update_twice_is_handled_once(
    webhook: Webhook, alice: Person, bot_api: BotApiState
) -> None:
    update = start_update(alice)

    webhook.deliver(update)
    second = webhook.post(update)
    webhook.deliver(start_update(alice))

    assert second.status_code == 200
    assert len(bot_api.calls_to("sendMessage", chat_id=alice.id)) == 2


def test_a_malformed_update_is_acknowledged_and_changes_nothing(
    webhook: Webhook, db: Session
) -> None:
    for body in ({"no": "update_id"}, {"update_id": "7"}, [1, 2], {"update_id": True}):
        response = webhook.post(body)  # type: ignore[arg-type]
        assert response.status_code == 200
    not_json = webhook.client.post(
        f"{webhook.url}/telegram/webhook",
        content=b"{not json",
        headers={"X-Telegram-Bot-Api-Secret-Token": webhook.secret},
    )

    assert not_json.status_code == 200
    assert stored_updates(db) == 0


def test_an_update_the_bot_cannot_read_is_marked_handled(webhook: Webhook, db: Session) -> None:
    update_id = next_update_id()

    webhook.deliver({"update_id": update_id, "message": {"message_id": "not a number"}})

    db.expire_all()
    stored = db.get(InboxUpdate, update_id)
    assert stored is not None
    assert stored.handled_at is not None


def test_handled_updates_keep_no_message_text(webhook: Webhook, alice: Person, db: Session) -> None:
    alice.says("a secret nobody should find in the database later")

    db.expire_all()
    assert all(row.payload == {} for row in db.exec(select(InboxUpdate)).all())
