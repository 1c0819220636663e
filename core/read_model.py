"""Confessions as their readers see them: the reader's view, what it allows, and the queries.

Each query is written once, in Core, and runs two ways: in a unit of work through the ORM
(`for_reader`, `page_for`), or, for a request that changes nothing, on the database driver
itself (`shown`, `listed`), which costs a third as much CPU as the ORM's read.

What a reader may do with a confession (reveal, edit, sign, withdraw, reply, react, block,
report) is decided here, once (`permissions`): the chat's buttons, the notices, the API's
answer and the lifecycle's own checks all read it, so none offers what another refuses.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, TypeVarTuple, cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    bindparam,
    func,
    inspect,
    or_,
    sql,
)
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from core import consent, users
from core.errors import NotFound
from core.users import Party
from models import (
    UNREAD,
    Confession,
    ConfessionStatus,
    ConfessionStyle,
    Media,
    Reaction,
    Signature,
    User,
)
from models.db import Database, first_in, table_of
from models.users import display_name

SHARE_PREFIX = "c_"
PUBLIC_ID = r"^[A-Za-z0-9_-]{1,24}$"
"""What `models.types.new_public_id` makes, as the API documents it."""


def is_public_id(value: str) -> bool:
    """Anything else names nothing, and is kept from queries: PostgreSQL refuses a NUL byte
    in one as an error, where no such confession is simply not found."""
    return re.fullmatch(PUBLIC_ID.strip("^$"), value) is not None


@dataclass(frozen=True, slots=True)
class ConfessionView:
    """A confession with what rendering it needs, from one reader's point of view."""

    confession: Confession
    sender: User
    recipient: User | None
    media: Media | None

    @property
    def sender_shown(self) -> bool:
        """Whether the reader may learn who sent it: signed, or mutual; otherwise never."""
        return shown_sender(self.confession)


def shown_sender(confession: Confession) -> bool:
    """Signed, or mutual: the recipient knows who sent it, and nothing more is hidden."""
    return confession.signature == Signature.SIGNED or confession.matched_at is not None


CONFESSION_ROW = select(*table_of(Confession).columns).where(
    col(Confession.public_id) == bindparam("public_id")
)
"""Built once, read on the driver (`first_in`): the Reveal button, reactions and replies
each start by finding their confession, and a read through the ORM costs several times one
on the driver (`make bench` prints both, "CPU per read")."""


async def get_by_public_id(session: AsyncSession, public_id: str) -> Confession:
    confession = await get_by_public_id_or_draft(session, public_id)
    if confession.status == ConfessionStatus.DRAFT:
        raise NotFound()
    return confession


async def view(session: AsyncSession, confession: Confession) -> ConfessionView:
    sender = await users.get_user(session, confession.sender_id)
    recipient = (
        await session.get(User, confession.recipient_id) if confession.recipient_id else None
    )
    media = await session.get(Media, confession.media_id) if confession.media_id else None
    return ConfessionView(confession=confession, sender=sender, recipient=recipient, media=media)


async def get_by_public_id_or_draft(session: AsyncSession, public_id: str) -> Confession:
    if not is_public_id(public_id):
        raise NotFound()
    confession = await first_in(session, Confession, CONFESSION_ROW, {"public_id": public_id})
    if confession is None:
        raise NotFound()
    return confession


def awaits_share(confession: Confession, recipient: User | None) -> bool:
    """Queued, but the bot cannot write first: the sender has to pass the link on."""
    return confession.status == ConfessionStatus.QUEUED and (
        recipient is None or not recipient.can_message
    )


Item = TypeVar("Item", "ReaderView", "Listed")


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    items: list[Item]
    next_cursor: str | None
    """The public id to pass back as `cursor` for the next page; None on the last one."""


async def page_for(
    session: AsyncSession, reader: Party, *, box: str, limit: int, cursor: str | None = None
) -> Page[ReaderView]:
    """Sent or received confessions, newest first, each as its reader sees it, in one query
    however long the page; drafts are not listed. Pages are marked by the public id of their
    last item, never by an internal number; a cursor that names nothing (any more) marks the
    end of the list."""
    if cursor and not is_public_id(cursor):
        return Page([], None)
    query = PAGES[box == "sent", bool(cursor)]
    rows = (await session.exec(query, params=_page_parameters(reader, limit, cursor))).all()
    return _page(_reader_views(rows, reader), limit)


PREVIEW_LENGTH = 80
"""How much of its words a line of a box shows, once its reader may see them."""


@dataclass(frozen=True, slots=True)
class Listed:
    """A confession as a line of a box shows it to one of its parties: read as the few
    columns a line shows, not as the entities a `ReaderView` is made of (reading whole rows
    of a confession and its recipient, a list page took a quarter to a third more CPU)."""

    public_id: str
    role: Role
    status: ConfessionStatus
    beginning: str
    """The first PREVIEW_LENGTH characters of its words, shown only where `preview` says."""
    recipient_name: str | None
    """None while it waits for a recipient who has not yet started the bot."""
    created_at: datetime
    reaction: str | None

    @property
    def preview(self) -> str | None:
        return self.beginning if content_visible(self.status, self.role) else None


async def listed(
    database: Database, reader: Party, *, box: str, limit: int, cursor: str | None = None
) -> Page[Listed]:
    """A box's page as `page_for` lists it, for a request that changes nothing: what its
    lines show, read on the driver outside any unit of work."""
    if cursor and not is_public_id(cursor):
        return Page([], None)
    query = LISTED_PAGES[box == "sent", bool(cursor)]
    rows = await database.execute(query, _page_parameters(reader, limit, cursor))
    found = [
        Listed(
            public_id=public_id,
            # the box's own conditions made the reader its sender or its recipient
            role=Role.SENDER if sender_id == reader.id else Role.RECIPIENT,
            status=status,
            beginning=beginning,
            recipient_name=display_name(first, last, username) if recipient_id else None,
            created_at=created_at,
            reaction=reaction,
        )
        for (
            public_id,
            sender_id,
            status,
            beginning,
            created_at,
            recipient_id,
            first,
            last,
            username,
            reaction,
        ) in rows
    ]
    return _page(found, limit)


def _page_parameters(reader: Party, limit: int, cursor: str | None) -> dict[str, object]:
    return {"reader": reader.id, "limit": limit + 1, "cursor": cursor}


def _page(found: list[Item], limit: int) -> Page[Item]:
    more = len(found) > limit
    return Page(found[:limit], found[limit - 1].public_id if more else None)


async def count_in(session: AsyncSession, reader: Party, *, box: str) -> int:
    """How many confessions a box holds, counted as `page_for` lists them."""
    query = select(func.count()).select_from(Confession).where(*_in_box(reader.id, box))
    return int((await session.exec(query)).one())


def _in_box(reader_id: int | BindParameter[int], box: str) -> list[ColumnElement[bool]]:
    """What the sent or received box lists: never a draft, and nothing the recipient has not
    received (withheld, held back, or waiting to be let in)."""
    owner = Confession.sender_id if box == "sent" else Confession.recipient_id
    where = [col(owner) == reader_id, col(Confession.status) != ConfessionStatus.DRAFT]
    if box == "received":
        where += [
            col(Confession.withheld_at).is_(None),
            or_(
                col(Confession.status) != ConfessionStatus.QUEUED,
                col(Confession.delivered_at).is_not(None),
            ),
            ~consent.kept_from_received(reader_id),
        ]
    return where


async def shareable(session: AsyncSession, sender: User, public_id: str | None) -> list[Confession]:
    """What the sender may post into a chat through inline mode: their own, not yet opened."""
    query = select(Confession).where(
        Confession.sender_id == sender.id, Confession.status == ConfessionStatus.QUEUED
    )
    if public_id and not is_public_id(public_id):
        return []
    if public_id:
        query = query.where(Confession.public_id == public_id)
    return list((await session.exec(query.order_by(col(Confession.id).desc()).limit(10))).all())


class Role(enum.StrEnum):
    SENDER = "sender"
    RECIPIENT = "recipient"


EDITABLE = frozenset({ConfessionStatus.DRAFT, *UNREAD})
"""Until it is revealed, nobody has read it: the sender may still change it."""
ALIVE = frozenset({*EDITABLE, ConfessionStatus.REVEALED})
"""Not withdrawn or expired: its sender may still sign it, or agree to a mutual reveal."""


@dataclass(frozen=True, slots=True)
class Permissions:
    """What one reader may do with a confession now; every adapter offers exactly these, and
    the lifecycle refuses the rest."""

    reveal: bool
    edit: bool
    sign: bool
    """Say who they are: only while that would tell the recipient something new."""
    withdraw: bool
    reply: bool
    react: bool
    block: bool
    report: bool


def permissions(confession: Confession, role: Role) -> Permissions:
    """The one place that decides, from the confession's state and the reader's side."""
    sender = role == Role.SENDER
    recipient = role == Role.RECIPIENT
    status = confession.status
    revealed = status == ConfessionStatus.REVEALED
    return Permissions(
        reveal=recipient and status in UNREAD,
        edit=sender and status in EDITABLE,
        sign=sender and status in ALIVE and not shown_sender(confession),
        withdraw=sender and status in UNREAD,
        reply=revealed,
        react=recipient and revealed,
        block=recipient,
        report=recipient,
    )


def content_visible(status: ConfessionStatus, role: Role) -> bool:
    """The recipient reads nothing before revealing it; the sender always can."""
    return role == Role.SENDER or status == ConfessionStatus.REVEALED


@dataclass(frozen=True, slots=True)
class ReaderView:
    """A confession as one of its two parties may see it; nobody else gets one."""

    view: ConfessionView
    role: Role
    style: ConfessionStyle
    reaction: str | None

    @property
    def confession(self) -> Confession:
        return self.view.confession

    @property
    def public_id(self) -> str:
        return self.view.confession.public_id

    @property
    def content_visible(self) -> bool:
        return content_visible(self.confession.status, self.role)

    @property
    def sender_name(self) -> str | None:
        if self.role == Role.SENDER:
            return self.view.sender.display_name
        if self.content_visible and self.view.sender_shown:
            return self.view.sender.display_name
        return None

    @property
    def can(self) -> Permissions:
        return permissions(self.confession, self.role)


async def for_reader(session: AsyncSession, public_id: str, reader: Party) -> ReaderView:
    """The sender or the recipient; to anyone else it does not exist."""
    if not is_public_id(public_id):
        raise NotFound()
    return await _for_reader(session, BY_PUBLIC_ID, public_id, reader)


async def shown(database: Database, public_id: str, reader: Party) -> ReaderView:
    """`for_reader` for a request that changes nothing, as the mini app shows it: read on the
    driver, outside any unit of work (its busiest read), and only the columns that showing
    it takes (`SHOWN_LAYOUT`). So the view is never to be changed or added to a session, and
    reading any other column of it raises."""
    if not is_public_id(public_id):
        raise NotFound()
    rows = await database.execute(SHOWN, {"key": public_id})
    if not rows:
        raise NotFound()
    entities, reaction = _entities(rows[0], SHOWN_LAYOUT)
    return _reader_views([(*entities, reaction)], reader)[0]


async def for_reader_by_id(session: AsyncSession, confession_id: int, reader: Party) -> ReaderView:
    """`for_reader`, by the internal id the chat keeps (a thread being replied to)."""
    return await _for_reader(session, BY_ID, confession_id, reader)


async def _for_reader(
    session: AsyncSession, query: Select[*Reading], key: str | int, reader: Party
) -> ReaderView:
    found = (await session.exec(query, params={"key": key})).first()
    if found is None:
        raise NotFound()
    return _reader_views([found], reader)[0]


Sender = aliased(User)
Recipient = aliased(User)
Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])
Columns = TypeVarTuple("Columns")
Reading = tuple[Confession, ConfessionStyle | None, User, User | None, Media | None, str | None]

FIRST_REACTION = (
    select(Reaction.kind)
    .where(col(Reaction.confession_id) == col(Confession.id))
    .order_by(col(Reaction.id))
    .limit(1)
    .scalar_subquery()
)


def _beside(query: sql.Select[*Columns]) -> sql.Select[*Columns]:
    """A confession's sender, recipient, style and media joined beside it."""
    return (
        query.join(Sender, col(Sender.id) == col(Confession.sender_id))
        .outerjoin(Recipient, col(Recipient.id) == col(Confession.recipient_id))
        .outerjoin(ConfessionStyle, col(ConfessionStyle.confession_id) == col(Confession.id))
        .outerjoin(Media, col(Media.id) == col(Confession.media_id))
    )


READING = cast(  # select() is typed for up to four columns, and this one has six
    "Select[*Reading]",
    _beside(
        select(Confession, ConfessionStyle, Sender, Recipient).add_columns(Media, FIRST_REACTION)
    ),
)
"""A confession with everything its reader sees, as whole entities, in one query: for a unit
of work (`for_reader`, `page_for`). Built once, as statements are immutable and building one
costs more than running it."""
BY_PUBLIC_ID = READING.where(col(Confession.public_id) == bindparam("key"))
BY_ID = READING.where(col(Confession.id) == bindparam("key"))


Line = tuple[
    str,
    int,
    ConfessionStatus,
    str,
    datetime,
    int | None,
    str | None,
    str | None,
    str | None,
    str | None,
]
LISTING = cast(  # select() is typed for up to four columns, and this one has ten
    "Select[*Line]",
    select(
        Confession.public_id,
        Confession.sender_id,
        Confession.status,
        func.substr(Confession.text, 1, PREVIEW_LENGTH),
    )
    .add_columns(
        col(Confession.created_at),
        col(Recipient.id),
        col(Recipient.first_name),
        col(Recipient.last_name),
        col(Recipient.username),
        FIRST_REACTION,
    )
    .outerjoin(Recipient, col(Recipient.id) == col(Confession.recipient_id)),
)
"""What a box's line shows (`Listed`), in one query."""


def _page_of(base: Query, *, sent: bool, after_cursor: bool) -> Query:
    reader = bindparam("reader", type_=BigInteger)
    query = (
        base.where(*_in_box(reader, "sent" if sent else "received"))
        .order_by(col(Confession.id).desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if after_cursor:
        last = select(Confession.id).where(Confession.public_id == bindparam("cursor"))
        query = query.where(col(Confession.id) < func.coalesce(last.scalar_subquery(), 0))
    return query


PAGES = {
    (sent, after_cursor): _page_of(READING, sent=sent, after_cursor=after_cursor)
    for sent in (True, False)
    for after_cursor in (False, True)
}
"""A box's pages, by (sent, after a cursor): built once, like READING."""
LISTED_PAGES = {
    (sent, after_cursor): _page_of(LISTING, sent=sent, after_cursor=after_cursor)
    for sent in (True, False)
    for after_cursor in (False, True)
}
"""The same pages, as `listed` reads them."""


@dataclass(frozen=True, slots=True)
class Part:
    """Where one entity's columns sit in a row read on the driver."""

    entity: Any
    """The model, or an alias of it, whose columns the query selects."""
    manager: Any
    """The entity's class manager, which makes an instance without running __init__."""
    keys: tuple[str, ...]
    """The attributes read, the primary key first."""
    unread: frozenset[str]
    """The entity's other columns: reading one raises, where it would quietly be None."""


Layout = tuple[Part, ...]


def _part(entity: Any, keys: tuple[str, ...] | None = None) -> Part:
    """`entity` (a model or an alias of one) read whole, or only its columns `keys`."""
    mapper = inspect(entity).mapper
    every = tuple(mapper.get_property_by_column(column).key for column in mapper.columns)
    keys = keys or every
    assert keys[0] == mapper.get_property_by_column(mapper.primary_key[0]).key
    return Part(entity, mapper.class_manager, keys, frozenset(every) - set(keys))


def _columns(layout: Layout) -> list[Any]:
    return [getattr(part.entity, key) for part in layout for key in part.keys]


SHOWN_LAYOUT = (
    _part(
        Confession,
        (
            "id",
            "public_id",
            "sender_id",
            "recipient_id",
            "status",
            "text",
            "text_html",
            "signature",
            "hint",
            "media_id",
            "created_at",
            "delivered_at",
            "revealed_at",
            "matched_at",
            "withheld_at",
        ),
    ),
    _part(ConfessionStyle),
    _part(Sender, ("id", "first_name", "last_name", "username")),
    _part(Recipient, ("id", "first_name", "last_name", "username")),
    _part(Media, ("id", "kind")),
)
"""What the mini app's answer for one confession reads (`shown`): 34 columns of READING's 73.
A row costs the driver and this process CPU by the column: the read took 8% less CPU than
with whole entities."""
SHOWN: sql.Select[*tuple[Any, ...]] = _beside(
    select(*_columns(SHOWN_LAYOUT)).add_columns(FIRST_REACTION)
).where(col(Confession.public_id) == bindparam("key"))


def _entities(row: tuple[Any, ...], layout: Layout) -> tuple[list[Any], Any]:
    """A row read on the driver as the ORM would build its entities, outside any session,
    and the one column after them; a missing entity of an outer join is None. They are left
    transient, as nothing will add them to a session (marking each detached, as loaded ones
    are, was a twentieth of the read's CPU); columns not read are marked expired, which on an
    entity outside a session raises when read."""
    built: list[Any] = []
    start = 0
    for part in layout:
        values = row[start : start + len(part.keys)]
        start += len(part.keys)
        if values[0] is None:  # the primary key
            built.append(None)
            continue
        entity = part.manager.new_instance()
        entity.__dict__.update(zip(part.keys, values, strict=True))
        if part.unread:
            instance_state(entity).expired_attributes.update(part.unread)
        built.append(entity)
    return built, row[start]


def _role(confession: Confession, reader: Party) -> Role:
    if confession.sender_id == reader.id:
        return Role.SENDER
    if (
        confession.recipient_id == reader.id
        and confession.status != ConfessionStatus.DRAFT
        and confession.withheld_at is None
    ):
        return Role.RECIPIENT
    raise NotFound()


def _reader_views(rows: Sequence[Reading], reader: Party) -> list[ReaderView]:
    """A confession whose sender never picked a look has no style row (`drafts.start`); it
    reads as the default one, and reading writes nothing."""
    return [
        ReaderView(
            view=ConfessionView(
                confession=confession, sender=sender, recipient=recipient, media=media
            ),
            role=_role(confession, reader),
            style=style or _default_style(confession),
            reaction=reaction,
        )
        for confession, style, sender, recipient, media, reaction in rows
    ]


def _default_style(confession: Confession) -> ConfessionStyle:
    """The look of a confession whose sender never picked one: the defaults, unchanged
    since it was made (however many times it is read, and on whichever path)."""
    return ConfessionStyle(confession_id=confession.id or 0, updated_at=confession.created_at)


async def style_of(session: AsyncSession, confession: Confession) -> ConfessionStyle:
    """The card's look; the default one for a confession that never chose one."""
    style = await session.get(ConfessionStyle, confession.id)
    return style if style is not None else _default_style(confession)
