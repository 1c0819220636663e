"""The python-telegram-bot Application: every handler registered here, in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from telegram import BotCommand
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import after, callbacks, compose, menu, privacy, reveal
from bot import settings as settings_screen
from bot.context import DEPS_KEY, BotDeps
from bot.errors import on_error
from bot.i18n import DEFAULT_LANGUAGE, languages, t
from core.media import MediaStore
from core.settings import Settings
from core.telegram_api import BotApi
from models.db import Database

BotApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    database: Database,
    *,
    api: BotApi,
    media_store: MediaStore,
    wake_outbox: Callable[[], None],
    transport: httpx.AsyncBaseTransport | None = None,
) -> BotApplication:
    """Updates reach it from the inbox (webhook) or from polling; it never owns an updater.

    `transport` replaces the network, as the playground does with its in-process Telegram."""
    assert settings.token is not None
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .updater(None)
    )
    if transport is not None:
        builder = builder.request(HTTPXRequest(httpx_kwargs={"transport": transport}))
    application = builder.build()
    application.bot_data[DEPS_KEY] = BotDeps(settings, database, api, media_store, wake_outbox)
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("start", menu.on_start, filters=private),
            CommandHandler("help", menu.on_help, filters=private),
            CommandHandler("my", menu.on_my, filters=private),
            CommandHandler("new", compose.on_new, filters=private),
            CommandHandler("cancel", compose.on_cancel, filters=private),
            CommandHandler("mydata", privacy.on_my_data, filters=private),
            CommandHandler("deleteme", privacy.on_delete_me, filters=private),
            CallbackQueryHandler(compose.on_new, pattern=callbacks.pattern(callbacks.NEW)),
            CallbackQueryHandler(menu.on_my, pattern=callbacks.pattern(callbacks.MY)),
            CallbackQueryHandler(menu.on_my, pattern=callbacks.pattern(callbacks.MY_PAGE)),
            CallbackQueryHandler(menu.on_thread, pattern=callbacks.pattern(callbacks.THREAD)),
            CallbackQueryHandler(
                compose.on_skip_media, pattern=callbacks.pattern(callbacks.SKIP_MEDIA)
            ),
            CallbackQueryHandler(
                compose.on_signature, pattern=callbacks.pattern(callbacks.SIGNATURE)
            ),
            CallbackQueryHandler(compose.on_send, pattern=callbacks.pattern(callbacks.SEND)),
            CallbackQueryHandler(
                compose.on_edit_text, pattern=callbacks.pattern(callbacks.EDIT_TEXT)
            ),
            CallbackQueryHandler(
                compose.on_edit_recipient, pattern=callbacks.pattern(callbacks.EDIT_RECIPIENT)
            ),
            CallbackQueryHandler(compose.on_cancel, pattern=callbacks.pattern(callbacks.CANCEL)),
            CallbackQueryHandler(reveal.on_reveal, pattern=callbacks.pattern(callbacks.REVEAL)),
            CallbackQueryHandler(reveal.on_react, pattern=callbacks.pattern(callbacks.REACT)),
            CallbackQueryHandler(after.on_reply, pattern=callbacks.pattern(callbacks.REPLY)),
            CallbackQueryHandler(after.on_block, pattern=callbacks.pattern(callbacks.BLOCK)),
            CallbackQueryHandler(after.on_unblock, pattern=callbacks.pattern(callbacks.UNBLOCK)),
            CallbackQueryHandler(after.on_report, pattern=callbacks.pattern(callbacks.REPORT)),
            CallbackQueryHandler(after.on_verdict, pattern=callbacks.pattern(callbacks.VERDICT)),
            CallbackQueryHandler(after.on_withdraw, pattern=callbacks.pattern(callbacks.WITHDRAW)),
            CallbackQueryHandler(after.on_sign, pattern=callbacks.pattern(callbacks.SIGN)),
            CallbackQueryHandler(
                privacy.on_delete_confirmed, pattern=callbacks.pattern(callbacks.DELETE_ME)
            ),
            CommandHandler("settings", settings_screen.on_settings, filters=private),
            CommandHandler("filter", settings_screen.on_filter, filters=private),
            CallbackQueryHandler(
                settings_screen.on_choice, pattern=callbacks.pattern(callbacks.SETTINGS)
            ),
            CallbackQueryHandler(
                settings_screen.on_held, pattern=callbacks.pattern(callbacks.HELD)
            ),
            CallbackQueryHandler(
                settings_screen.on_answer_request, pattern=callbacks.pattern(callbacks.ACCEPT)
            ),
            CallbackQueryHandler(
                settings_screen.on_answer_request, pattern=callbacks.pattern(callbacks.DECLINE)
            ),
            CallbackQueryHandler(compose.on_mutual, pattern=callbacks.pattern(callbacks.MUTUAL)),
            InlineQueryHandler(reveal.on_inline_query),
            MessageHandler(
                private & filters.UpdateType.MESSAGE & ~filters.COMMAND,
                compose.on_private_message,
            ),
        ]
    )
    application.add_error_handler(on_error)
    return application


COMMANDS = ("new", "my", "settings", "help", "cancel", "mydata", "deleteme")


async def register_commands(application: BotApplication) -> None:
    """The command menu in every language we speak, so Telegram shows it in the user's."""
    for language in languages():
        commands = [BotCommand(name, t(language, f"command.{name}")) for name in COMMANDS]
        code = None if language == DEFAULT_LANGUAGE else language
        await application.bot.set_my_commands(commands, language_code=code)
