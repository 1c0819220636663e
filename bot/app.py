"""The python-telegram-bot Application: every handler registered here, in one place."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import after, callbacks, compose, menu, privacy, reveal
from bot import settings as settings_screen
from bot.bot_api import BotApi, BotApiRequest
from bot.context import DEPS_KEY, BotDeps, commit_parked
from bot.errors import on_error
from bot.i18n import DEFAULT_LANGUAGE, languages, t
from bot.sender import BotApiSender
from core.background import Wakers
from core.media import MediaStore
from core.settings import Settings
from models.db import Database

BotApplication = Application[Any, Any, Any, Any, Any, Any]


class TurnFirstRequest(BotApiRequest):
    """python-telegram-bot's requests, on our Bot API client, each committing first a turn
    parked for its replies: a transaction is never held open across a call to Telegram,
    which may take seconds, or never answer."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await commit_parked()
        return await super().do_request(*args, **kwargs)


def build_application(
    settings: Settings,
    database: Database,
    *,
    api: BotApi,
    media_store: MediaStore,
    wakers: Wakers,
) -> BotApplication:
    """Updates reach it from the inbox (webhook) or from polling; it never owns an updater.

    Its calls go through `api`, the process's one client to Telegram."""
    assert settings.token is not None
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .updater(None)
    )
    request = TurnFirstRequest(api)
    application = builder.request(request).get_updates_request(request).build()
    application.bot_data[DEPS_KEY] = BotDeps(
        settings, database, BotApiSender(api), media_store, wakers
    )
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
            CommandHandler("privacy", privacy.on_privacy, filters=private),
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


COMMANDS = ("new", "my", "settings", "help", "cancel", "mydata", "deleteme", "privacy")


async def register_commands(application: BotApplication) -> None:
    """The command menu in every language we speak, so Telegram shows it in the user's."""
    for language in languages():
        commands = [BotCommand(name, t(language, f"command.{name}")) for name in COMMANDS]
        code = None if language == DEFAULT_LANGUAGE else language
        await application.bot.set_my_commands(commands, language_code=code)
