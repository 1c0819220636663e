"""/privacy, /mydata and /deleteme: what is kept, a user's own data to take away or erase."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.context import Context, turn
from bot.i18n import t
from bot.replies import answer_button, say, send_all
from core import privacy


async def on_privacy(update: Update, context: Context) -> None:
    """/privacy: what is stored, for how long, who sees what, and what a block or ban keeps."""
    async with turn(update, context) as current:
        kept = privacy.retention(current.settings)
        text = t(
            current.language,
            "safety.privacy",
            expiry_days=kept.confession_expiry_days,
            outbox_days=kept.outbox_kept_days,
            inbox_days=kept.inbox_kept_days,
        )
        reply = say(current.user.id, text)
    await send_all(context, [reply])


async def on_my_data(update: Update, context: Context) -> None:
    """Everything stored about the user, as a JSON file in the chat."""
    async with turn(update, context) as current:
        document = privacy.export(current.session, current.user)
        data = json.dumps(await document, ensure_ascii=False, indent=2).encode()
        caption, chat_id = t(current.language, "privacy.export"), current.user.id
    await context.bot.send_document(
        chat_id, document=data, filename="confessions-my-data.json", caption=caption
    )


async def on_delete_me(update: Update, context: Context) -> None:
    """Ask first: erasing cannot be undone."""
    async with turn(update, context) as current:
        confirm = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(current.language, "button.delete_confirm"),
                        callback_data=callbacks.DELETE_ME,
                    )
                ],
                [
                    InlineKeyboardButton(
                        t(current.language, "button.cancel"), callback_data=callbacks.CANCEL
                    )
                ],
            ]
        )
        reply = say(current.user.id, t(current.language, "privacy.confirm"), confirm)
    await send_all(context, [reply])


async def on_delete_confirmed(update: Update, context: Context) -> None:
    async with turn(update, context) as current:
        language, chat_id = current.language, current.user.id
        await privacy.forget(current.session, current.deps.media_store, current.user)
    await answer_button(update)
    await send_all(context, [say(chat_id, t(language, "privacy.deleted"))])
