"""/privacy, /mydata and /deleteme: what is kept, a user's own data to take away or erase."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.context import Context, Turn, turn
from bot.handler import handler, keyboard_gone
from bot.i18n import t
from bot.replies import say
from core import privacy
from core.outbox import ApiCall


@handler
async def on_privacy(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """/privacy: what is stored, for how long, who sees what, and what a block or ban keeps."""
    kept = privacy.retention(current.settings)
    text = t(
        current.language,
        "safety.privacy",
        expiry_days=kept.confession_expiry_days,
        outbox_days=kept.outbox_kept_days,
        inbox_days=kept.inbox_kept_days,
    )
    return [say(current.user.id, text)]


async def on_my_data(update: Update, context: Context) -> None:
    """Everything stored about the user, as a JSON file in the chat.

    Not in the `@handler` frame: an upload is not an outbox reply, it goes once the turn
    (which only reads) is over."""
    async with turn(update, context) as current:
        document = privacy.export(current.session, current.user)
        data = json.dumps(await document, ensure_ascii=False, indent=2).encode()
        caption, chat_id = t(current.language, "privacy.export"), current.user.id
    await context.bot.send_document(
        chat_id, document=data, filename="confessions-my-data.json", caption=caption
    )


@handler
async def on_delete_me(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Ask first: erasing cannot be undone."""
    language = current.language
    confirm = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "button.delete_confirm"), callback_data=callbacks.DELETE_ME
                )
            ],
            [InlineKeyboardButton(t(language, "button.cancel"), callback_data=callbacks.CANCEL)],
        ]
    )
    return [say(current.user.id, t(language, "privacy.confirm"), confirm)]


@handler
async def on_delete_confirmed(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Everything about the user erased; the confirmation's buttons go with it."""
    await privacy.forget(
        current.session, current.deps.settings, current.deps.media_store, current.user
    )
    return [*keyboard_gone(update), say(current.user.id, t(current.language, "privacy.deleted"))]
