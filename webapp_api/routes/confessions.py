"""The mini-app API: the caller, the presets, and confessions as their two parties see them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from core import confessions, editing, reactions
from core.confessions import ReaderView, Role
from webapp_api.auth import CurrentUser
from webapp_api.deps import SessionDep, SettingsDep
from webapp_api.errors import responses
from webapp_api.schemas import (
    ConfessionOut,
    ConfessionPage,
    ConfessionSummary,
    ContentEdit,
    Me,
    ReactionIn,
    StyleIn,
    Themes,
)

router = APIRouter(prefix="/api/v1", tags=["mini app"], responses=responses(401, 422))
PREVIEW_LENGTH = 80


@router.get("/me", response_model=Me)
async def me(user: CurrentUser) -> Me:
    """Who the mini app is talking to, as Telegram vouched."""
    return Me.of(user)


@router.get("/themes", response_model=Themes)
async def themes(_user: CurrentUser) -> Themes:
    """The presets the editor offers and the page renders."""
    return Themes.presets()


@router.get("/confessions", response_model=ConfessionPage)
async def list_confessions(
    session: SessionDep,
    user: CurrentUser,
    box: Literal["sent", "received"] = "received",
    cursor: Annotated[str | None, Query(max_length=24)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> ConfessionPage:
    """Newest first; pass `next_cursor` back as `cursor` for the next page."""
    before = await confessions.cursor_id(session, cursor)
    found = await confessions.list_for(session, user, box=box, limit=limit + 1, before_id=before)
    page = [await confessions.for_reader(session, c.public_id, user) for c in found[:limit]]
    next_cursor = found[limit - 1].public_id if len(found) > limit else None
    return ConfessionPage(items=[_summary(reader) for reader in page], next_cursor=next_cursor)


def _summary(reader: ReaderView) -> ConfessionSummary:
    recipient = reader.view.recipient
    text = reader.confession.text
    return ConfessionSummary(
        id=reader.confession.public_id,
        role=reader.role,
        status=reader.confession.status,
        preview=text[:PREVIEW_LENGTH] if reader.content_visible else None,
        recipient_name=recipient.display_name if recipient and reader.role == Role.SENDER else None,
        created_at=reader.confession.created_at,
        reaction=reader.reaction,
    )


@router.get("/confessions/{public_id}", response_model=ConfessionOut, responses=responses(404))
async def get_confession(public_id: str, session: SessionDep, user: CurrentUser) -> ConfessionOut:
    """The sender sees everything; the recipient, the words only once revealed."""
    return ConfessionOut.of(await confessions.for_reader(session, public_id, user))


@router.patch(
    "/confessions/{public_id}", response_model=ConfessionOut, responses=responses(404, 409)
)
async def edit_confession(
    public_id: str, body: ContentEdit, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> ConfessionOut:
    """Words, signature and hint, until the recipient has read it."""
    reader = await editing.edit_content(
        session, settings, public_id, user, text=body.text, signature=body.signature, hint=body.hint
    )
    return ConfessionOut.of(reader)


@router.put(
    "/confessions/{public_id}/style", response_model=ConfessionOut, responses=responses(404, 409)
)
async def set_style(
    public_id: str, body: StyleIn, session: SessionDep, user: CurrentUser
) -> ConfessionOut:
    """Theme, colour, font, animation, background and decoration."""
    return ConfessionOut.of(await editing.set_style(session, public_id, user, body.to_domain()))


@router.post(
    "/confessions/{public_id}/reveal", response_model=ConfessionOut, responses=responses(404, 409)
)
async def reveal(public_id: str, session: SessionDep, user: CurrentUser) -> ConfessionOut:
    """The recipient opens it; the sender is told."""
    await confessions.reveal(session, public_id, user)
    return ConfessionOut.of(await confessions.for_reader(session, public_id, user))


@router.post(
    "/confessions/{public_id}/reaction", response_model=ConfessionOut, responses=responses(404, 409)
)
async def react(
    public_id: str, body: ReactionIn, session: SessionDep, user: CurrentUser
) -> ConfessionOut:
    """One tap in answer, after the reveal."""
    return ConfessionOut.of(await reactions.react(session, public_id, user, body.reaction))
