"""Greeting, help, the list of one's confessions, and arriving through a share link."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, keyboards
from bot.context import Context, Turn
from bot.handler import handler
from bot.i18n import t
from bot.render import item_label, opened_view, recipient_label, status_label
from bot.replies import say
from core import consent, lifecycle, moderation, read_model, threads, users
from core.errors import NotForYou, NotFound, NotYourOwn, Withdrawn
from core.outbox import ApiCall
from core.read_model import SHARE_PREFIX, ReaderView, Role
from core.settings import Settings
from models import User

PAGE = 5


@handler
async def on_start(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """/start, or /start c_<id> from a share link."""
    payload = context.args[0] if context.args else ""
    await users.mark_started(current.session, current.user)
    language, chat_id = current.language, current.user.id
    if payload.startswith(SHARE_PREFIX):
        return [await _arrive_by_link(current.session, current.settings, current.user, payload)]
    waiting = await lifecycle.deliver_waiting(current.session, current.settings, current.user)
    replies = [
        say(chat_id, t(language, "start.welcome"), keyboards.main_menu(current.settings, language))
    ]
    if waiting:
        replies.append(say(chat_id, t(language, "start.waiting", count=waiting)))
    return replies


async def _arrive_by_link(
    session: AsyncSession, settings: Settings, user: User, payload: str
) -> ApiCall:
    """The person the link was meant for gets the confession; anyone else a kind no, and so
    does its recipient when they blocked its sender."""
    language = user.language_code
    try:
        opened = await lifecycle.open_shared(
            session, settings, payload.removeprefix(SHARE_PREFIX), user
        )
    except NotYourOwn:
        return say(user.id, t(language, "link.own"))
    except NotForYou:
        return say(user.id, t(language, "link.not_for_you"))
    except Withdrawn:
        return say(user.id, t(language, "link.withdrawn"))
    except NotFound:
        return say(user.id, t(language, "link.unknown"))
    if opened.confession.withheld_at is not None:
        return say(user.id, t(language, "link.not_for_you"))
    return say(user.id, t(language, "link.welcome"))


@handler
async def on_help(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """/help: what the bot does and how anonymity works."""
    limit = current.settings.confession_max_length
    return [say(current.user.id, t(current.language, "help.text", limit=limit))]


@handler
async def on_my(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """/my, or one more page of it: how many were sent and received, each listed in words,
    and each a button below that opens it with its thread."""
    box, _, cursor = callbacks.argument(
        update.callback_query.data if update.callback_query else None
    ).partition(":")
    language = current.language
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    for name in [box] if box else ["sent", "received"]:
        page = await read_model.page_for(
            current.session, current.user, box=name, limit=PAGE, cursor=cursor
        )
        count = await read_model.count_in(current.session, current.user, box=name)
        if lines:
            lines.append("")
        lines.append(t(language, f"my.{name}_title", count=count))
        answered = await threads.answered(
            current.session, (reader.confession for reader in page.items)
        )
        for reader in page.items:
            confession = reader.confession
            done = confession.id in answered
            lines.append(_item_line(reader, language, answered=done))
            label = item_label(reader, language, answered=done)
            rows.append([InlineKeyboardButton(label, callback_data=callbacks.thread(confession))])
        if not page.items:
            lines.append(t(language, f"my.none_{name}" if not cursor else "my.none"))
        if page.next_cursor:
            more = f"{callbacks.MY_PAGE}:{name}:{page.next_cursor}"
            rows.append(
                [InlineKeyboardButton(t(language, f"button.more_{name}"), callback_data=more)]
            )
    if rows:
        lines += ["", t(language, "my.tap")]
    held = 0 if box else await consent.held_count(current.session, current.user)
    if held:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "held.button", count=held), callback_data=callbacks.HELD
                )
            ]
        )
    blocks = await moderation.blocks_of(current.session, current.user)
    markup = InlineKeyboardMarkup(rows)
    if blocks and not box:
        lines.append(t(language, "my.blocked", count=len(blocks)))
        markup = keyboards.unblock_buttons(blocks, language, below=markup)
    return [say(current.user.id, "\n".join(lines), markup)]


def _item_line(reader: ReaderView, language: str | None, *, answered: bool) -> str:
    """One confession in the /my text: to whom (or when it came) and how it stands."""
    confession = reader.confession
    status = t(language, "status.answered") if answered else status_label(confession, language)
    if reader.role == Role.SENDER:
        return t(language, "my.sent_item", to=recipient_label(reader.view, language), status=status)
    return t(language, "my.received_item", date=f"{confession.created_at:%d.%m.%Y}", status=status)


@handler
async def on_thread(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """One confession from /my: the card as this reader may see it, its thread, its actions."""
    public_id = callbacks.argument(update.callback_query.data if update.callback_query else None)
    reader = await read_model.for_reader(current.session, public_id, current.user)
    replies = await threads.thread(
        current.session, reader.confession.id or 0, role=reader.role, reader_id=current.user.id
    )
    request = reader.role == Role.RECIPIENT and await consent.is_request(
        current.session, reader.confession
    )
    return opened_view(
        current.settings,
        reader,
        replies,
        current.language,
        chat_id=current.user.id,
        request=request,
    )
