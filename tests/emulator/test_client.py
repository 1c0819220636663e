"""The one fake Telegram client: the updates a user's actions cause, as Telegram builds them,
with the user's own message recorded on the emulated server."""

from __future__ import annotations

from emulator import BotApiState
from emulator.client import TelegramClient, TelegramUser, command_entities, media_kind

ANNA = TelegramUser(4_000_001, "Anna", "anna_k")
BORIS = TelegramUser(4_000_002, "Boris")


def test_a_leading_command_is_marked_and_words_are_not() -> None:
    client = TelegramClient(BotApiState())

    command = client.text(ANNA, "/help me")["message"]
    words = client.text(ANNA, "help me")["message"]

    assert command["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert "entities" not in words
    assert command["from"] == {
        "id": ANNA.id,
        "is_bot": False,
        "first_name": "Anna",
        "username": "anna_k",
        "language_code": "en",
    }


def test_a_deep_link_shows_start_in_the_chat_and_gives_the_bot_the_parameter() -> None:
    state = BotApiState()
    client = TelegramClient(state)

    update = client.start(ANNA, "c_abc123")

    assert update["message"]["text"] == "/start c_abc123"
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    shown = state.message(ANNA.id, update["message"]["message_id"])
    assert shown is not None
    assert shown.text == "/start"


def test_update_ids_continue_where_the_shared_counter_is() -> None:
    state = BotApiState()
    shared = iter(range(500, 600))
    first, second = (
        TelegramClient(state, update_ids=shared),
        TelegramClient(state, update_ids=shared),
    )

    ids = [first.text(ANNA, "a")["update_id"], second.text(BORIS, "b")["update_id"]]

    assert ids == [500, 501]


def test_a_photo_is_recorded_with_its_size_and_the_bot_can_fetch_it() -> None:
    state = BotApiState()
    client = TelegramClient(state)

    update = client.media(ANNA, "photo", b"\xff\xd8 jpeg", caption="us", width=1200, height=1600)

    (photo,) = update["message"]["photo"]
    assert (photo["width"], photo["height"], photo["file_size"]) == (1200, 1600, 7)
    assert update["message"]["caption"] == "us"
    stored = state.file(photo["file_id"])
    assert stored is not None
    assert stored.data == b"\xff\xd8 jpeg"
    shown = state.message(ANNA.id, update["message"]["message_id"])
    assert shown is not None
    assert shown.media is not None
    assert shown.media["kind"] == "photo"


def test_a_tap_and_an_inline_query_get_ids_no_other_query_has() -> None:
    client = TelegramClient(BotApiState())
    message = {"message_id": 3, "date": 1, "chat": {"id": ANNA.id, "type": "private"}}

    tap = client.callback_query(ANNA, message, "reveal:1")["callback_query"]
    typed = client.inline_query(ANNA, "x" * 300)["inline_query"]
    other = TelegramClient(BotApiState()).callback_query(BORIS, message, "d")["callback_query"]

    assert len({tap["id"], typed["id"], other["id"]}) == 3
    assert tap["chat_instance"] == str(ANNA.id)
    assert len(typed["query"]) == 256


def test_the_user_picker_shares_who_was_chosen() -> None:
    update = TelegramClient(BotApiState()).shares_user(ANNA, 7, BORIS)

    assert update["message"]["users_shared"] == {
        "request_id": 7,
        "users": [{"user_id": BORIS.id, "first_name": "Boris"}],
    }


def test_files_become_what_telegram_makes_of_them() -> None:
    kinds = [media_kind(t) for t in ("image/gif", "image/png", "video/mp4", "audio/ogg", "x/y")]

    assert kinds == ["animation", "photo", "video", "voice", "document"]
    assert command_entities("/start@confessions_bot go")[0]["length"] == len(
        "/start@confessions_bot"
    )
