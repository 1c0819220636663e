"""Opening a confession, and posting its card into a chat through inline mode."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)

from bot import callbacks
from bot.context import Context, turn
from bot.i18n import t
from bot.render import card_calls, deep_link, revealed_markup
from bot.replies import answer_button, send_all
from core import lifecycle, pseudonyms, reactions, read_model, styles
from core.read_model import SHARE_PREFIX, Role


async def on_reveal(update: Update, context: Context) -> None:
    """Reveal: only the intended recipient sees the confession; anyone else, an alert."""
    query = update.callback_query
    assert query is not None
    async with turn(update, context) as current:
        view = await lifecycle.reveal(current.session, callbacks.argument(query.data), current.user)
        replies = card_calls(
            view,
            current.language,
            chat_id=current.user.id,
            markup=revealed_markup(
                view.confession,
                current.language,
                read_model.permissions(view.confession, Role.RECIPIENT),
            ),
            pseudonym=pseudonyms.for_view(current.settings, view, current.language),
        )
    await answer_button(update)
    await send_all(context, replies)


async def on_react(update: Update, context: Context) -> None:
    """A reaction under the revealed card; the sender hears of it."""
    query = update.callback_query
    assert query is not None
    public_id, _, kind = callbacks.argument(query.data).partition(":")
    async with turn(update, context) as current:
        await reactions.react(current.session, public_id, current.user, kind)
        thanks = t(current.language, "reaction.sent", emoji=styles.reaction(kind).emoji)
    await answer_button(update, thanks)
    await send_all(context, [])


async def on_inline_query(update: Update, context: Context) -> None:
    """The sender posts the card of a confession into the recipient's chat."""
    query = update.inline_query
    assert query is not None
    async with turn(update, context) as current:
        wanted = query.query.strip().removeprefix(SHARE_PREFIX) or None
        shareable = await read_model.shareable(current.session, current.user, wanted)
        language = current.language
        results = [
            InlineQueryResultArticle(
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
                                url=deep_link(context.bot.username, confession),
                            )
                        ]
                    ]
                ),
            )
            for confession in shareable
        ]
    await query.answer(results, cache_time=0, is_personal=True)
