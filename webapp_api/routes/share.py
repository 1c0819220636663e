"""Telegram's share sheet for a confession's card: the server prepares it, the page opens it.

`savePreparedInlineMessage` (Bot API 8.0) stores the card for this user for a while and
answers an id; the page passes that id to `Telegram.WebApp.shareMessage`, and the person picks
any chat. The card is the one inline mode posts, in the sender's language.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from bot.bot_api import BotApi, BotApiError
from core import confessions, sharing
from core.confessions import PUBLIC_ID
from core.media.service import STORY_PREFIX
from core.sharing import TelegramUnavailable
from models import Confession
from webapp_api import i18n, story
from webapp_api.auth import CurrentUser
from webapp_api.deps import MediaStoreDep, SessionDep, SettingsDep
from webapp_api.errors import responses

log = logging.getLogger(__name__)
router = APIRouter(
    prefix="/api/v1", tags=["mini app"], responses=responses(401, 413, 422, 429, 503)
)
PublicId = Annotated[str, Path(pattern=PUBLIC_ID, description="The confession's public id")]
TIMEOUT = httpx.Timeout(10.0)
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
    public_id: PublicId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> PreparedShare:
    """The card of your own confession, ready for Telegram's share sheet."""
    confession = await sharing.card_to_share(session, public_id, user)
    assert settings.token is not None  # CurrentUser needs it
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            api = BotApi(settings.telegram_api_base_url, settings.token, client=client)
            username = await _bot_username(request, api)
            prepared = await api.call(
                "savePreparedInlineMessage",
                {
                    "user_id": user.id,
                    "result": inline_card(confession, user.language_code, username),
                    "allow_user_chats": True,
                    "allow_group_chats": True,
                },
            )
    except BotApiError as error:
        log.warning("share not prepared: %s", error.status)
        raise TelegramUnavailable() from error
    return PreparedShare(id=str(prepared["id"]), expiration_date=prepared.get("expiration_date"))


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
    assert confession.id is not None  # stored, so numbered
    style = await confessions.style_of(session, confession.id)
    eyebrow = i18n.page_words(i18n.language_for(user.language_code))["for_you"]
    png = await asyncio.to_thread(
        story.render,
        confession.text,
        theme_id=style.theme,
        accent=style.accent_color,
        eyebrow=eyebrow,
    )
    key = f"{STORY_PREFIX}{confession.public_id}.png"
    await store.put(key, png, "image/png")
    url = await store.read_url(key, expires_in=STORY_LINK_SECONDS)
    # Telegram's client fetches it: absolute even without PUBLIC_URL (local media links are
    # relative then)
    return StoryImage(url=str(request.base_url).rstrip("/") + url if url.startswith("/") else url)


def inline_card(confession: Confession, language: str | None, bot_username: str) -> dict[str, Any]:
    """The InlineQueryResultArticle inline mode answers with (bot/reveal.py), as Bot API JSON."""
    return {
        "type": "article",
        "id": confession.public_id,
        "title": i18n.text(language, "inline.title"),
        "description": i18n.text(language, "inline.description"),
        "input_message_content": {
            "message_text": i18n.text(language, "inline.message"),
            "parse_mode": "HTML",
        },
        "reply_markup": {
            "inline_keyboard": [
                [
                    {
                        "text": i18n.text(language, "button.open_link"),
                        "url": sharing.share_link(bot_username, confession),
                    }
                ]
            ]
        },
    }


async def _bot_username(request: Request, api: BotApi) -> str:
    """getMe once per process: the username does not change while it runs."""
    known: str | None = getattr(request.app.state, "bot_username", None)
    if known is None:
        known = str((await api.call("getMe", {}))["username"])
        request.app.state.bot_username = known
    return known
