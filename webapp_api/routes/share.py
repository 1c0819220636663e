"""Telegram's share sheet for a confession's card: the server prepares it, the page opens it.

`savePreparedInlineMessage` (Bot API 8.0) stores the card for this user for a while and
answers an id; the page passes that id to `Telegram.WebApp.shareMessage`, and the person picks
any chat. The card is the one inline mode posts, in the sender's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from core import read_model, sharing
from core.media.service import STORY_PREFIX
from core.read_model import PUBLIC_ID
from core.sharing import CardPreparer
from webapp_api import i18n, story
from webapp_api.auth import CurrentUser
from webapp_api.deps import MediaStoreDep, SessionDep
from webapp_api.errors import responses

router = APIRouter(
    prefix="/api/v1", tags=["mini app"], responses=responses(401, 413, 422, 429, 503)
)
PublicId = Annotated[str, Path(pattern=PUBLIC_ID, description="The confession's public id")]
STORY_LINK_SECONDS = 15 * 60


class PreparedShare(BaseModel):
    """What `Telegram.WebApp.shareMessage` takes, and until when Telegram keeps it."""

    id: str
    expiration_date: int | None = None


@router.post(
    "/confessions/{public_id}/share",
    response_model=PreparedShare,
    responses=responses(403, 404, 409),
)
async def prepare_share(
    public_id: PublicId, request: Request, session: SessionDep, user: CurrentUser
) -> PreparedShare:
    """The card of your own confession, ready for Telegram's share sheet."""
    confession = await sharing.card_to_share(session, public_id, user)
    preparer: CardPreparer = request.app.state.card_preparer
    card = await preparer.prepare(confession, user.id, user.language_code)
    return PreparedShare(id=card.id, expiration_date=card.expires_at)


class StoryImage(BaseModel):
    """What `Telegram.WebApp.shareToStory` takes: an image Telegram's client downloads."""

    url: str


@router.post(
    "/confessions/{public_id}/story",
    response_model=StoryImage,
    responses=responses(404, 409),
)
async def prepare_story(
    public_id: PublicId,
    request: Request,
    session: SessionDep,
    store: MediaStoreDep,
    user: CurrentUser,
) -> StoryImage:
    """The opened card as a story image with the words and nothing about who wrote them."""
    confession = await sharing.card_for_story(session, public_id, user)
    style = await read_model.style_of(session, confession)
    eyebrow = i18n.page_words(i18n.language_for(user.language_code))["for_you"]
    png = await story.drawn(
        confession.text, theme_id=style.theme, accent=style.accent_color, eyebrow=eyebrow
    )
    key = f"{STORY_PREFIX}{confession.public_id}.png"
    await store.put(key, png, "image/png")
    url = await store.read_url(key, expires_in=STORY_LINK_SECONDS)
    # Telegram's client fetches it: absolute even without PUBLIC_URL (local media links are
    # relative then)
    return StoryImage(url=str(request.base_url).rstrip("/") + url if url.startswith("/") else url)
