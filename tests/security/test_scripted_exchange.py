"""A whole exchange, scripted end to end through the webhook and the mini-app API, read the way
the recipient would read it: nothing names the anonymous sender until they choose to say who
they are, and then their name does appear."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
from sqlmodel import Session

from emulator import BotApiState
from tests.bot.flows import latest_confession, send
from tests.support import started
from tests.telegram import MiniApp, People, Person


class Recorded:
    """Every API answer the recipient's mini app received."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code < 400, response.text
        self.bodies.append(response.text)
        return response


def traces(person: Person) -> tuple[str, ...]:
    return (str(person.id), person.first_name, person.last_name or "", person.username or "")


def everything_sent_to(bot_api: BotApiState, recipient: Person) -> str:
    calls = [call.params for call in bot_api.calls if call.chat_id == recipient.id]
    return json.dumps([calls, bot_api.callback_answers], ensure_ascii=False)


def test_the_recipient_learns_nothing_of_the_sender_until_they_sign(
    people: People,
    bob: Person,
    bot_api: BotApiState,
    db: Session,
    mini_app: Callable[[Person], MiniApp],
) -> None:
    alice = people("Alice", last_name="Wonder", username="alice_secret")
    started(alice)
    started(bob)
    bobs_app, alices_app, seen = mini_app(bob), mini_app(alice), Recorded()

    # compose anonymously in the chat; it is delivered
    send(alice, bob, "I think about you every day")
    bob.receives_confession()
    public_id = latest_confession(db, alice).public_id
    seen(bobs_app.get("/confessions", box="received"))
    seen(bobs_app.get(f"/confessions/{public_id}"))

    # revealed in the mini app, reacted to in the chat and the app
    seen(bobs_app.post(f"/confessions/{public_id}/reveal"))
    alice.wait_for_message("opened your confession")
    listing = bob.command("my")[-1]
    card = bob.presses("📥", on=listing)[0]
    bob.presses("😊", on=card)
    seen(bobs_app.post(f"/confessions/{public_id}/reaction", {"reaction": "heart"}))

    # replies both ways, in the chat and through the API
    bob.presses("Reply", on=card)
    bob.says("who is this?")
    alice.presses("Answer", on=alice.wait_for_message("who is this?"))
    alice.says("someone who sits near you")
    bob.wait_for_message("someone who sits near you")
    seen(bobs_app.post(f"/confessions/{public_id}/replies", {"text": "tell me more"}))
    alices_app.post(f"/confessions/{public_id}/replies", {"text": "not yet"})
    bob.wait_for_message("not yet")
    seen(bobs_app.get(f"/confessions/{public_id}/replies"))
    seen(bobs_app.get(f"/confessions/{public_id}"))

    # blocked, and the block listed
    bob.presses("Block sender", on=card)
    seen(bobs_app.get("/blocks"))
    seen(bobs_app.get("/confessions", box="received"))

    before_signing = everything_sent_to(bot_api, bob) + "".join(seen.bodies)
    for trace in traces(alice):
        assert trace not in before_signing, f"{trace!r} reached the recipient"

    # unblocked in the app; the sender says it was them, and now the name shows
    block_id = bobs_app.get("/blocks").json()["items"][0]["id"]
    assert bobs_app.client.delete(f"/blocks/{block_id}").status_code == 204
    alice.presses("Reveal it was me")
    signed = bob.wait_for_message("was from")
    confession = bobs_app.get(f"/confessions/{public_id}").json()

    assert "Alice Wonder" in (signed.content or "")
    assert confession["sender_name"] == "Alice Wonder"
