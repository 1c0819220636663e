"""Composing a confession step by step; every step is stored, so any process can continue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from core import safety, users
from core.errors import (
    BadRecipient,
    MediaNotAllowed,
    MediaTooLarge,
    NoDraft,
    SelfRecipient,
)
from core.settings import Settings
from core.text import clean_user_text
from models import (
    ComposeStep,
    Confession,
    ConfessionStatus,
    ConfessionStyle,
    Media,
    Signature,
    User,
)
from models.db import Along, delete_in, execute_in, get_in, insert_in, update_in
from models.types import utcnow

COMPOSING = "compose"
IN_PROGRESS = Along(Confession, User.chat_state_ref, User.chat_state == COMPOSING)
"""The draft a sender is composing in the chat, read with the sender as a turn begins
(`users.sync_user`): most turns of a composition go on to read it (`current`), and then
find it in their session instead of costing a round trip of their own."""
CHAT_MEDIA_KINDS = frozenset({"photo", "video", "animation", "voice", "video_note"})
VIDEO_KINDS = frozenset({"video", "animation", "video_note"})


@dataclass(frozen=True, slots=True)
class ChatMedia:
    """A file sent in the chat, known by Telegram's ids until the media store fetches it."""

    kind: str
    file_id: str
    file_unique_id: str
    size_bytes: int | None = None
    content_type: str | None = None


async def start(session: AsyncSession, settings: Settings, sender: User) -> Confession:
    """A fresh draft; an unfinished one is discarded, as the sender asked for a new start.
    A banned user gets no draft at all. Its look is the default one, which needs no row,
    until the sender picks another (`editing.set_style`)."""
    await safety.refuse_if_banned(session, settings, sender.id)
    unfinished = await current(session, sender)
    if unfinished is not None:
        return await _start_over(session, unfinished)
    await _delete_drafts(session, sender)
    draft = await insert_in(
        session, Confession, sender_id=sender.id, compose_step=ComposeStep.RECIPIENT
    )
    assert draft.id is not None
    await users.change_chat_state(session, sender, COMPOSING, draft.id)
    return draft


async def _start_over(session: AsyncSession, draft: Confession) -> Confession:
    """The draft in progress made a fresh one in its own row: every column as a new draft's
    (a new public id, so a link to the old one finds nothing), its look the default again.
    Deleting it and inserting another cost a transaction of its own, and the DELETE checks
    every table that refers to confessions; these two writes ride in the turn's last one.
    A sender has no other draft: each start drops the rest (`_delete_drafts`)."""
    fresh = Confession(sender_id=draft.sender_id, compose_step=ComposeStep.RECIPIENT)
    await update_in(session, draft, **{name: getattr(fresh, name) for name in _AS_NEW})
    assert draft.id is not None
    await delete_in(session, ConfessionStyle, draft.id)
    return draft


_AS_NEW = tuple(name for name in Confession.model_fields if name != "id")


async def current(session: AsyncSession, sender: User) -> Confession | None:
    if sender.chat_state != COMPOSING or sender.chat_state_ref is None:
        return None
    draft = await get_in(session, Confession, sender.chat_state_ref)
    if draft is None or draft.status != ConfessionStatus.DRAFT or draft.sender_id != sender.id:
        return None
    return draft


async def require(session: AsyncSession, sender: User) -> Confession:
    draft = await current(session, sender)
    if draft is None:
        raise NoDraft()
    return draft


async def discard(session: AsyncSession, sender: User) -> bool:
    """Drop the sender's drafts; True when there was one in progress."""
    had_draft = await current(session, sender) is not None
    await _delete_drafts(session, sender)
    if sender.chat_state == COMPOSING:
        await users.change_chat_state(session, sender, None)
    return had_draft


DRAFTS_OF = delete(Confession).where(
    col(Confession.sender_id) == bindparam("sender_id"),
    col(Confession.status) == ConfessionStatus.DRAFT,
)


async def _delete_drafts(session: AsyncSession, sender: User) -> None:
    """Every draft of the sender's; their styles go with them (ON DELETE CASCADE). The
    session lets go of the ones it holds, as the gone rows they are."""
    await execute_in(session, DRAFTS_OF, {"sender_id": sender.id})
    for held in list(session.identity_map.values()):
        if (
            isinstance(held, Confession)
            and held.sender_id == sender.id
            and held.status == ConfessionStatus.DRAFT
        ):
            session.expunge(held)


async def _write(session: AsyncSession, draft: Confession, **values: object) -> Confession:
    """A step's changes to the draft, stamped and written at once (`update_in`)."""
    await update_in(session, draft, **values, updated_at=utcnow())
    return draft


async def _advance(
    session: AsyncSession, draft: Confession, natural_next: ComposeStep, **values: object
) -> Confession:
    """Write a step's values and go on to the next step, or back to the preview when the
    sender was only fixing a part."""
    step = ComposeStep.PREVIEW if draft.compose_review else natural_next
    return await _write(session, draft, **values, compose_step=step)


async def set_recipient(session: AsyncSession, draft: Confession, recipient: User) -> Confession:
    if recipient.id == draft.sender_id:
        raise SelfRecipient()
    return await _advance(
        session,
        draft,
        ComposeStep.TEXT,
        recipient_id=recipient.id,
        recipient_username_key=None,
    )


async def set_recipient_username(
    session: AsyncSession, draft: Confession, sender: User, username: str
) -> Confession:
    """A typed @username: the person if we know them, else kept until they open the link."""
    key = users.username_key(username)
    if not _is_username(key) or key.endswith("bot"):
        raise BadRecipient()
    if key == sender.username_key:
        raise SelfRecipient()
    known = await users.find_by_username(session, key)
    if known is not None:
        return await set_recipient(session, draft, known)
    return await _advance(
        session, draft, ComposeStep.TEXT, recipient_id=None, recipient_username_key=key
    )


def _is_username(key: str) -> bool:
    return 5 <= len(key) <= 32 and key[0].isalpha() and all(c.isalnum() or c == "_" for c in key)


async def set_open_recipient(session: AsyncSession, draft: Confession) -> Confession:
    """No one fixed: whoever first opens the shared link receives it."""
    return await _advance(
        session, draft, ComposeStep.TEXT, recipient_id=None, recipient_username_key=None
    )


def check_text(settings: Settings, text: str) -> str:
    """The one rule for a confession's words and a reply's, wherever they are written."""
    return clean_user_text(text, limit=settings.confession_max_length)


def check_hint(settings: Settings, hint: str) -> str:
    """As for the words, then trimmed: the hint is one short line under the card."""
    return clean_user_text(hint, limit=settings.hint_max_length).strip()


async def set_text(
    session: AsyncSession, draft: Confession, settings: Settings, *, text: str, text_html: str
) -> Confession:
    return await _advance(
        session,
        draft,
        ComposeStep.MEDIA,
        text=check_text(settings, text),
        text_html=text_html,
    )


def check_chat_media(settings: Settings, media: ChatMedia) -> ChatMedia:
    """The kinds the bot accepts in the chat, within Telegram's and our size limits."""
    if media.kind not in CHAT_MEDIA_KINDS:
        raise MediaNotAllowed()
    limit = (
        settings.media_max_video_bytes
        if media.kind in VIDEO_KINDS
        else settings.media_max_image_bytes
    )
    if media.size_bytes is not None and media.size_bytes > limit:
        raise MediaTooLarge(limit_mb=limit // (1024 * 1024))
    return media


async def keep_chat_media(session: AsyncSession, owner_id: int, media: ChatMedia) -> Media:
    """A chat file known by Telegram's ids; its bytes are fetched when the mini app needs them."""
    stored = Media(
        owner_id=owner_id,
        kind=media.kind,
        content_type=media.content_type,
        size_bytes=media.size_bytes,
        telegram_file_id=media.file_id,
        telegram_file_unique_id=media.file_unique_id,
        attached_at=utcnow(),
    )
    session.add(stored)
    await session.flush()
    return stored


async def attach_chat_media(
    session: AsyncSession, draft: Confession, settings: Settings, media: ChatMedia
) -> Confession:
    """Keep a photo or video from the chat, within the kinds and sizes allowed."""
    check_chat_media(settings, media)
    stored = await keep_chat_media(session, draft.sender_id, media)
    return await _advance(session, draft, ComposeStep.SIGNATURE, media_id=stored.id)


async def skip_media(session: AsyncSession, draft: Confession) -> Confession:
    return await _advance(session, draft, ComposeStep.SIGNATURE, media_id=None)


async def choose_signature(
    session: AsyncSession, draft: Confession, signature: Signature
) -> Confession:
    if signature == Signature.HINT:
        return await _write(session, draft, signature=signature, compose_step=ComposeStep.HINT)
    return await _write(
        session, draft, signature=signature, hint=None, compose_step=ComposeStep.PREVIEW
    )


async def set_hint(
    session: AsyncSession, draft: Confession, settings: Settings, hint: str
) -> Confession:
    return await _write(
        session, draft, hint=check_hint(settings, hint), compose_step=ComposeStep.PREVIEW
    )


async def show_preview(session: AsyncSession, draft: Confession) -> Confession:
    """From the preview on, editing one part returns here instead of walking every step."""
    await update_in(session, draft, compose_step=ComposeStep.PREVIEW, compose_review=True)
    return draft


async def go_to_step(session: AsyncSession, draft: Confession, step: ComposeStep) -> Confession:
    return await _write(session, draft, compose_step=step)
