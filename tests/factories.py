"""Confessions made through the domain's own functions, as the chat makes them, for tests
whose subject comes after composing: much faster than a conversation through the webhook."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from core import drafts, lifecycle
from core.settings import Settings
from models import Confession, Signature, User


async def compose_and_send(
    session: AsyncSession,
    settings: Settings,
    sender: User,
    to: User | None = None,
    *,
    username: str | None = None,
    text: str = "I think about you every day",
    signature: Signature = Signature.ANONYMOUS,
    hint: str | None = None,
    mutual: bool = False,
    words_confirmed: str | None = None,
) -> Confession:
    """Step by step, as the chat composes one. `username="bob_k"` addresses it by a typed
    @username instead of `to`; with neither it is an open link. `mutual=True` is the
    sender's agreement to be named if it turns out mutual."""
    draft = await drafts.start(session, settings, sender)
    if to is not None:
        await drafts.set_recipient(session, draft, to)
    elif username is not None:
        await drafts.set_recipient_username(session, draft, sender, username)
    else:
        await drafts.set_open_recipient(session, draft)
    await drafts.set_text(session, draft, settings, text=text, text_html=text)
    await drafts.skip_media(session, draft)
    await drafts.choose_signature(session, draft, signature)
    if hint is not None:
        await drafts.set_hint(session, draft, settings, hint)
    if mutual:
        await lifecycle.agree_to_mutual_reveal(session, settings, draft.public_id, sender, True)
    sent = await lifecycle.send(session, settings, draft, sender, words_confirmed=words_confirmed)
    return sent.confession
