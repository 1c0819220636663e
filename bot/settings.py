"""The recipient's own rules, in the chat: who may send, the word filter, and what was held."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.context import Context, Turn
from bot.handler import Answer, handler
from bot.i18n import t
from bot.render import request_markup
from bot.replies import say
from core import consent, pseudonyms
from core.consent import FILTER_WORDS_MAX, Held
from core.outbox import ApiCall
from models import HoldReason, Preferences, Signature, WhoMaySend

CHOICES = (WhoMaySend.EVERYONE, WhoMaySend.THREADS, WhoMaySend.NOBODY)
HELD_ICONS = {HoldReason.REQUEST: "🙋", HoldReason.FILTER: "🙈", HoldReason.SETTING: "⏸"}


@handler
async def on_settings(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """/settings: who may send you confessions, and your word filter."""
    return [await _screen(current)]


@handler
async def on_choice(update: Update, context: Context, current: Turn) -> Answer:
    """A button of the settings screen: who may send, or a filter word taken off."""
    action, _, value = callbacks.argument(_data(update)).partition(":")
    if action == "who":
        await consent.update_preferences(
            current.session, current.user, who_may_send=WhoMaySend(value)
        )
    elif action == "rm":
        await consent.remove_filter_word(current.session, current.user, value)
    return Answer([await _screen(current)], t(current.language, "settings.saved"))


@handler
async def on_filter(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """/filter word, another word: added to the list that holds confessions back."""
    words = " ".join(context.args or [])
    if words.strip():
        await consent.add_filter_words(current.session, current.user, words)
    return [await _screen(current)]


async def _screen(current: Turn) -> ApiCall:
    language = current.language
    preferences = await consent.preferences_of(current.session, current.user.id)
    held = await consent.held_count(current.session, current.user)
    words = ", ".join(escape(word) for word in preferences.filter_words) or t(
        language, "settings.no_words"
    )
    text = t(
        language,
        "settings.text",
        who=t(language, f"settings.who_{preferences.who_may_send.value}"),
        words=words,
        count=len(preferences.filter_words),
        max=FILTER_WORDS_MAX,
    )
    return say(current.user.id, text, _screen_markup(preferences, held, language))


def _screen_markup(
    preferences: Preferences, held: int, language: str | None
) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if choice == preferences.who_may_send else "")
                + t(language, f"settings.button_{choice.value}"),
                callback_data=callbacks.settings("who", choice.value),
            )
        ]
        for choice in CHOICES
    ]
    rows += [
        [
            InlineKeyboardButton(
                t(language, "settings.remove_word", word=word),
                callback_data=callbacks.settings("rm", word),
            )
        ]
        for word in preferences.filter_words
        if len(callbacks.settings("rm", word).encode()) <= 64
    ]
    rows.append(
        [InlineKeyboardButton(t(language, "held.button", count=held), callback_data=callbacks.HELD)]
    )
    return InlineKeyboardMarkup(rows)


@handler
async def on_held(update: Update, context: Context, current: Turn) -> Answer:
    """The held list, or one item of it: a request to answer, or something shown now."""
    argument = callbacks.argument(_data(update))
    if not argument:
        return Answer([await _held_list(current)])
    replies, toast = await _open_held(current, int(argument))
    return Answer(replies, toast)


async def _held_list(current: Turn) -> ApiCall:
    language = current.language
    items = await consent.held_for(current.session, current.user)
    rows = [
        [
            InlineKeyboardButton(
                _held_label(current, held), callback_data=callbacks.held(held.item.id or 0)
            )
        ]
        for held in items[:20]
    ]
    key = "held.title" if items else "held.empty"
    return say(current.user.id, t(language, key), InlineKeyboardMarkup(rows) if rows else None)


def _held_label(current: Turn, held: Held) -> str:
    language = current.language
    confession = held.confession
    who = (
        t(language, "held.signed")
        if confession.signature == Signature.SIGNED or confession.matched_at is not None
        else pseudonyms.pseudonym(
            current.settings,
            sender_id=confession.sender_id,
            recipient_id=current.user.id,
            language=language,
        )
    )
    what = t(language, "held.reply" if held.reply else f"held.{held.item.reason.value}")
    when = f"{held.item.created_at:%d.%m.%Y}"
    return f"{HELD_ICONS[held.item.reason]} {what} · {who} · {when}"


async def _open_held(current: Turn, held_id: int) -> tuple[list[ApiCall], str | None]:
    language = current.language
    items = {held.item.id: held for held in await consent.held_for(current.session, current.user)}
    held = items.get(held_id)
    if held is not None and held.item.reason == HoldReason.REQUEST and held.reply is None:
        who = pseudonyms.pseudonym(
            current.settings,
            sender_id=held.confession.sender_id,
            recipient_id=current.user.id,
            language=language,
        )
        text = (
            t(language, "consent.request")
            + "\n"
            + t(language, "pseudonym.from", pseudonym=escape(who))
        )
        return [say(current.user.id, text, request_markup(held.confession, language))], None
    await consent.release(current.session, current.user, held_id)
    return [], t(language, "held.released")


@handler
async def on_answer_request(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Accept or Decline under a request: accepted, the confession follows; declined, it
    stays unread, and its sender sees exactly what an unopened one shows."""
    query = update.callback_query
    assert query is not None
    accepted = (query.data or "").startswith(callbacks.ACCEPT + ":")
    await consent.answer_request(
        current.session, callbacks.argument(query.data), current.user, accepted=accepted
    )
    key = "consent.accepted" if accepted else "consent.declined"
    if query.message is None:
        return []
    edit = {
        "chat_id": current.user.id,
        "message_id": query.message.message_id,
        "text": t(current.language, key),
        "parse_mode": "HTML",
    }
    return [ApiCall("editMessageText", edit)]


def _data(update: Update) -> str | None:
    return update.callback_query.data if update.callback_query else None
