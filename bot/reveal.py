"""Opening a confession, and posting its card into a chat through inline mode."""

from __future__ import annotations

from telegram import (
    Update,
)

from bot import callbacks
from bot.context import Context, Turn, turn
from bot.handler import Answer, button_gone, handler, keyboard_now
from bot.i18n import t
from bot.render import card_calls, revealed_markup
from bot.share import inline_card
from core import lifecycle, pseudonyms, reactions, read_model, styles
from core.outbox import ApiCall
from core.read_model import SHARE_PREFIX, Role


@handler
async def on_reveal(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Reveal: only the intended recipient sees the confession; anyone else, an alert.

    The button is good once: pressed, it goes from its message, and pressed again (from an
    older copy) it says so; the card stays in the chat and in /my."""
    public_id = callbacks.argument(update.callback_query.data if update.callback_query else None)
    view = await lifecycle.reveal(current.session, public_id, current.user, again=False)
    return [
        *button_gone(update),
        *card_calls(
            view,
            current.language,
            chat_id=current.user.id,
            markup=revealed_markup(
                view.confession,
                current.language,
                read_model.permissions(view.confession, Role.RECIPIENT),
            ),
            pseudonym=pseudonyms.for_view(current.settings, view, current.language),
        ),
    ]


@handler
async def on_react(update: Update, context: Context, current: Turn) -> Answer:
    """A reaction under the revealed card: marked as chosen there; the sender hears of it."""
    public_id, _, kind = callbacks.argument(
        update.callback_query.data if update.callback_query else None
    ).partition(":")
    reader = await reactions.react(current.session, current.settings, public_id, current.user, kind)
    thanks = t(current.language, "reaction.sent", emoji=styles.reaction(kind).emoji)
    markup = revealed_markup(
        reader.confession, current.language, reader.can, chosen=reader.reaction
    )
    return Answer(keyboard_now(update, markup), thanks)


async def on_inline_query(update: Update, context: Context) -> None:
    """The sender posts the card of a confession into the recipient's chat.

    Not in the `@handler` frame: an inline query is answered with results, not replies."""
    query = update.inline_query
    assert query is not None
    async with turn(update, context) as current:
        wanted = query.query.strip().removeprefix(SHARE_PREFIX) or None
        shareable = await read_model.shareable(current.session, current.user, wanted)
        language = current.language
        results = [
            inline_card(confession, language, context.bot.username) for confession in shareable
        ]
    await query.answer(results, cache_time=0, is_personal=True)
