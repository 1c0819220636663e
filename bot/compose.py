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
from bot.context import Context, Turn
from bot.handler import Answer, handler, keyboard_gone, keyboard_now, prompt_gone, step_prompt
from bot.i18n import t
from bot.media import chat_media
from bot.render import card_calls, deep_link, recipient_label
from bot.replies import StepNudge, say
from core import drafts, lifecycle, pseudonyms, read_model, threads, users
from core.errors import InvalidInput, WordsMayHurt, WrongState
from core.outbox import ApiCall
from core.read_model import ConfessionView, awaits_share
from models import ComposeStep, Confession, Signature


@handler
async def on_new(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Start a confession, from /new or the menu button."""
    draft = await drafts.start(current.session, current.settings, current.user)
    return [*await next_prompt(current, draft), *await prompt_gone(update, current)]


@handler
async def on_private_message(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Any message in the private chat: a reply in a thread, or the next step of a draft."""
    message = update.effective_message
    assert message is not None
    if threads.is_replying(current.user):
        return await after.relay(message, current)
    return [*await _next_step(message, current), *await prompt_gone(update, current)]


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
        markup = keyboards.skip_media(draft, language)
        return step_prompt([say(chat_id, t(language, "compose.ask_media"), markup)])
    if step == ComposeStep.SIGNATURE:
        markup = keyboards.signature_choice(draft, current.user, language)
        return step_prompt([say(chat_id, t(language, "compose.ask_signature"), markup)])
    limit = current.settings.hint_max_length
    return [say(chat_id, t(language, "compose.ask_hint", limit=limit))]


async def _preview(current: Turn, draft: Confession) -> list[ApiCall]:
    """The card exactly as the recipient will see it, with the controls under it."""
    await drafts.show_preview(current.session, draft)
    view = await read_model.view(current.session, draft)
    language, chat_id = current.language, current.user.id
    intro = t(language, "compose.preview_intro", to=recipient_label(view, language))
    controls = _controls(current, draft)
    return [
        say(chat_id, intro, ReplyKeyboardRemove()),
        *step_prompt(
            card_calls(
                view,
                language,
                chat_id=chat_id,
                markup=controls,
                pseudonym=pseudonyms.for_view(current.settings, view, language),
            )
        ),
    ]


async def _pressed_draft(
    current: Turn, update: Update, *steps: ComposeStep
) -> tuple[Confession, str]:
    """The draft a button of the conversation names, with what the button adds, when that
    draft is still being written and at a step where the button means something. Anything
    else is a button whose moment has passed: sent, cancelled, replaced by a new draft, or
    a step already done."""
    query = update.callback_query
    draft_id, rest = callbacks.draft_argument(query.data if query else None)
    draft = await drafts.current(current.session, current.user)
    if (
        draft is None
        or (draft_id and draft_id != draft.public_id)
        or (steps and draft.compose_step not in steps)
    ):
        raise WrongState()
    return draft, rest


@handler
async def on_skip_media(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """The sender has no photo or video to add."""
    draft, _ = await _pressed_draft(current, update, ComposeStep.MEDIA)
    await drafts.skip_media(current.session, draft)
    return [
        *keyboard_gone(update),
        *await next_prompt(current, draft),
        *await prompt_gone(update, current),
    ]


@handler
async def on_signature(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Anonymous, anonymous with a hint, or signed."""
    draft, value = await _pressed_draft(current, update, ComposeStep.SIGNATURE)
    if value not in set(Signature):
        raise InvalidInput()
    await drafts.choose_signature(current.session, draft, Signature(value))
    return [
        *keyboard_gone(update),
        *await next_prompt(current, draft),
        *await prompt_gone(update, current),
    ]


@handler
async def on_edit_text(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Back from the preview to the words; a new preview follows them."""
    draft, _ = await _pressed_draft(current, update, ComposeStep.PREVIEW)
    await drafts.go_to_step(current.session, draft, ComposeStep.TEXT)
    return [
        *keyboard_gone(update),
        *await next_prompt(current, draft),
        *await prompt_gone(update, current),
    ]


@handler
async def on_edit_recipient(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Back from the preview to who it is for; a new preview follows."""
    draft, _ = await _pressed_draft(current, update, ComposeStep.PREVIEW)
    await drafts.go_to_step(current.session, draft, ComposeStep.RECIPIENT)
    return [
        *keyboard_gone(update),
        *await next_prompt(current, draft),
        *await prompt_gone(update, current),
    ]


@handler
async def on_send(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """Seal it: queued for the bot to deliver, or a share card when the bot cannot."""
    draft, confirmed = await _pressed_draft(current, update, ComposeStep.PREVIEW)
    try:
        view = await lifecycle.send(
            current.session,
            current.settings,
            draft,
            current.user,
            words_confirmed=confirmed or None,
        )
    except WordsMayHurt as asked:
        return [_reconsider(current, draft, str(asked.details["confirm"]))]
    return [
        *keyboard_gone(update),
        _sent(context, current, view),
        *await prompt_gone(update, current),
    ]


def _sent(context: Context, current: Turn, view: ConfessionView) -> ApiCall:
    language, chat_id = current.language, current.user.id
    to = recipient_label(view, language)
    if awaits_share(view.confession, view.recipient):
        link = deep_link(context.bot.username, view.confession)
        text = t(language, "sent.share", to=to, link=escape(link))
        return say(chat_id, text, keyboards.share_card(view.confession, link, language))
    return say(chat_id, t(language, "sent.queued", to=to))


def _reconsider(current: Turn, draft: Confession, confirm: str) -> ApiCall:
    """Words from the operator's list: asked once, with Send anyway (for these very words)
    and Edit."""
    markup = keyboards.reconsider(draft, confirm, current.language)
    return say(current.user.id, t(current.language, "reconsider.ask"), markup)


@handler
async def on_cancel(update: Update, context: Context, current: Turn) -> list[ApiCall]:
    """/cancel or a Cancel button: the draft (or the reply being written) is dropped.

    The preview's Cancel names its draft: once that one is sent or replaced, it is stale."""
    query = update.callback_query
    if query is not None and callbacks.draft_argument(query.data)[0]:
        await _pressed_draft(current, update)
    await threads.stop(current.session, current.user)
    had_draft = await drafts.discard(current.session, current.user)
    key = "cancel.done" if had_draft else "cancel.nothing"
    reply = say(current.user.id, t(current.language, key), ReplyKeyboardRemove())
    return [*keyboard_gone(update), reply, *await prompt_gone(update, current)]


def _with_mutual_choice(
    controls: InlineKeyboardMarkup, draft: Confession, language: str | None
) -> InlineKeyboardMarkup:
    """Whether to be named if they confess back the same way: off until the sender says so."""
    key = "mutual.toggle_on" if draft.reveal_if_mutual else "mutual.toggle_off"
    toggle = InlineKeyboardButton(
        t(language, key), callback_data=callbacks.for_draft(callbacks.MUTUAL, draft)
    )
    rows = list(controls.inline_keyboard)
    return InlineKeyboardMarkup([rows[0], [toggle], *rows[1:]])


def _controls(current: Turn, draft: Confession) -> InlineKeyboardMarkup:
    """What can be done with the preview: send, edit, customise, the mutual choice, cancel."""
    language = current.language
    return _with_mutual_choice(
        keyboards.preview_controls(current.settings, draft, language), draft, language
    )


@handler
async def on_mutual(update: Update, context: Context, current: Turn) -> Answer:
    """The preview's toggle: be named if it turns out mutual, or stay anonymous even then.
    The preview's buttons change in place; the preview itself is still the one to send."""
    draft, _ = await _pressed_draft(current, update, ComposeStep.PREVIEW)
    await lifecycle.agree_to_mutual_reveal(
        current.session,
        current.settings,
        draft.public_id,
        current.user,
        not draft.reveal_if_mutual,
    )
    replies = keyboard_now(update, _controls(current, draft)) or await next_prompt(current, draft)
    return Answer(replies, t(current.language, "mutual.explain"))
