"""Who is calling the mini-app API: the Telegram user in signed init data, and no one else."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from core import telegram_auth, users
from core.errors import Unauthorized
from models import User
from webapp_api.deps import SessionDep, SettingsDep

SCHEME = "tma "


async def current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    authorization: Annotated[
        str | None,
        Header(description="`tma <raw initData>`, as Telegram gives it to the mini app"),
    ] = None,
) -> User:
    """The user Telegram vouches for, created or updated from the `user` field."""
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
    request.app.state.api_throttle.check(init_data.user.id)
    return await users.sync_user(session, init_data.user)


CurrentUser = Annotated[User, Depends(current_user)]
