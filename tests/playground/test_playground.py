"""The playground: with no bot token, the whole product runs against an emulated Telegram."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from tests.pretend import PretendClient
from tests.support import PlaygroundServer, Product

Pretend = Callable[..., PretendClient]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "#e2506b").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_newcomer_with_no_settings_gets_the_chat_window(playground: PlaygroundServer) -> None:
    page = httpx.get(f"{playground.url}/playground")

    assert page.status_code == 200
    assert "Playground" in page.text
    assert "Nothing here reaches Telegram" in page.text
    assert "PLAYGROUND" in playground.log()


def test_a_pretend_user_talks_to_the_real_bot(pretend: Pretend) -> None:
    carol = pretend("Carol")

    carol.say("/start")

    welcome = carol.wait_for_bot("Some things are hard to say")
    labels = [b["text"] for row in welcome["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Write a confession" in label for label in labels)


def test_the_recipient_gets_a_confession_with_a_reveal_button(pretend: Pretend) -> None:
    dan, erin = pretend("Dan"), pretend("Erin")
    erin.say("/start")
    dan.writes_to(erin, "You make Mondays bearable")

    dan.sends_anonymously()

    delivered = erin.accepts_request()
    assert "You make Mondays bearable" not in delivered["text"]
    erin.press("Reveal")
    assert "You make Mondays bearable" in erin.wait_for_bot("You make Mondays bearable")["text"]


def test_a_photo_sent_in_the_chat_window_reaches_the_bot(
    pretend: Pretend, playground: PlaygroundServer
) -> None:
    frank, gina = pretend("Frank"), pretend("Gina")
    frank.writes_to(gina, "You make Mondays bearable")
    photo = png()

    sent = frank.http.post(
        f"/playground/api/users/{frank.id}/media", files={"file": ("p.png", photo, "image/png")}
    )

    assert sent.status_code == 204, sent.text
    frank.wait_for_bot("How should it be signed?")
    shown = [m for m in frank.view()["messages"] if m["media"] and not m["from_bot"]][-1]
    assert httpx.get(playground.url + shown["media_url"]).content == photo


def test_a_card_shared_into_a_chat_opens_the_confession_by_deep_link(pretend: Pretend) -> None:
    hana, ivan = pretend("Hana"), pretend("Ivan")
    hana.say("/new")
    hana.wait_for_bot("Who is it for?")
    hana.say("🔗 I'll share it myself")
    hana.wait_for_bot("Now say it")
    hana.say("I saved you a seat")
    hana.wait_for_bot("Add a photo")
    hana.press("Skip")
    hana.press("Anonymous")
    hana.wait_for_bot("Preview")
    hana.press("Send")
    hana.wait_for_bot("Saved!")
    query = hana.button("Send it to their chat")["switch_inline_query_chosen_chat"]["query"]

    offered = hana.http.post(f"/playground/api/users/{hana.id}/inline", json={"query": query})
    result = offered.json()["results"][0]
    choice = {"query_id": offered.json()["query_id"], "result_id": result["id"], "peer_id": ivan.id}
    posted = hana.http.post(f"/playground/api/users/{hana.id}/inline/choice", json=choice)

    assert posted.status_code == 204, posted.text
    card = ivan.view(chat=hana.id)["messages"][-1]
    assert card["sender_id"] == hana.id
    assert card["via_bot"] == "confessions_playground_bot"
    link = card["reply_markup"]["inline_keyboard"][0][0]["url"]
    start = parse_qs(urlsplit(link).query)["start"][0]
    ivan.say(f"/start {start}")
    ivan.wait_for_bot("Someone has a confession for you")
    ivan.press("Reveal")
    ivan.wait_for_bot("I saved you a seat")


def test_the_mini_app_accepts_init_data_the_playground_signs(
    pretend: Pretend, playground: PlaygroundServer
) -> None:
    june = pretend("June")
    june.say("/start")
    june.wait_for_bot("Some things are hard to say")

    signed = httpx.get(f"{playground.url}/playground/api/users/{june.id}/init-data").json()
    me = httpx.get(
        f"{playground.url}/api/v1/me", headers={"Authorization": f"tma {signed['init_data']}"}
    )

    assert me.status_code == 200, me.text
    assert me.json()["id"] == june.id


def test_a_username_belongs_to_one_pretend_user(playground: PlaygroundServer) -> None:
    taken = httpx.post(
        f"{playground.url}/playground/api/users", json={"first_name": "Al", "username": "ALICE_pg"}
    )

    assert taken.status_code == 409
    assert "taken" in taken.json()["error"]


def test_the_first_pretend_users_have_usernames_telegram_would_give(
    playground: PlaygroundServer,
) -> None:
    users = httpx.get(f"{playground.url}/playground/api/users").json()

    assert [u["first_name"] for u in users[:2]] == ["Alice", "Bob"]
    assert all(5 <= len(u["username"]) <= 32 for u in users[:2])


@pytest.mark.parametrize("username", ["bob", "abcd", "1alice", "a" * 33, "al ice"])
def test_a_username_telegram_would_refuse_is_refused(
    playground: PlaygroundServer, username: str
) -> None:
    refused = httpx.post(
        f"{playground.url}/playground/api/users", json={"first_name": "X", "username": username}
    )

    assert refused.status_code == 422


def test_a_button_no_longer_on_screen_cannot_be_pressed(pretend: Pretend) -> None:
    kim = pretend("Kim")
    kim.say("/start")
    welcome = kim.wait_for_bot("Some things are hard to say")

    pressed = kim.http.post(
        f"/playground/api/users/{kim.id}/press",
        json={"message_id": welcome["message_id"], "data": "made-up"},
    )

    assert pressed.status_code == 404


def test_with_a_bot_token_the_playground_does_not_exist(product: Product) -> None:
    for path in ("/playground", "/playground/api/users", "/playground/static/playground.js"):
        assert httpx.get(product.url + path).status_code == 404, path


def test_playground_false_serves_the_web_app_alone(tmp_path: Path) -> None:
    server = PlaygroundServer(tmp_path, PLAYGROUND="false")
    server.start()
    try:
        page = httpx.get(f"{server.url}/playground")
    finally:
        server.stop()

    assert page.status_code == 404
    assert "Bot not connected" in server.log()


def test_a_withdrawn_confession_edits_the_recipients_message(pretend: Pretend) -> None:
    nora, omar = pretend("Nora"), pretend("Omar")
    nora.confessed_to(omar, "I should have said it in June")

    nora.press("Withdraw")

    edited = omar.wait_for_bot("withdrawn by its sender")
    assert edited["edited"] is True
    assert "Someone has a confession for you" not in edited["text"]


def test_a_refused_tap_comes_back_as_an_alert(pretend: Pretend) -> None:
    pia, quinn = pretend("Pia"), pretend("Quinn")
    pia.confessed_to(quinn, "Coffee was never about the coffee")
    quinn.press("Reveal")
    pia.wait_for_bot("opened your confession")

    answer = pia.press("Withdraw")["answer"]

    assert answer == {"text": "That can't be done any more.", "show_alert": True, "url": None}


def test_pretend_users_are_kept_across_a_restart(tmp_path: Path) -> None:
    server = PlaygroundServer(tmp_path)
    server.start()
    try:
        added = httpx.post(
            f"{server.url}/playground/api/users", json={"first_name": "Rosa", "username": "rosa_m"}
        ).json()
    finally:
        server.stop()
    server.start()
    try:
        users = httpx.get(f"{server.url}/playground/api/users").json()
    finally:
        server.stop()

    assert [u["first_name"] for u in users] == ["Alice", "Bob", "Rosa"]
    assert users[-1] == added


def test_a_roster_from_before_usernames_were_checked_still_loads(tmp_path: Path) -> None:
    roster = [
        {"first_name": "Alice", "username": "alice"},
        {"first_name": "Bob", "username": "bob"},
    ]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "playground-users.json").write_text(json.dumps(roster))
    server = PlaygroundServer(tmp_path)
    server.start()
    try:
        users = httpx.get(f"{server.url}/playground/api/users").json()
    finally:
        server.stop()

    assert [(u["first_name"], u["username"]) for u in users] == [("Alice", "alice"), ("Bob", None)]


def test_a_deep_link_start_parameter_telegram_would_not_pass_is_refused(pretend: Pretend) -> None:
    ivy = pretend("Ivy")
    for parameter in ("has space", "x" * 65, "ünïcode", "a/b"):
        started = ivy.http.post(
            f"/playground/api/users/{ivy.id}/start", json={"parameter": parameter}
        )
        assert started.status_code == 422, parameter
    assert ivy.view()["messages"] == []


def test_a_deep_link_start_shows_only_start(pretend: Pretend) -> None:
    jay = pretend("Jay")

    started = jay.http.post(f"/playground/api/users/{jay.id}/start", json={"parameter": "hello"})

    assert started.status_code == 204
    jay.wait_for_bot("Some things are hard to say")
    assert [m["text"] for m in jay.view()["messages"] if not m["from_bot"]] == ["/start"]


def test_unread_counts_what_arrived_since_the_chat_was_last_open(pretend: Pretend) -> None:
    kai, lou = pretend("Kai"), pretend("Lou")
    for words in ("one", "two", "three"):
        kai.http.post(
            f"/playground/api/users/{kai.id}/peers/{lou.id}/messages", json={"text": words}
        )

    before = lou.view()
    opened = lou.view(chat=kai.id)
    after = lou.view()

    def unread_from_kai(window: dict[str, object]) -> int:
        chats = window["chats"]
        assert isinstance(chats, list)
        unread: int = next(c["unread"] for c in chats if c["peer"]["id"] == kai.id)
        return unread

    assert unread_from_kai(before) == 3
    assert [m["text"] for m in opened["messages"]] == ["one", "two", "three"]
    assert unread_from_kai(after) == 0
    assert next(u["unread"] for u in kai.view()["users"] if u["id"] == lou.id) == 0


def test_the_mini_app_address_opened_directly_points_to_the_playground(
    playground: PlaygroundServer,
) -> None:
    page = httpx.get(f"{playground.url}/app/")

    assert page.status_code == 200
    assert 'href="/playground"' in page.text
    assert httpx.get(f"{playground.url}/app/app.js").status_code == 200
