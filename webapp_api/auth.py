"""Who is calling the mini-app API: the Telegram user in signed init data, and no one else."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from core import telegram_auth, users
from core.errors import Unauthorized
from core.settings import Settings
from core.users import TelegramIdentity
from models import User
from webapp_api.deps import SessionDep

SCHEME = "tma "


Authorization = Annotated[
    str | None,
    Header(description="`tma <raw initData>`, as Telegram gives it to the mini app"),
]


async def caller(request: Request, authorization: Authorization = None) -> TelegramIdentity:
    """Who Telegram vouches for, without reading the database (the flood guard writes once
    per batch of a user's calls): enough for a read, where whether this person may see
    something is decided by their id alone."""
    return await identify(request, authorization)


async def identify(request: Request, authorization: str | None) -> TelegramIdentity:
    settings: Settings = request.app.state.settings
    if settings.token is None:
        raise Unauthorized("The bot is not connected, so nobody can sign in.")
    if not authorization:
        raise telegram_auth.InitDataMissing()
    if not authorization.startswith(SCHEME):
        raise telegram_auth.InitDataMalformed()
    init_data = telegram_auth.validate(
        authorization.removeprefix(SCHEME).strip(),
        bot_token=settings.token,
        max_age_seconds=settings.init_data_max_age_seconds,
    )
    await request.app.state.api_throttle.check(init_data.user.id)
    return init_data.user


Caller = Annotated[TelegramIdentity, Depends(caller)]


async def current_user(session: SessionDep, identity: Caller) -> User:
    """The caller as stored, created or updated from what Telegram says about them now;
    for anything that writes."""
    return await users.sync_user(session, identity)


CurrentUser = Annotated[User, Depends(current_user)]
