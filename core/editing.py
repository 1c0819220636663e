"""Changing a confession after its draft: words, signature, hint and mini-app style."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel.ext.asyncio.session import AsyncSession

from core import drafts, limits, media, read_model, safety, styles, wordlist
from core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from core.read_model import ReaderView, Role
from core.settings import Settings
from core.styles import Style
from core.text import plain_html
from models import Confession, ConfessionStatus, ConfessionStyle, Signature, User
from models.db import insert_or_skip
from models.types import utcnow


async def _editable(session: AsyncSession, public_id: str, sender: User) -> ReaderView:
    current = await read_model.for_reader(session, public_id, sender)
    if current.role != Role.SENDER:
        raise NotAllowed("Only its sender can change a confession.")
    if not current.can.edit:
        raise WrongState("It was already read, so it stays as it is.")
    return current


async def edit_content(
    session: AsyncSession,
    settings: Settings,
    public_id: str,
    sender: User,
    *,
    text: str | None = None,
    signature: Signature | None = None,
    hint: str | None = None,
    confirm_words: bool = False,
) -> ReaderView:
    """Plain text from the mini app replaces the words (and any formatting they had); a
    banned user writes nothing more.

    New words for a confession already sent that hit the operator's word list are taken only
    with `confirm_words`, as its Send anyway, and halve the sender's limits for a day."""
    await safety.refuse_if_banned(session, settings, sender.id)
    current = await _editable(session, public_id, sender)
    confession = current.confession
    words_before = (confession.text, confession.hint)
    if text is not None:
        confession.text = drafts.check_text(settings, text)
        confession.text_html = plain_html(text)
    if signature is not None:
        confession.signature = signature
    if hint is not None:
        confession.hint = drafts.check_hint(settings, hint)
    if confession.signature == Signature.HINT and not confession.hint:
        raise InvalidInput("A signature with a hint needs the hint.")
    if confession.signature != Signature.HINT:
        confession.hint = None
    await _screen_new_words(session, settings, confession, words_before, confirm_words)
    confession.updated_at = utcnow()
    await session.flush()
    return await read_model.for_reader(session, public_id, sender)


async def _screen_new_words(
    session: AsyncSession,
    settings: Settings,
    confession: Confession,
    before: tuple[str, str | None],
    confirmed: bool,
) -> None:
    """A draft's words are screened when it is sent; a sent one's, when they change."""
    if confession.status == ConfessionStatus.DRAFT or (confession.text, confession.hint) == before:
        return
    words = "\n".join(part for part in (confession.text, confession.hint) if part)
    confirmation = wordlist.fingerprint(words) if confirmed else None
    if wordlist.screen(settings, words, confirmed=confirmation):
        await limits.record_word_list_hit(session, confession.sender_id)


async def set_style(
    session: AsyncSession, public_id: str, sender: User, style: Style
) -> ReaderView:
    current = await _editable(session, public_id, sender)
    styles.check(style)
    if style.background_kind == "image":
        await _own_image(session, sender, style.background_value or "")
    row = await _style_row(session, current)
    row.theme = style.theme
    row.accent_color = style.accent_color.lower()
    row.font = style.font
    row.animation = style.animation
    row.background_kind = style.background_kind
    row.background_value = style.background_value
    row.decoration = style.decoration
    row.updated_at = utcnow()
    await session.flush()
    return await read_model.for_reader(session, public_id, sender)


async def _style_row(session: AsyncSession, current: ReaderView) -> ConfessionStyle:
    """The confession's style row, written now if it had none (a draft has the default look
    without one): inserted unless a request beside this one just did, then read as the
    session's own, so the change is an UPDATE either way."""
    if inspect(current.style).persistent:
        return current.style
    confession_id = current.confession.id
    await session.exec(insert_or_skip(session, ConfessionStyle).values(confession_id=confession_id))
    row = await session.get(ConfessionStyle, confession_id)
    assert row is not None, "just written"
    return row


async def _own_image(session: AsyncSession, sender: User, media_public_id: str) -> None:
    """An upload of the sender's own, finished; using it keeps it from the sweep. An id that
    names none of theirs is a 404, as for any resource, not a malformed request."""
    try:
        await media.attach_upload(session, owner=sender, media_public_id=media_public_id)
    except NotFound:
        raise NotFound("That image was not uploaded.") from None
    except WrongState:
        raise WrongState("That image has not finished uploading.") from None
