"""The conversation that writes a confession: recipient, text, media, signature, preview."""

from __future__ import annotations

from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    Update,
)

from bot import after, callbacks, keyboards
from bot.context import Context, Turn, turn
from bot.i18n import t
from bot.media import chat_media
from bot.render import card_calls, deep_link, recipient_label
from bot.replies import StepNudge, answer_button, say, send_all
from core import drafts, lifecycle, pseudonyms, read_model, threads, users
from core.errors import WordsMayHurt
from core.outbox import ApiCall
from core.read_model import ConfessionView, awaits_share
from models import ComposeStep, Confession, Signature


async def on_new(update: Update, context: Context) -> None:
    """Start a confession, from /new or the menu button."""
    async with turn(update, context) as current:
        draft = await drafts.start(current.session, current.settings, current.user)
        replies = await next_prompt(current, draft)
    await answer_button(update)
    await send_all(context, replies)


async def on_private_message(update: Update, context: Context) -> None:
    """Any message in the private chat: a reply in a thread, or the next step of a draft."""
    message = update.effective_message
    assert message is not None
    async with turn(update, context) as current:
        if threads.is_replying(current.user):
            replies = await after.relay(message, current)
        else:
            replies = await _next_step(message, current)
    await send_all(context, replies)


async def _next_step(message: Message, current: Turn) -> list[ApiCall]:
    draft = await drafts.current(current.session, current.user)
    if draft is None:
        raise StepNudge("nudge.no_draft")
    step = draft.compose_step
    if step == ComposeStep.RECIPIENT:
        await _take_recipient(current, draft, message)
    elif step == ComposeStep.TEXT:
        await _take_text(current, draft, message)
    elif step == ComposeStep.MEDIA:
        await _take_media(current, draft, message)
    elif step == ComposeStep.HINT:
        await _take_hint(current, draft, message)
    else:
        raise StepNudge(f"nudge.{step}")
    return await next_prompt(current, draft)


async def _take_recipient(current: Turn, draft: Confession, message: Message) -> None:
    if message.users_shared and message.users_shared.users:
        shared = message.users_shared.users[0]
        recipient = await users.sync_user(
            current.session,
            users.TelegramIdentity(
                id=shared.user_id,
                first_name=shared.first_name or "",
                last_name=shared.last_name,
                username=shared.username,
            ),
        )
        await drafts.set_recipient(current.session, draft, recipient)
    elif message.text == keyboards.share_myself_label(current.language):
        await drafts.set_open_recipient(current.session, draft)
    elif message.text and message.text.strip().startswith("@"):
        await drafts.set_recipient_username(current.session, draft, current.user, message.text)
    else:
        raise StepNudge("nudge.recipient")


async def _take_text(current: Turn, draft: Confession, message: Message) -> None:
    if message.text is None:
        raise StepNudge("nudge.text")
    await drafts.set_text(
        current.session, draft, current.settings, text=message.text, text_html=message.text_html
    )


async def _take_media(current: Turn, draft: Confession, message: Message) -> None:
    media = chat_media(message)
    if media is None:
        raise StepNudge("nudge.media")
    await drafts.attach_chat_media(current.session, draft, current.settings, media)


async def _take_hint(current: Turn, draft: Confession, message: Message) -> None:
    if message.text is None:
        raise StepNudge("nudge.hint")
    await drafts.set_hint(current.session, draft, current.settings, message.text)


async def next_prompt(current: Turn, draft: Confession) -> list[ApiCall]:
    """What to ask for now that the draft is at its current step."""
    language, chat_id = current.language, current.user.id
    step = draft.compose_step
    if step == ComposeStep.PREVIEW:
        return await _preview(current, draft)
    if step == ComposeStep.RECIPIENT:
        return [
            say(chat_id, t(language, "compose.ask_recipient"), keyboards.recipient_picker(language))
        ]
    if step == ComposeStep.TEXT:
        limit = current.settings.confession_max_length
        return [say(chat_id, t(language, "compose.ask_text", limit=limit), ReplyKeyboardRemove())]
    if step == ComposeStep.MEDIA:
        return [say(chat_id, t(language, "compose.ask_media"), keyboards.skip_media(language))]
    if step == ComposeStep.SIGNATURE:
        markup = keyboards.signature_choice(current.user, language)
        return [say(chat_id, t(language, "compose.ask_signature"), markup)]
    limit = current.settings.hint_max_length
    return [say(chat_id, t(language, "compose.ask_hint", limit=limit))]


async def _preview(current: Turn, draft: Confession) -> list[ApiCall]:
    """The card exactly as the recipient will see it, with the controls under it."""
    await drafts.show_preview(current.session, draft)
    view = await read_model.view(current.session, draft)
    language, chat_id = current.language, current.user.id
    intro = t(language, "compose.preview_intro", to=recipient_label(view, language))
    controls = _with_mutual_choice(
        keyboards.preview_controls(current.settings, draft, language), draft, language
    )
    return [
        say(chat_id, intro, ReplyKeyboardRemove()),
        *card_calls(
            view,
            language,
            chat_id=chat_id,
            markup=controls,
            pseudonym=pseudonyms.for_view(current.settings, view, language),
        ),
    ]


async def on_skip_media(update: Update, context: Context) -> None:
    """The sender has no photo or video to add."""
    async with turn(update, context) as current:
        draft = await drafts.require(current.session, current.user)
        if draft.compose_step != ComposeStep.MEDIA:
            await answer_button(update)  # a stale button: nothing to do
            return
        await drafts.skip_media(current.session, draft)
        replies = await next_prompt(current, draft)
    await answer_button(update)
    await send_all(context, replies)


async def on_signature(update: Update, context: Context) -> None:
    """Anonymous, anonymous with a hint, or signed."""
    query = update.callback_query
    assert query is not None
    async with turn(update, context) as current:
        draft = await drafts.require(current.session, current.user)
        if draft.compose_step != ComposeStep.SIGNATURE:
            await answer_button(update)  # a stale button: nothing to do
            return
        choice = Signature(callbacks.argument(query.data))
        await drafts.choose_signature(current.session, draft, choice)
        replies = await next_prompt(current, draft)
    await answer_button(update)
    await send_all(context, replies)


async def on_edit_text(update: Update, context: Context) -> None:
    """Back from the preview to the words."""
    async with turn(update, context) as current:
        draft = await drafts.require(current.session, current.user)
        await drafts.go_to_step(current.session, draft, ComposeStep.TEXT)
        replies = await next_prompt(current, draft)
    await answer_button(update)
    await send_all(context, replies)


async def on_edit_recipient(update: Update, context: Context) -> None:
    """Back from the preview to who it is for."""
    async with turn(update, context) as current:
        draft = await drafts.require(current.session, current.user)
        await drafts.go_to_step(current.session, draft, ComposeStep.RECIPIENT)
        replies = await next_prompt(current, draft)
    await answer_button(update)
    await send_all(context, replies)


async def on_send(update: Update, context: Context) -> None:
    """Seal it: queued for the bot to deliver, or a share card when the bot cannot."""
    query = update.callback_query
    confirmed = callbacks.argument(query.data if query else None) or None
    async with turn(update, context) as current:
        draft = await drafts.require(current.session, current.user)
        try:
            view = await lifecycle.send(
                current.session, current.settings, draft, current.user, words_confirmed=confirmed
            )
        except WordsMayHurt as asked:
            reply = _reconsider(current, str(asked.details["confirm"]))
        else:
            reply = _sent(context, current, view)
    await answer_button(update)
    await send_all(context, [reply])


def _sent(context: Context, current: Turn, view: ConfessionView) -> ApiCall:
    language, chat_id = current.language, current.user.id
    to = recipient_label(view, language)
    if awaits_share(view.confession, view.recipient):
        link = deep_link(context.bot.username, view.confession)
        text = t(language, "sent.share", to=to, link=escape(link))
        return say(chat_id, text, keyboards.share_card(view.confession, link, language))
    return say(chat_id, t(language, "sent.queued", to=to))


def _reconsider(current: Turn, confirm: str) -> ApiCall:
    """Words from the operator's list: asked once, with Send anyway (for these very words)
    and Edit."""
    markup = keyboards.reconsider(confirm, current.language)
    return say(current.user.id, t(current.language, "reconsider.ask"), markup)


async def on_cancel(update: Update, context: Context) -> None:
    """/cancel or the Cancel button: the draft is dropped, nothing is sent."""
    async with turn(update, context) as current:
        await threads.stop(current.session, current.user)
        had_draft = await drafts.discard(current.session, current.user)
        key = "cancel.done" if had_draft else "cancel.nothing"
        reply = say(current.user.id, t(current.language, key), ReplyKeyboardRemove())
    await answer_button(update)
    await send_all(context, [reply])


def _with_mutual_choice(
    controls: InlineKeyboardMarkup, draft: Confession, language: str | None
) -> InlineKeyboardMarkup:
    """Whether to be named if they confess back the same way: off until the sender says so."""
    key = "mutual.toggle_on" if draft.reveal_if_mutual else "mutual.toggle_off"
    toggle = InlineKeyboardButton(t(language, key), callback_data=callbacks.MUTUAL)
    rows = list(controls.inline_keyboard)
    return InlineKeyboardMarkup([rows[0], [toggle], *rows[1:]])


async def on_mutual(update: Update, context: Context) -> None:
    """The preview's toggle: be named if it turns out mutual, or stay anonymous even then."""
    async with turn(update, context) as current:
        draft = await drafts.require(current.session, current.user)
        await lifecycle.agree_to_mutual_reveal(
            current.session, draft.public_id, current.user, not draft.reveal_if_mutual
        )
        replies = await next_prompt(current, draft)
    await answer_button(update, t(current.language, "mutual.explain"))
    await send_all(context, replies)
