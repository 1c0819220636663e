"""The recipient's side in the mini app: settings, what was held, requests, mutual reveal."""

from __future__ import annotations

from fastapi import APIRouter, Response

from core import consent, lifecycle, pseudonyms
from core.consent import Held
from core.settings import Settings
from models import Signature
from webapp_api.auth import CurrentUser
from webapp_api.deps import RowId, SessionDep, SettingsDep
from webapp_api.errors import responses
from webapp_api.schemas import HeldList, HeldOut, MutualIn, MutualOut, SettingsIn, SettingsOut

router = APIRouter(prefix="/api/v1", tags=["safety"], responses=responses(401, 413, 422, 429, 503))


@router.get("/settings", response_model=SettingsOut)
async def get_settings(session: SessionDep, user: CurrentUser) -> SettingsOut:
    """Who may send you confessions, and your word filter."""
    return SettingsOut.of(await consent.preferences_of(session, user.id))


@router.patch("/settings", response_model=SettingsOut)
async def change_settings(body: SettingsIn, session: SessionDep, user: CurrentUser) -> SettingsOut:
    """Senders are never told: whatever is refused or filtered looks unopened to them."""
    preferences = await consent.update_preferences(
        session, user, who_may_send=body.who_may_send, filter_words=body.filter_words
    )
    return SettingsOut.of(preferences)


@router.get("/held", response_model=HeldList)
async def held(session: SessionDep, settings: SettingsDep, user: CurrentUser) -> HeldList:
    """Requests not answered yet, and what your setting or your filter kept back."""
    items = await consent.held_for(session, user)
    return HeldList(items=[_held_out(settings, user.id, user.language_code, h) for h in items])


@router.post("/held/{held_id}/release", response_model=HeldOut, responses=responses(404))
async def release(
    held_id: RowId, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> HeldOut:
    """Show it: a confession arrives as usual, a reply joins the thread and is passed on."""
    released = await consent.release(session, user, held_id)
    return _held_out(settings, user.id, user.language_code, released)


@router.post("/confessions/{public_id}/accept", status_code=204, responses=responses(404, 409))
async def accept(public_id: str, session: SessionDep, user: CurrentUser) -> Response:
    """Let a stranger's first confession in; it is then delivered as usual."""
    await consent.answer_request(session, public_id, user, accepted=True)
    return Response(status_code=204)


@router.post("/confessions/{public_id}/decline", status_code=204, responses=responses(404, 409))
async def decline(public_id: str, session: SessionDep, user: CurrentUser) -> Response:
    """Keep it out; its sender sees exactly what an unopened confession shows."""
    await consent.answer_request(session, public_id, user, accepted=False)
    return Response(status_code=204)


@router.put(
    "/confessions/{public_id}/mutual",
    response_model=MutualOut,
    responses=responses(404, 409),
)
async def set_mutual(
    public_id: str, body: MutualIn, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> MutualOut:
    """The sender's consent to be named if it turns out mutual; off unless turned on."""
    confession = await lifecycle.agree_to_mutual_reveal(
        session, settings, public_id, user, body.reveal_if_mutual
    )
    return MutualOut(id=confession.public_id, reveal_if_mutual=confession.reveal_if_mutual)


def _held_out(settings: Settings, holder_id: int, language: str | None, held: Held) -> HeldOut:
    confession = held.confession
    named = confession.signature == Signature.SIGNED or confession.matched_at is not None
    return HeldOut(
        id=held.item.id or 0,
        kind="reply" if held.reply else "confession",
        reason=held.item.reason,
        confession_id=confession.public_id,
        sender_pseudonym=None
        if named
        else pseudonyms.pseudonym(
            settings, sender_id=confession.sender_id, recipient_id=holder_id, language=language
        ),
        created_at=held.item.created_at,
    )
