"""Greeting, help, the list of one's confessions, and arriving through a share link."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from bot import keyboards
from bot.context import Context, turn
from bot.i18n import t
from bot.render import recipient_label, status_label
from bot.replies import answer_button, say, send_all
from core import confessions, moderation, users
from core.confessions import SHARE_PREFIX
from core.errors import NotForYou, NotFound, NotYourOwn, Withdrawn
from core.outbox import ApiCall
from models import User


async def on_start(update: Update, context: Context) -> None:
    """/start, or /start c_<id> from a share link."""
    payload = context.args[0] if context.args else ""
    async with turn(update, context) as current:
        await users.mark_started(current.session, current.user)
        language, chat_id = current.language, current.user.id
        if payload.startswith(SHARE_PREFIX):
            replies = [await _arrive_by_link(current.session, current.user, payload)]
        else:
            waiting = await confessions.deliver_waiting(current.session, current.user)
            replies = [
                say(
                    chat_id,
                    t(language, "start.welcome"),
                    keyboards.main_menu(current.settings, language),
                )
            ]
            if waiting:
                replies.append(say(chat_id, t(language, "start.waiting", count=waiting)))
    await send_all(context, replies)


async def _arrive_by_link(session: AsyncSession, user: User, payload: str) -> ApiCall:
    """The person the link was meant for gets the confession; anyone else a kind no."""
    language = user.language_code
    try:
        await confessions.open_shared(session, payload.removeprefix(SHARE_PREFIX), user)
    except NotYourOwn:
        return say(user.id, t(language, "link.own"))
    except NotForYou:
        return say(user.id, t(language, "link.not_for_you"))
    except Withdrawn:
        return say(user.id, t(language, "link.withdrawn"))
    except NotFound:
        return say(user.id, t(language, "link.unknown"))
    return say(user.id, t(language, "link.welcome"))


async def on_help(update: Update, context: Context) -> None:
    """/help: what the bot does and how anonymity works."""
    async with turn(update, context) as current:
        reply = say(
            current.user.id,
            t(current.language, "help.text", limit=current.settings.confession_max_length),
        )
    await send_all(context, [reply])


async def on_my(update: Update, context: Context) -> None:
    """/my: what one has sent and received, with where each stands."""
    await answer_button(update)
    async with turn(update, context) as current:
        language = current.language
        lines = [t(language, "my.sent_title")]
        sent = await confessions.list_for(current.session, current.user, box="sent")
        for confession in sent:
            view = await confessions.view(current.session, confession)
            lines.append(
                t(
                    language,
                    "my.sent_item",
                    to=recipient_label(view, language),
                    status=status_label(confession, language),
                )
            )
        if not sent:
            lines.append(t(language, "my.none"))
        lines += ["", t(language, "my.received_title")]
        received = await confessions.list_for(current.session, current.user, box="received")
        lines += [
            t(
                language,
                "my.received_item",
                status=status_label(confession, language),
                date=confession.created_at.strftime("%d.%m.%Y"),
            )
            for confession in received
        ] or [t(language, "my.none")]
        blocks = await moderation.blocks_of(current.session, current.user)
        markup = keyboards.main_menu(current.settings, language)
        if blocks:
            lines += ["", t(language, "my.blocked", count=len(blocks))]
            markup = keyboards.unblock_buttons(blocks, language, below=markup)
        reply = say(current.user.id, "\n".join(lines), markup)
    await send_all(context, [reply])
