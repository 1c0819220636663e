"""The mini app's side of blocks and privacy: the blocks list and unblocking, the privacy figures,
and a withheld confession as each party sees it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from tests.bot.flows import latest_confession, send
from tests.support import started
from tests.telegram import MiniApp, People, Person

OpenMiniApp = Callable[[Person], MiniApp]


def blocked_after_reading(sender: Person, recipient: Person, words: str) -> None:
    started(recipient)
    send(sender, recipient, words)
    recipient.receives_confession()
    recipient.presses("Reveal")
    recipient.presses("Block sender")


def test_the_blocks_list_names_a_block_by_the_words_the_blocker_read(
    alice: Person, bob: Person, mini_app: OpenMiniApp
) -> None:
    blocked_after_reading(alice, bob, "words Bob has read already, and then some more of them")

    blocks = mini_app(bob).get("/blocks").json()["items"]

    assert len(blocks) == 1
    assert blocks[0]["preview"].startswith("words Bob has read")
    assert "Alice" not in str(blocks)
    assert str(alice.id) not in str(blocks)


def test_a_block_whose_confession_is_gone_is_an_anonymous_sender_with_a_date(
    alice: Person, bob: Person, mini_app: OpenMiniApp
) -> None:
    blocked_after_reading(alice, bob, "soon gone")
    alice.command("deleteme")
    alice.presses("Yes, delete everything")

    blocks = mini_app(bob).get("/blocks").json()["items"]

    assert blocks[0]["preview"] is None
    assert blocks[0]["created_at"]


def test_unblocking_in_the_mini_app_lets_the_sender_through_again(
    alice: Person, bob: Person, mini_app: OpenMiniApp
) -> None:
    blocked_after_reading(alice, bob, "first")
    app = mini_app(bob)
    block_id = app.get("/blocks").json()["items"][0]["id"]

    assert app.client.delete(f"/blocks/{block_id}").status_code == 204
    send(alice, bob, "second")

    assert app.get("/blocks").json()["items"] == []
    bob.receives_confession()


def test_nobody_else_can_see_or_undo_a_block(
    alice: Person, bob: Person, people: People, mini_app: OpenMiniApp
) -> None:
    blocked_after_reading(alice, bob, "mine")
    block_id = mini_app(bob).get("/blocks").json()["items"][0]["id"]
    eve = mini_app(people("Eve"))

    assert eve.get("/blocks").json()["items"] == []
    assert eve.client.delete(f"/blocks/{block_id}").status_code == 404
    assert mini_app(alice).client.delete(f"/blocks/{block_id}").status_code == 404
    assert len(mini_app(bob).get("/blocks").json()["items"]) == 1


def test_a_withheld_confession_looks_delivered_to_its_sender_and_does_not_exist_for_the_blocker(
    alice: Person, bob: Person, db: Session, mini_app: OpenMiniApp
) -> None:
    blocked_after_reading(alice, bob, "first")
    send(alice, bob, "withheld")
    alice.wait_for_message("Your confession to Bob was delivered")
    public_id = latest_confession(db, alice).public_id

    as_sender = mini_app(alice).get(f"/confessions/{public_id}").json()
    as_blocker = mini_app(bob).get(f"/confessions/{public_id}")
    received = mini_app(bob).get("/confessions", box="received").json()["items"]
    reveal = mini_app(bob).post(f"/confessions/{public_id}/reveal")

    assert as_sender["status"] == "delivered"
    assert as_sender["recipient_name"] == "Bob"
    assert as_blocker.status_code == 404
    assert public_id not in [item["id"] for item in received]
    assert reveal.status_code == 404


@pytest.mark.settings(outbox_kept_days=3, confession_expiry_days=20)
def test_the_privacy_screen_gets_its_figures_from_the_settings(
    alice: Person, mini_app: OpenMiniApp
) -> None:
    figures = mini_app(alice).get("/privacy").json()

    assert figures == {"confession_expiry_days": 20, "outbox_kept_days": 3, "inbox_kept_days": 2}
