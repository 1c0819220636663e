"""Who someone is comes from Telegram itself; this keeps our copy of it current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol

from sqlalchemy import BigInteger, bindparam, column, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFound
from core.text import without_hidden
from models import User
from models.db import (
    Along,
    execute_in,
    first_in,
    get_in,
    insert_or_skip,
    table_of,
    update_in,
)
from models.types import utcnow


class Party(Protocol):
    """Whoever is asking to see something: a stored user, or an identity Telegram has just
    vouched for. Who may see what is decided by the id alone."""

    @property
    def id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    """The user fields Telegram puts on every update and in mini-app init data."""

    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False


class IdentityVerifier(Protocol):
    """Who the messaging platform vouches a web request comes from, read from the
    credentials the request carries (its Authorization header), or Unauthorized saying which
    check failed. The platform's adapter implements it; the web app asks it."""

    def verify(self, credentials: str | None) -> TelegramIdentity: ...


def username_key(username: str) -> str:
    """Telegram usernames are case-insensitive; `@Alice` and `alice` are one person."""
    return username.strip().removeprefix("@").lower()


async def sync_user(
    session: AsyncSession, identity: TelegramIdentity, *, along: Along | None = None
) -> User:
    """Create the user, or update what Telegram says about them now; with them, the row
    `along` names, read in the same statement (`get_in`)."""
    user = await get_in(session, User, identity.id, along=along)
    if user is None:
        user = await _insert_once(session, identity)
    now = Profile.of(identity)
    language = identity.language_code or user.language_code
    if Profile.of(user) != now or user.language_code != language:
        await update_in(session, user, **now._asdict(), language_code=language, updated_at=utcnow())
    return user


class Profile(NamedTuple):
    """What we keep of what Telegram says about someone, as the users table holds it."""

    first_name: str
    last_name: str | None
    username: str | None
    username_key: str | None

    @classmethod
    def of(cls, someone: TelegramIdentity | User) -> Profile:
        if isinstance(someone, User):
            return cls(
                someone.first_name, someone.last_name, someone.username, someone.username_key
            )
        last_name = someone.last_name
        return cls(
            first_name=without_hidden(someone.first_name),
            last_name=without_hidden(last_name) if last_name else last_name,
            username=someone.username,
            username_key=username_key(someone.username) if someone.username else None,
        )


async def _insert_once(session: AsyncSession, identity: TelegramIdentity) -> User:
    """A new user's first requests may arrive together: the row is created by whichever comes
    first, and the others read it, instead of failing on the primary key. It is created with
    their profile, so a new user costs no UPDATE right after."""
    now = utcnow()
    await session.exec(
        insert_or_skip(session, User).values(
            id=identity.id,
            can_message=False,
            created_at=now,
            updated_at=now,
            language_code=identity.language_code,
            **Profile.of(identity)._asdict(),
        )
    )
    user = await get_in(session, User, identity.id)
    assert user is not None
    return user


async def mark_started(session: AsyncSession, user: User) -> None:
    """The user opened a private chat with the bot: from now on it may message them."""
    if not user.can_message:
        user.can_message = True
        user.started_at = user.started_at or utcnow()
        await session.flush()


async def mark_unreachable(session: AsyncSession, user_id: int) -> None:
    user = await session.get(User, user_id)
    if user is not None and user.can_message:
        user.can_message = False
        await session.flush()


STEP_PROMPT = (
    update(User)
    .where(col(User.id) == bindparam("user_id"))
    .values(prompt_message_id=bindparam("message_id"))
)

_PROMPTS = (
    func.unnest(
        bindparam("user_ids", type_=ARRAY(BigInteger)),
        bindparam("message_ids", type_=ARRAY(BigInteger)),
    )
    .table_valued(column("user_id", BigInteger), column("message_id", BigInteger))
    .render_derived(name="prompt")
)
STEP_PROMPTS = (
    update(User)
    .where(col(User.id) == _PROMPTS.c.user_id)
    .values(prompt_message_id=_PROMPTS.c.message_id)
)
"""`STEP_PROMPT` for many users in one statement, given as two arrays of the same length
(PostgreSQL); none when they are empty."""


async def record_step_prompts(session: AsyncSession, prompts: dict[int, int]) -> None:
    """The message now asking each user (by id) for their step, as sent: the one whose
    buttons go when the step is done another way (`take_step_prompt`)."""
    await execute_in(
        session,
        STEP_PROMPT,
        [{"user_id": user_id, "message_id": message_id} for user_id, message_id in prompts.items()],
    )


async def take_step_prompt(session: AsyncSession, user: User) -> int | None:
    """The recorded step prompt, forgotten as it is taken: its step is done or replaced,
    and its buttons are to be taken away once."""
    message_id = user.prompt_message_id
    await update_in(session, user, prompt_message_id=None)
    return message_id


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


BY_USERNAME = (
    select(*table_of(User).columns)
    .where(col(User.username_key) == bindparam("key"))
    .order_by(col(User.updated_at).desc())
    .limit(1)
)


async def find_by_username(session: AsyncSession, username: str) -> User | None:
    """Who holds `username` now. Someone who gave it up keeps it on their row until their
    next update: of two rows holding it, the one written last is the one who took it."""
    return await first_in(session, User, BY_USERNAME, {"key": username_key(username)})


async def change_chat_state(
    session: AsyncSession, user: User, state: str | None, ref: int | None = None
) -> None:
    """`set_chat_state`, written at once (`update_in`)."""
    await update_in(session, user, chat_state=state, chat_state_ref=ref)


def set_chat_state(user: User, state: str | None, ref: int | None = None) -> None:
    """What the next plain message from this user means (composing, replying, ...)."""
    user.chat_state = state
    user.chat_state_ref = ref
