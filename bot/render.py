"""How confessions and notices look in Telegram, as Bot API calls.

Both the conversation (preview, reveal) and the outbox worker (delivery, notices) send
what is rendered here, so the recipient sees exactly what the sender previewed.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot import callbacks
from bot.calls import fits_caption, say, send_media
from bot.i18n import t
from core import pseudonyms, styles
from core.outbox import ApiCall
from core.read_model import (
    SHARE_PREFIX,
    ConfessionView,
    Permissions,
    ReaderView,
    Role,
    permissions,
)
from core.settings import Settings
from models import Confession, Reply, Signature


def deep_link(bot_username: str, confession: Confession) -> str:
    return f"https://t.me/{bot_username}?start={SHARE_PREFIX}{confession.public_id}"


def mini_app_url(
    settings: Settings, screen: str, confession: Confession | None = None
) -> str | None:
    """Where a screen of the mini app opens; the query survives the fragment Telegram adds."""
    if settings.mini_app_url is None:
        return None
    query = f"?screen={screen}" + (f"&c={confession.public_id}" if confession else "")
    return settings.mini_app_url + query


def mini_app_button(
    settings: Settings, label: str, screen: str, confession: Confession | None = None
) -> InlineKeyboardButton | None:
    """A `web_app` button, when the mini app has a public HTTPS address to open."""
    url = mini_app_url(settings, screen, confession)
    return None if url is None else InlineKeyboardButton(label, web_app=WebAppInfo(url=url))


def signature_line(view: ConfessionView, language: str | None, pseudonym: str | None) -> str:
    confession = view.confession
    if view.sender_shown:
        return t(language, "card.signed", name=escape(view.sender.display_name))
    hinted = confession.signature == Signature.HINT and confession.hint
    if pseudonym:
        line = t(language, "pseudonym.card", pseudonym=escape(pseudonym))
        if hinted:
            line += t(language, "pseudonym.hint_part", hint=escape(confession.hint or ""))
        return line
    if hinted:
        return t(language, "card.hint", hint=escape(confession.hint or ""))
    return t(language, "card.anonymous")


def card_text(view: ConfessionView, language: str | None, pseudonym: str | None = None) -> str:
    """The confession as its recipient reads it once revealed, its sender by pseudonym."""
    return "\n\n".join(
        (
            t(language, "card.title"),
            view.confession.text_html,
            signature_line(view, language, pseudonym),
        )
    )


def card_calls(
    view: ConfessionView,
    language: str | None,
    *,
    chat_id: int,
    markup: InlineKeyboardMarkup | None = None,
    pseudonym: str | None = None,
) -> list[ApiCall]:
    """The card, with its photo or video when it has one; buttons go on the last message."""
    text = card_text(view, language, pseudonym)
    media = view.media
    if media is None or media.telegram_file_id is None:
        return [say(chat_id, text, markup)]
    if not fits_caption(media.kind, text):
        return [
            send_media(chat_id, media.kind, media.telegram_file_id),
            say(chat_id, text, markup),
        ]
    return [send_media(chat_id, media.kind, media.telegram_file_id, caption=text, markup=markup)]


def delivery_markup(
    settings: Settings, confession: Confession, language: str | None
) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            t(language, "button.reveal"), callback_data=callbacks.reveal(confession)
        )
    ]
    open_button = mini_app_button(settings, t(language, "button.open"), "reveal", confession)
    if open_button is not None:
        row.append(open_button)
    return InlineKeyboardMarkup([row])


def arrival_markup(
    settings: Settings, confession: Confession, language: str | None, *, request: bool
) -> InlineKeyboardMarkup | None:
    """Under a confession not opened yet: Accept when it is a request, else Reveal; nothing
    once the domain says it can no longer be opened."""
    if not permissions(confession, Role.RECIPIENT).reveal:
        return None
    if request:
        return request_markup(confession, language)
    return delivery_markup(settings, confession, language)


def request_markup(confession: Confession, language: str | None) -> InlineKeyboardMarkup:
    """Under a stranger's first confession: only Accept lets it in."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "consent.accept"), callback_data=callbacks.accept(confession)
                ),
                InlineKeyboardButton(
                    t(language, "consent.decline"), callback_data=callbacks.decline(confession)
                ),
            ]
        ]
    )


def revealed_markup(
    confession: Confession,
    language: str | None,
    can: Permissions,
    *,
    chosen: str | None = None,
) -> InlineKeyboardMarkup:
    """Under the revealed card: a reaction in one tap (the one chosen marked), a reply, and
    the way out."""
    rows: list[list[InlineKeyboardButton]] = []
    if can.react:
        rows.append(
            [
                InlineKeyboardButton(
                    f"{kind.emoji} ✓" if kind.id == chosen else kind.emoji,
                    callback_data=callbacks.react(confession, kind.id),
                )
                for kind in styles.REACTIONS
            ]
        )
    if can.reply:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "button.reply"), callback_data=callbacks.reply(confession)
                )
            ]
        )
    way_out = []
    if can.block:
        way_out.append(
            InlineKeyboardButton(
                t(language, "button.block"), callback_data=callbacks.block(confession)
            )
        )
    if can.report:
        way_out.append(
            InlineKeyboardButton(
                t(language, "button.report"), callback_data=callbacks.report(confession)
            )
        )
    if way_out:
        rows.append(way_out)
    return InlineKeyboardMarkup(rows)


def reply_markup_for(
    confession: Confession, language: str | None, can: Permissions
) -> InlineKeyboardMarkup:
    """Under a relayed message: answer it; the sender may also say who they are."""
    rows = []
    if can.reply:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "button.answer"), callback_data=callbacks.reply(confession)
                )
            ]
        )
    if can.sign:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "button.sign"), callback_data=callbacks.sign(confession)
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def delivery_text(
    view: ConfessionView,
    language: str | None,
    pseudonym: str | None = None,
    *,
    request: bool = False,
) -> str:
    """ "Someone has a confession for you", or, for a stranger's first, a request to accept."""
    text = t(language, "consent.request" if request else "delivery.text")
    if pseudonym:
        text += "\n" + t(language, "pseudonym.from", pseudonym=escape(pseudonym))
    if view.confession.signature == Signature.HINT and view.confession.hint:
        text += "\n\n" + t(language, "delivery.hint", hint=escape(view.confession.hint))
    return text


def status_label(confession: Confession, language: str | None) -> str:
    return t(language, f"status.{confession.status.value}")


def recipient_label(view: ConfessionView, language: str | None) -> str:
    if view.recipient is not None:
        return escape(view.recipient.display_name)
    if view.confession.recipient_username_key:
        return escape("@" + view.confession.recipient_username_key)
    return t(language, "recipient.open")


def item_label(reader: ReaderView, language: str | None, *, answered: bool) -> str:
    """A button in /my: plain text, since buttons show no formatting."""
    confession = reader.confession
    status = t(language, "status.answered") if answered else status_label(confession, language)
    if reader.role == Role.SENDER:
        to = reader.view.recipient.display_name if reader.view.recipient else "🔗"
        return f"📤 {to} · {status}"
    return f"📥 {confession.created_at:%d.%m.%Y} · {status}"


def thread_text(
    reader: ReaderView, replies: list[Reply], language: str | None, pseudonym: str | None = None
) -> str:
    """The thread so far, each side named as this reader may know it."""
    lines = [t(language, "thread.title")]
    for reply in replies[-10:]:
        mine = reply.from_sender == (reader.role == Role.SENDER)
        if mine:
            who = t(language, "thread.you")
        elif reply.from_sender:
            who = (
                escape(reader.view.sender.display_name)
                if reader.view.sender_shown
                else escape(pseudonym or t(language, "thread.anonymous"))
            )
        else:
            who = recipient_label(reader.view, language)
        lines.append(f"<b>{who}:</b> {reply.text_html or '📎'}")
    return "\n".join(lines)


def opened_view(
    settings: Settings,
    reader: ReaderView,
    replies: list[Reply],
    language: str | None,
    *,
    chat_id: int,
    request: bool = False,
) -> list[ApiCall]:
    """A confession opened from /my, with what this reader can do with it."""
    confession = reader.confession
    pseudonym = pseudonyms.shown_to(settings, reader, language)
    if not reader.content_visible:
        markup = arrival_markup(settings, confession, language, request=request)
        text = delivery_text(reader.view, language, pseudonym, request=request)
        text += "\n\n" + status_label(confession, language)
        calls = [say(chat_id, text, markup)]
    else:
        markup = (
            sender_markup(settings, reader, language)
            if reader.role == Role.SENDER
            else revealed_markup(confession, language, reader.can, chosen=reader.reaction)
        )
        calls = card_calls(
            reader.view, language, chat_id=chat_id, markup=markup, pseudonym=pseudonym
        )
    if replies:
        calls.append(say(chat_id, thread_text(reader, replies, language, pseudonym)))
    return calls


def sender_markup(
    settings: Settings, reader: ReaderView, language: str | None
) -> InlineKeyboardMarkup | None:
    """The sender's own actions on it, as far as the domain allows: customise, withdraw,
    sign, reply."""
    confession, can = reader.confession, reader.can
    rows: list[list[InlineKeyboardButton]] = []
    if can.edit:
        customise = mini_app_button(settings, t(language, "button.customise"), "edit", confession)
        if customise is not None:
            rows.append([customise])
    if can.withdraw:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "button.withdraw"), callback_data=callbacks.withdraw(confession)
                )
            ]
        )
    if can.sign:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "button.sign"), callback_data=callbacks.sign(confession)
                )
            ]
        )
    if can.reply:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "button.answer"), callback_data=callbacks.reply(confession)
                )
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None
