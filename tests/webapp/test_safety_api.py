"""The recipient's side of safety in the mini-app API: settings, held items, requests,
pseudonyms and the sender's consent to a mutual reveal."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from sqlmodel import Session

from tests.bot.flows import compose, latest_confession, send
from tests.support import Product, started
from tests.telegram import MiniApp, People, Person

OpenMiniApp = Callable[[Person], MiniApp]


def test_settings_start_at_everyone_with_no_words(mini_app: OpenMiniApp, bob: Person) -> None:
    shown = mini_app(bob).get("/settings")

    assert shown.status_code == 200
    assert shown.json() == {"who_may_send": "everyone", "filter_words": [], "filter_words_max": 50}


def test_settings_change_and_words_are_kept_once_without_case(
    mini_app: OpenMiniApp, bob: Person
) -> None:
    app = mini_app(bob)

    changed = app.patch("/settings", {"who_may_send": "threads", "filter_words": ["Ugly", "ugly "]})

    assert changed.status_code == 200
    assert changed.json()["filter_words"] == ["ugly"]
    assert app.get("/settings").json()["who_may_send"] == "threads"


def test_an_unknown_choice_or_too_many_words_is_a_422(mini_app: OpenMiniApp, bob: Person) -> None:
    app = mini_app(bob)

    assert app.patch("/settings", {"who_may_send": "friends"}).status_code == 422
    too_many = app.patch("/settings", {"filter_words": [f"w{n}" for n in range(51)]})
    assert too_many.status_code == 422
    assert app.patch("/settings", {"filter_words": ["!!!"]}).status_code == 422
    assert app.get("/settings").json()["filter_words"] == []


def test_the_settings_choices_are_documented_as_an_enum(product: Product) -> None:
    schema = httpx.get(f"{product.url}/openapi.json", timeout=10).json()
    choices = schema["components"]["schemas"]["WhoMaySend"]["enum"]

    assert choices == ["everyone", "threads", "nobody"]


def test_a_paused_inbox_holds_it_and_the_held_list_releases_it(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    app = mini_app(bob)
    app.patch("/settings", {"who_may_send": "nobody"})
    send(alice, bob, "held words")
    alice.wait_for_message("was delivered")

    held = app.get("/held").json()["items"]
    received = app.get("/confessions", box="received").json()["items"]

    assert [(item["kind"], item["reason"]) for item in held] == [("confession", "setting")]
    assert received == []
    released = app.post(f"/held/{held[0]['id']}/release")
    assert released.status_code == 200
    bob.wait_for_message("Someone has a confession")
    assert app.get("/held").json()["items"] == []


def test_someone_elses_held_item_cannot_be_released(
    mini_app: OpenMiniApp, alice: Person, bob: Person, people: People
) -> None:
    started(bob)
    mini_app(bob).patch("/settings", {"who_may_send": "nobody"})
    send(alice, bob)
    alice.wait_for_message("was delivered")
    held_id = mini_app(bob).get("/held").json()["items"][0]["id"]

    for intruder in (alice, people("Eve")):
        assert mini_app(intruder).post(f"/held/{held_id}/release").status_code == 404


def test_a_request_is_accepted_or_declined_through_the_api(
    mini_app: OpenMiniApp, alice: Person, bob: Person, people: People, db: Session
) -> None:
    carol = people("Carol")
    started(bob)
    app = mini_app(bob)
    send(alice, bob, "from alice")
    bob.wait_for_message("wants to tell you")
    from_alice = latest_confession(db, alice).public_id
    send(carol, bob, "from carol")
    from_carol = latest_confession(db, carol).public_id

    assert app.get("/confessions", box="received").json()["items"] == []
    assert [item["reason"] for item in app.get("/held").json()["items"]] == ["request", "request"]
    assert mini_app(alice).post(f"/confessions/{from_alice}/accept").status_code == 404
    assert app.post(f"/confessions/{from_alice}/accept").status_code == 204
    assert app.post(f"/confessions/{from_carol}/decline").status_code == 204

    bob.wait_for_message("Someone has a confession")
    received = [item["id"] for item in app.get("/confessions", box="received").json()["items"]]
    assert received == [from_alice]


def test_the_recipient_sees_the_pseudonym_and_the_sender_does_not(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    delivery = bob.accepts_request()
    public_id = latest_confession(db, alice).public_id

    shown_to_bob = mini_app(bob).post(f"/confessions/{public_id}/reveal").json()
    shown_to_alice = mini_app(alice).get(f"/confessions/{public_id}").json()

    assert shown_to_bob["sender_pseudonym"]
    assert f"From: <b>{shown_to_bob['sender_pseudonym']}</b>" in (delivery.content or "")
    assert shown_to_bob["sender_name"] is None
    assert shown_to_alice["sender_pseudonym"] is None


def test_the_thread_names_the_anonymous_sender_by_pseudonym(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session
) -> None:
    started(bob)
    send(alice, bob)
    bob.accepts_request()
    public_id = latest_confession(db, alice).public_id
    app = mini_app(bob)
    pseudonym = app.post(f"/confessions/{public_id}/reveal").json()["sender_pseudonym"]
    app.post(f"/confessions/{public_id}/replies", {"text": "who?"})
    mini_app(alice).post(f"/confessions/{public_id}/replies", {"text": "guess"})

    items = app.get(f"/confessions/{public_id}/replies").json()["items"]

    assert [(i["author"], i["author_pseudonym"]) for i in items] == [
        ("Bob", None),
        (None, pseudonym),
    ]


def test_the_mutual_consent_is_off_by_default_and_set_by_its_sender_only(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session
) -> None:
    compose(alice, bob)
    draft = latest_confession(db, alice)
    assert draft.reveal_if_mutual is False

    assert (
        mini_app(bob)
        .put(f"/confessions/{draft.public_id}/mutual", {"reveal_if_mutual": True})
        .status_code
        == 404
    )
    agreed = mini_app(alice).put(
        f"/confessions/{draft.public_id}/mutual", {"reveal_if_mutual": True}
    )

    assert agreed.status_code == 200
    assert agreed.json()["reveal_if_mutual"] is True


def test_agreeing_later_through_the_api_completes_a_match(
    mini_app: OpenMiniApp, alice: Person, bob: Person, db: Session
) -> None:
    started(alice)
    started(bob)
    send(alice, bob, "first words")
    bob.presses("Reveal", on=bob.accepts_request())
    send(bob, alice, "back", mutual=True)
    alice.wait_for_message("Someone has a confession")
    time.sleep(0.5)
    assert not any("mutual" in (m.content or "") for m in alice.messages)

    first = latest_confession(db, alice).public_id
    mini_app(alice).put(f"/confessions/{first}/mutual", {"reveal_if_mutual": True})

    assert "Bob" in (alice.wait_for_message("It's mutual").content or "")
    assert "Alice" in (bob.wait_for_message("It's mutual").content or "")
