"""The page's words in the reader's language, served beside the page itself.

Not under /api/v1 and without init data: they are the product's own public text, the same for
everyone, and the "open me in Telegram" screen needs them where there is no init data at all.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from webapp_api import i18n

router = APIRouter(tags=["mini app page"])
CACHE_SECONDS = 3600


class Words(BaseModel):
    language: str
    words: dict[str, str]


@router.get("/app/words", response_model=Words)
async def words(
    response: Response,
    lang: Annotated[
        str | None, Query(max_length=35, description="Telegram's language_code")
    ] = None,
    part: Annotated[
        Literal["first", "more"], Query(description="more: the settings and privacy screens")
    ] = "first",
) -> Words:
    """One language's words, only the reader's (English when unknown), in the part needed."""
    language = i18n.language_for(lang)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return Words(language=language, words=i18n.page_words(language, part))
