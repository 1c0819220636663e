"""The mini-app API: the caller, the presets, and confessions as their two parties see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core import editing, lifecycle, pseudonyms, reactions, read_model, threads
from core.media import CardLinks, Download, MediaStore, card_links, links_to_show
from core.read_model import PUBLIC_ID, Listed, ReaderView, Role
from core.settings import Settings
from core.users import Party
from models import User
from models.db import Database
from webapp_api.auth import Authorization, Caller, CurrentUser, identify
from webapp_api.deps import ChatFilesDep, MediaStoreDep, ReadSessionDep, SessionDep, SettingsDep
from webapp_api.errors import responses
from webapp_api.schemas import (
    ConfessionOut,
    ConfessionPage,
    ConfessionSummary,
    ContentEdit,
    Me,
    MediaOut,
    ReactionIn,
    ReplyIn,
    StyleIn,
    Themes,
    Thread,
)

router = APIRouter(
    prefix="/api/v1", tags=["mini app"], responses=responses(401, 413, 422, 429, 503)
)
Box = Literal["sent", "received"]
PAGE_SIZE = 20
PAGE_LIMITS = (1, 50)
PublicId = Annotated[str, Path(pattern=PUBLIC_ID, description="The confession's public id")]
Someone = TypeVar("Someone", bound=Party)


@router.get("/me", response_model=Me)
async def me(user: CurrentUser) -> Me:
    """Who the mini app is talking to, as Telegram vouched."""
    return Me.of(user)


@router.get("/themes", response_model=Themes)
async def themes(_caller: Caller) -> Themes:
    """The presets the editor offers and the page renders."""
    return Themes.presets()


@router.get("/confessions", response_model=ConfessionPage)
async def list_confessions(
    request: Request,
    authorization: Authorization = None,
    box: Box = "received",
    cursor: Annotated[str | None, Query(pattern=PUBLIC_ID)] = None,
    limit: Annotated[int, Query(ge=PAGE_LIMITS[0], le=PAGE_LIMITS[1])] = PAGE_SIZE,
) -> Response:
    """Newest first; pass `next_cursor` back as `cursor` for the next page."""
    caller = await identify(request, authorization)
    database: Database = request.app.state.database
    page = await read_model.listed(database, caller, box=box, limit=limit, cursor=cursor)
    return _json(
        ConfessionPage(
            items=[_summary(reader) for reader in page.items], next_cursor=page.next_cursor
        )
    )


def _json(answer: BaseModel) -> Response:
    """The mini app's busiest reads answer with their model serialised once: returned as a
    model, it would be validated against the route's `response_model` all over again
    (about a twentieth of the request's CPU), though it was built as one."""
    return Response(answer.model_dump_json(), media_type="application/json")


def _summary(line: Listed) -> ConfessionSummary:
    return ConfessionSummary(
        id=line.public_id,
        role=line.role,
        status=line.status,
        preview=line.preview,
        recipient_name=line.recipient_name if line.role == Role.SENDER else None,
        created_at=line.created_at,
        reaction=line.reaction,
    )


@dataclass(frozen=True, slots=True)
class ReaderContext(Generic[Someone]):
    """What showing a confession to this request's reader takes: the session, the media
    store and the chat's files for its links, the settings, and the reader."""

    session: AsyncSession
    store: MediaStore
    chat_files: Download | None
    settings: Settings
    user: Someone

    async def show(self, reader: ReaderView) -> ConfessionOut:
        """The confession with short-lived links to its media and background, where allowed."""
        links = await card_links(
            self.session,
            self.store,
            self.settings,
            reader,
            reader=self.user,
            chat_files=self.chat_files,
        )
        return _out(reader, self.settings, self.user, links)


def _out(
    reader: ReaderView, settings: Settings, user: Party, links: CardLinks | None = None
) -> ConfessionOut:
    """The answer for one reader, with the card's links where it has any."""
    media = links.media if links else None
    attached = reader.view.media
    pseudonym = pseudonyms.shown_to(settings, reader, pseudonyms.language_of(user))
    return ConfessionOut.of(
        reader,
        media=MediaOut(kind=attached.kind, url=media.url, thumbnail_url=media.thumbnail_url)
        if media and attached
        else None,
        background_url=links.background if links else None,
        sender_pseudonym=pseudonym,
    )


async def _reader_context(
    session: SessionDep,
    store: MediaStoreDep,
    chat_files: ChatFilesDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> ReaderContext[User]:
    return ReaderContext(session, store, chat_files, settings, user)


Reading = Annotated[ReaderContext[User], Depends(_reader_context)]
"""For routes that change the confession: a unit of work and the caller as stored."""


@router.get("/confessions/{public_id}", response_model=ConfessionOut, responses=responses(404))
async def get_confession(
    public_id: PublicId, request: Request, authorization: Authorization = None
) -> Response:
    """The sender sees everything; the recipient, the words only once revealed."""
    viewer = await identify(request, authorization)
    state = request.app.state
    database: Database = state.database
    reader = await read_model.shown(database, public_id, viewer)
    if not links_to_show(reader):
        return _json(_out(reader, state.settings, viewer))
    # its links may copy chat media into storage on first view: that takes a session
    async with database.reading() as session:
        shown = await read_model.for_reader(session, public_id, viewer)
        return _json(
            await ReaderContext(
                session, state.media_store, state.chat_files, state.settings, viewer
            ).show(shown)
        )


@router.patch(
    "/confessions/{public_id}", response_model=ConfessionOut, responses=responses(403, 404, 409)
)
async def edit_confession(
    public_id: PublicId,
    body: ContentEdit,
    reading: Reading,
) -> ConfessionOut:
    """Words, signature and hint, until the recipient has read it."""
    reader = await editing.edit_content(
        reading.session,
        reading.settings,
        public_id,
        reading.user,
        text=body.text,
        signature=body.signature,
        hint=body.hint,
        confirm_words=body.confirm_words,
    )
    return await reading.show(reader)


@router.put(
    "/confessions/{public_id}/style",
    response_model=ConfessionOut,
    responses=responses(403, 404, 409),
)
async def set_style(
    public_id: PublicId,
    body: StyleIn,
    reading: Reading,
) -> ConfessionOut:
    """Theme, colour, font, animation, background and decoration."""
    reader = await editing.set_style(reading.session, public_id, reading.user, body.to_domain())
    return await reading.show(reader)


@router.post(
    "/confessions/{public_id}/reveal", response_model=ConfessionOut, responses=responses(404, 409)
)
async def reveal(
    public_id: PublicId,
    reading: Reading,
) -> ConfessionOut:
    """The recipient opens it; the sender is told."""
    await lifecycle.reveal(reading.session, public_id, reading.user)
    reader = await read_model.for_reader(reading.session, public_id, reading.user)
    return await reading.show(reader)


@router.post(
    "/confessions/{public_id}/reaction",
    response_model=ConfessionOut,
    responses=responses(403, 404, 409),
)
async def react(
    public_id: PublicId,
    body: ReactionIn,
    reading: Reading,
) -> ConfessionOut:
    """One tap in answer, after the reveal."""
    reader = await reactions.react(
        reading.session, reading.settings, public_id, reading.user, body.reaction
    )
    return await reading.show(reader)


@router.get("/confessions/{public_id}/replies", response_model=Thread, responses=responses(404))
async def replies(
    public_id: PublicId, session: ReadSessionDep, settings: SettingsDep, caller: Caller
) -> Thread:
    """The anonymous thread under a confession, oldest first."""
    reader = await read_model.for_reader(session, public_id, caller)
    replies = await threads.thread(
        session, reader.confession.id or 0, role=reader.role, reader_id=caller.id
    )
    pseudonym = pseudonyms.shown_to(settings, reader, pseudonyms.language_of(caller))
    return Thread.of(reader, replies, pseudonym=pseudonym)


@router.post(
    "/confessions/{public_id}/replies",
    response_model=Thread,
    status_code=201,
    responses=responses(403, 404, 409),
)
async def reply(
    public_id: PublicId,
    body: ReplyIn,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Thread:
    """Write in the thread; the bot relays it to the other side, anonymity kept."""
    await threads.post(session, settings, public_id, user, text=body.text)
    reader = await read_model.for_reader(session, public_id, user)
    replies = await threads.thread(
        session, reader.confession.id or 0, role=reader.role, reader_id=user.id
    )
    pseudonym = pseudonyms.shown_to(settings, reader, user.language_code)
    return Thread.of(reader, replies, pseudonym=pseudonym)
