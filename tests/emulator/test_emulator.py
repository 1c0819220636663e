"""The Bot API emulator, driven over real HTTP by python-telegram-bot and plain httpx."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputMediaPhoto,
    InputMediaVideo,
    InputTextMessageContent,
    MenuButtonWebApp,
    Message,
    ReplyParameters,
    WebAppInfo,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from emulator import BotApiState, EmulatorServer, canonical_method
from emulator.server import normalise_param

USER = 424242


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[EmulatorServer]:
    """One server per module: starting uvicorn per test would dominate the runtime."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emu(emulator_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    # Without PTB_TIMEDELTA, python-telegram-bot 22 warns when RetryAfter is constructed and
    # when durations are read; with filterwarnings=error that warning replaces the exception.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    emulator_server.state.reset()
    return emulator_server


@pytest.fixture
async def bot(emu: EmulatorServer) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
        yield bot


def keyboard(data: str = "like:1") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Like", callback_data=data)]])


async def test_get_me(bot: Bot, emu: EmulatorServer) -> None:
    me = await bot.get_me()

    assert me.username == "confessions_test_bot"
    assert me.id == 7000000001
    assert me.is_bot
    assert emu.state.calls_to("getMe")


async def test_send_message_records_parsed_markup_and_returns_a_message(
    bot: Bot, emu: EmulatorServer
) -> None:
    message = await bot.send_message(USER, "<b>hi</b>", parse_mode="HTML", reply_markup=keyboard())

    assert isinstance(message, Message)
    assert message.chat.id == USER
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert message.from_user.id == bot.id
    assert message.text == "<b>hi</b>"
    assert message.reply_markup == keyboard()

    [call] = emu.state.calls_to("sendMessage", chat_id=USER)
    assert call.params["chat_id"] == USER
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Like", "callback_data": "like:1"}]]
    }
    stored = emu.state.last_message(USER)
    assert stored is not None
    assert (stored.message_id, stored.text, stored.parse_mode) == (
        message.message_id,
        "<b>hi</b>",
        "HTML",
    )
    assert stored.inline_keyboard == [[{"text": "Like", "callback_data": "like:1"}]]


async def test_numeric_looking_text_stays_a_string(bot: Bot, emu: EmulatorServer) -> None:
    await bot.send_message(USER, "123")
    await bot.send_message(USER, "[1, 2]")

    assert [m.text for m in emu.state.sent_to(USER)] == ["123", "[1, 2]"]


async def test_edit_message_text(bot: Bot, emu: EmulatorServer) -> None:
    # PTB strips "Bad Request: " from descriptions and str.capitalize()s the rest, hence (?i).
    sent = await bot.send_message(USER, "draft", reply_markup=keyboard())

    edited = await bot.edit_message_text("final", chat_id=USER, message_id=sent.message_id)

    assert isinstance(edited, Message)
    assert edited.text == "final"
    assert edited.edit_date is not None
    stored = emu.state.message(USER, sent.message_id)
    assert stored is not None
    assert (stored.text, stored.edited, stored.reply_markup) == ("final", True, None)

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("final", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)


async def test_retry_after_then_success(bot: Bot, emu: EmulatorServer) -> None:
    emu.state.fail_next("sendMessage", status=429, retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "first")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)

    await bot.send_message(USER, "second")
    calls = emu.state.calls_to("sendMessage")
    assert [c.ok for c in calls] == [False, True]
    assert calls[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert [m.text for m in emu.state.sent_to(USER)] == ["second"]


async def test_wildcard_failure_applies_to_any_method(bot: Bot, emu: EmulatorServer) -> None:
    emu.state.fail_next("*", status=502, count=2)

    for _ in range(2):
        with pytest.raises(Exception, match="Bad Gateway"):
            await bot.send_chat_action(USER, "typing")
    assert await bot.send_chat_action(USER, "typing")


async def test_blocked_chat_is_forbidden(bot: Bot, emu: EmulatorServer) -> None:
    emu.state.block_chat(USER)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hello?")
    assert emu.state.sent_to(USER) == []

    emu.state.unblock_chat(USER)
    await bot.send_message(USER, "hello again")
    assert len(emu.state.sent_to(USER)) == 1


async def test_registered_user_file_can_be_fetched(bot: Bot, emu: EmulatorServer) -> None:
    file_id, unique_id = emu.state.add_file(b"OggS voice", file_path="voice/file_7.oga")

    tg_file = await bot.get_file(file_id)

    assert tg_file.file_unique_id == unique_id
    assert tg_file.file_size == len(b"OggS voice")
    assert await tg_file.download_as_bytearray() == bytearray(b"OggS voice")
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_uploaded_photo_is_stored_and_downloadable(bot: Bot, emu: EmulatorServer) -> None:
    data = b"\x89PNG fake image"

    message = await bot.send_photo(USER, photo=data, caption="look")

    assert message.caption == "look"
    photo = message.photo[-1]
    [call] = emu.state.calls_to("sendPhoto")
    assert call.params["photo"]["size"] == len(data)
    stored = emu.state.last_message(USER)
    assert stored is not None
    assert stored.media is not None
    assert (stored.media["kind"], stored.media["file_id"]) == ("photo", photo.file_id)

    tg_file = await bot.get_file(photo.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == data

    # Re-sending by file_id reuses the stored file.
    again = await bot.send_photo(USER + 1, photo=photo.file_id)
    assert again.photo[-1].file_unique_id == photo.file_unique_id


async def test_media_group_copy_forward_delete(bot: Bot, emu: EmulatorServer) -> None:
    album = await bot.send_media_group(
        USER, [InputMediaPhoto(b"one", caption="1"), InputMediaPhoto(b"two")]
    )
    assert len(album) == 2
    assert album[0].media_group_id == album[1].media_group_id is not None

    user_msg = emu.state.add_user_message(USER, text="my confession")
    copied = await bot.copy_message(-100123, from_chat_id=USER, message_id=user_msg.message_id)
    forwarded = await bot.forward_message(
        -100123, from_chat_id=USER, message_id=user_msg.message_id
    )
    assert forwarded.forward_origin is not None
    assert forwarded.forward_origin.type == "user"
    channel = emu.state.sent_to(-100123)
    assert [m.text for m in channel] == ["my confession", "my confession"]
    assert channel[0].message_id == copied.message_id

    assert await bot.delete_message(-100123, copied.message_id)
    assert [m.message_id for m in emu.state.sent_to(-100123)] == [forwarded.message_id]
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(-100123, copied.message_id)


async def test_settings_queries_and_other_media_round_trip(bot: Bot, emu: EmulatorServer) -> None:
    state = emu.state
    assert await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    assert state.webhook is not None
    assert state.webhook.secret_token == "s3cret"
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()

    await bot.set_my_commands([BotCommand("start", "Begin")], language_code="en")
    assert (await bot.get_my_commands(language_code="en"))[0].command == "start"
    await bot.set_chat_menu_button(
        menu_button=MenuButtonWebApp("Open", WebAppInfo("https://example.org/app"))
    )
    assert isinstance(await bot.get_chat_menu_button(), MenuButtonWebApp)
    await bot.set_my_description("Say it.")
    await bot.set_my_short_description("Confess")
    assert (await bot.get_my_short_description()).short_description == "Confess"
    assert (await bot.get_chat(USER)).type == "private"

    assert (await bot.send_video(USER, b"v", duration=5)).video is not None
    assert (await bot.send_voice(USER, b"o")).voice is not None
    assert (await bot.send_video_note(USER, b"n")).video_note is not None
    document = (await bot.send_document(USER, b"d", filename="note.txt")).document
    assert document is not None
    assert document.file_name == "note.txt"
    assert (await bot.send_audio(USER, b"a")).audio is not None
    assert (await bot.send_animation(USER, b"g")).animation is not None
    assert await bot.send_chat_action(USER, ChatAction.TYPING)

    photo = await bot.send_photo(USER, b"p", caption="cap", reply_markup=keyboard())
    edited = await bot.edit_message_caption(USER, photo.message_id, caption="cap2")
    assert isinstance(edited, Message)
    assert (edited.caption, edited.reply_markup) == ("cap2", None)
    await bot.edit_message_reply_markup(USER, photo.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest):
        await bot.edit_message_reply_markup(USER, photo.message_id, reply_markup=keyboard("b"))
    swapped = await bot.edit_message_media(
        InputMediaVideo(b"new", caption="vid"), chat_id=USER, message_id=photo.message_id
    )
    assert isinstance(swapped, Message)
    assert swapped.video is not None
    reply = await bot.send_message(USER, "re", reply_parameters=ReplyParameters(photo.message_id))
    assert reply.reply_to_message is not None
    assert await bot.delete_messages(USER, [photo.message_id, 999])
    deleted = state.message(USER, photo.message_id)
    assert deleted is not None
    assert deleted.deleted

    article = InlineQueryResultArticle("1", "t", InputTextMessageContent("x"))
    assert await bot.answer_callback_query("123", text="thanks")
    assert await bot.answer_inline_query("99", [article])
    assert (await bot.answer_web_app_query("q1", article)).inline_message_id
    assert state.callback_answers == [{"callback_query_id": "123", "text": "thanks"}]
    assert len(state.inline_answers) == 1
    assert len(state.web_app_answers) == 1
    assert [c.method for c in state.calls if not c.ok] == [
        "getUpdates",
        "editMessageReplyMarkup",
    ]


async def test_callback_data_longer_than_64_bytes_is_rejected(
    bot: Bot, emu: EmulatorServer
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard("x" * 65))


async def test_plain_httpx_json_post(emu: EmulatorServer) -> None:
    payload = {
        "chat_id": str(USER),
        "text": "from the outbox",
        "reply_markup": {"inline_keyboard": [[{"text": "Open", "url": "https://example.org"}]]},
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{emu.api_url}/sendmessage", json=payload)
        unknown = await client.post(f"{emu.api_url}/sendTelepathy", json={})
        wrong_token = await client.post(f"{emu.base_url}123:wrong/getMe")
        calls = (await client.get(f"{emu.url}/_emulator/calls")).json()
        chat = (await client.get(f"{emu.url}/_emulator/chats/{USER}/messages")).json()

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["chat"]["id"] == USER
    assert body["result"]["reply_markup"] == payload["reply_markup"]
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found: method not found"
    assert wrong_token.status_code == 401
    assert [c["method"] for c in calls] == ["sendMessage", "sendTelepathy", "getMe"]
    assert calls[0]["params"]["chat_id"] == USER
    assert [m["text"] for m in chat] == ["from the outbox"]


async def test_wrong_token_raises_invalid_token(emu: EmulatorServer) -> None:
    bot = Bot("1:wrong", base_url=emu.base_url, base_file_url=emu.base_file_url)
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()


async def test_wait_for_call_sees_a_call_made_while_waiting(bot: Bot, emu: EmulatorServer) -> None:
    waiter = asyncio.create_task(
        asyncio.to_thread(
            emu.state.wait_for_call,
            "sendMessage",
            chat_id=USER,
            where=lambda params: params["text"] == "ping",
            ok=True,
        )
    )
    await asyncio.sleep(0.05)
    await bot.send_message(USER, "ping")

    call = await asyncio.wait_for(waiter, timeout=5)
    assert call.result["text"] == "ping"


def test_wait_for_times_out_with_a_summary() -> None:
    state = BotApiState()
    state.record("sendMessage", {"chat_id": 1, "text": "hello"}, {"ok": True, "result": {}})

    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"Timed out after 0\.1s(.|\n)*sendMessage"):
        state.wait_for(lambda call: call.method == "sendVoice", timeout=0.1)
    assert time.monotonic() - started < 1


def test_param_normalisation_and_method_names() -> None:
    assert normalise_param("chat_id", "-100123") == -100123
    assert normalise_param("chat_id", "@channel") == "@channel"
    assert normalise_param("text", "123") == "123"
    assert normalise_param("entities", "[]") == []
    assert normalise_param("show_alert", "true") is True
    assert canonical_method("SENDMESSAGE") == "sendMessage"
    assert canonical_method("sendTelepathy") is None


def test_server_stops_quickly_with_an_open_keep_alive_connection() -> None:
    server = EmulatorServer()
    server.start()
    with httpx.Client() as client:
        assert client.get(f"{server.api_url}/getMe").json()["ok"] is True
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1


async def test_a_button_press_is_answered_once(bot: Bot) -> None:
    assert await bot.answer_callback_query("press-1", text="done")

    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("press-1", text="again", show_alert=True)


async def test_get_updates_hands_out_queued_updates_until_confirmed(
    bot: Bot, emu: EmulatorServer
) -> None:
    emu.state.push_update(
        {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": USER, "type": "private"},
                "text": "hi",
            },
        }
    )

    first = await bot.get_updates(offset=0, timeout=0)
    again = await bot.get_updates(offset=7, timeout=0)
    confirmed = await bot.get_updates(offset=8, timeout=0)

    assert [u.update_id for u in first] == [7]
    assert [u.update_id for u in again] == [7]
    assert confirmed == ()


def test_a_long_poll_the_client_abandons_is_neither_answered_nor_recorded(
    emu: EmulatorServer,
) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{emu.api_url}/getUpdates", json={"timeout": 2}, timeout=0.3)

    time.sleep(2.5)

    assert emu.state.calls_to("getUpdates") == []
