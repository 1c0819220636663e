"""Who is calling the mini-app API: the user the messaging platform vouches for (on Telegram,
in signed init data), and no one else."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from core import users
from core.errors import Unauthorized
from core.users import IdentityVerifier, TelegramIdentity
from models import User
from webapp_api.deps import SessionDep

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
    verifier: IdentityVerifier | None = request.app.state.identity
    if verifier is None:
        raise Unauthorized("The bot is not connected, so nobody can sign in.")
    identity = verifier.verify(authorization)
    await request.app.state.api_throttle.check(identity.id)
    return identity


Caller = Annotated[TelegramIdentity, Depends(caller)]


async def current_user(session: SessionDep, identity: Caller) -> User:
    """The caller as stored, created or updated from what Telegram says about them now;
    for anything that writes."""
    return await users.sync_user(session, identity)


CurrentUser = Annotated[User, Depends(current_user)]
