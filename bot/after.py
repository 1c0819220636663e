"""After the reveal: replies both ways, block, report, withdraw, sign, and the operator's say."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot import callbacks
from bot.context import Context, Turn
from bot.handler import Answer, button_gone, handler, keyboard_gone
from bot.i18n import t
from bot.media import chat_media
from bot.replies import StepNudge, say
from core import lifecycle, moderation, pseudonyms, read_model, threads
from core.moderation import Verdict
from core.outbox import ApiCall
from core.read_model import ReaderView


def _argument(update: Update) -> str:
    assert update.callback_query is not None
    return callbacks.argument(update.callback_query.data)


@handler
async def on_reply(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Reply or Answer: the next message goes to the other side of the thread."""
    await threads.start_reply(current.session, _argument(update), current.user)
    cancel = InlineKeyboardButton(
        t(current.language, "button.cancel"), callback_data=callbacks.CANCEL
    )
    return [
        say(current.user.id, t(current.language, "thread.ask"), InlineKeyboardMarkup([[cancel]]))
    ]


async def relay(message: Message, current: Turn) -> list[ApiCall]:
    """A message written in reply mode: relayed, and reply mode ends."""
    media = chat_media(message)
    text = message.text or message.caption or ""
    text_html = message.text_html if message.text else (message.caption_html or "")
    if not text and media is None:
        raise StepNudge("nudge.reply")
    await threads.relay(
        current.session, current.settings, current.user, text=text, text_html=text_html, media=media
    )
    await threads.stop(current.session, current.user)
    return [say(current.user.id, t(current.language, "thread.sent"))]


@handler
async def on_block(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """The recipient stops hearing from this sender, without learning who it is."""
    blocked = await moderation.block_sender(
        current.session, current.settings, _argument(update), current.user
    )
    return [say(current.user.id, _naming(current, blocked, "pseudonym.blocked", "block.done"))]


def _naming(current: Turn, view: ReaderView, named: str, plain: str) -> str:
    """A confirmation that names the sender by their pseudonym, where they have one."""
    who = pseudonyms.shown_to(current.settings, view, current.language)
    if who:
        return t(current.language, named, pseudonym=escape(who))
    return t(current.language, plain)


@handler
async def on_unblock(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """A block taken back, from the list in /my."""
    await moderation.unblock(current.session, current.user, int(_argument(update)))
    return [say(current.user.id, t(current.language, "block.undone"))]


@handler
async def on_report(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """The operators see it, with a button to ban its sender."""
    await moderation.report(current.session, current.settings, _argument(update), current.user)
    reported = await read_model.for_reader(current.session, _argument(update), current.user)
    return [say(current.user.id, _naming(current, reported, "pseudonym.reported", "report.done"))]


@handler
async def on_verdict(update: Update, context: Context, current: Turn) -> Answer:
    """An operator dismisses a report or bans the sender."""
    report_id, _, action = _argument(update).partition(":")
    report = await moderation.resolve(
        current.session, current.settings, int(report_id), current.user, Verdict(action)
    )
    return Answer(toast=t(current.language, f"report.{report.status.value}", id=report.id))


@handler
async def on_withdraw(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """The sender takes back what was not read yet; nothing more can be done with it."""
    await lifecycle.withdraw(
        current.session, current.deps.media_store, _argument(update), current.user
    )
    return [*keyboard_gone(update), say(current.user.id, t(current.language, "withdraw.done"))]


@handler
async def on_sign(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """The sender says who they are; the recipient is told, and the button has done its part."""
    await lifecycle.sign(current.session, current.settings, _argument(update), current.user)
    return [*button_gone(update), say(current.user.id, t(current.language, "sign.done"))]
