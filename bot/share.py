"""The card a confession travels as: posted by inline mode, or sent on from the mini app
through Telegram's share sheet. Both are the same card, built here once.

The card says only that someone has a confession for its reader, with a button to the bot's
link that only the intended reader can open; nothing in it names the sender.
"""

from __future__ import annotations

import httpx
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from bot.bot_api import BotApi, BotApiError, tls
from bot.i18n import t
from bot.render import deep_link
from core.settings import Settings
from core.sharing import PreparedCard, TelegramUnavailable
from models import Confession

TIMEOUT = httpx.Timeout(10.0)


def inline_card(
    confession: Confession, language: str | None, bot_username: str
) -> InlineQueryResultArticle:
    """The card, as an inline result, in the language of the person sending it on."""
    return InlineQueryResultArticle(
        id=confession.public_id,
        title=t(language, "inline.title"),
        description=t(language, "inline.description"),
        input_message_content=InputTextMessageContent(
            t(language, "inline.message"), parse_mode="HTML"
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(language, "button.open_link"),
                        url=deep_link(bot_username, confession),
                    )
                ]
            ]
        ),
    )


class ShareSheet:
    """Prepares the card for `Telegram.WebApp.shareMessage` with `savePreparedInlineMessage`
    (Bot API 8.0): Telegram keeps it for this user a while and answers an id."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._bot_username: str | None = None  # getMe once: it does not change while we run

    async def prepare(
        self, confession: Confession, user_id: int, language: str | None
    ) -> PreparedCard:
        assert self._settings.token is not None  # a signed-in caller means there is one
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, verify=tls()) as client:
                api = BotApi(
                    self._settings.telegram_api_base_url, self._settings.token, client=client
                )
                if self._bot_username is None:
                    self._bot_username = str((await api.call("getMe", {}))["username"])
                card = inline_card(confession, language, self._bot_username)
                prepared = await api.call(
                    "savePreparedInlineMessage",
                    {
                        "user_id": user_id,
                        "result": card.to_dict(),
                        "allow_user_chats": True,
                        "allow_group_chats": True,
                    },
                )
        except BotApiError as error:
            raise TelegramUnavailable() from error
        return PreparedCard(str(prepared["id"]), prepared.get("expiration_date"))
