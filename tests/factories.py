"""Confessions made through the domain's own functions, as the chat makes them, for tests
whose subject comes after composing: much faster than a conversation through the webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import telegram
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import context
from core import consent, drafts, lifecycle, users
from core.settings import Settings
from models import Confession, ConfessionStatus, HeldItem, Signature, User
from models.db import Database
from tests.telegram import Person

T = TypeVar("T")


def run_apart(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from a test's synchronous code, on a thread of its own:
    the test's thread may already run a loop (Playwright's does)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


async def compose(
    session: AsyncSession,
    settings: Settings,
    sender: User,
    to: User | None = None,
    *,
    username: str | None = None,
    text: str = "I think about you every day",
    signature: Signature = Signature.ANONYMOUS,
    hint: str | None = None,
) -> Confession:
    """Step by step up to the preview, as the chat composes one. `username="bob_k"`
    addresses it by a typed @username instead of `to`; with neither it is an open link."""
    draft = await drafts.start(session, settings, sender)
    if to is not None:
        await drafts.set_recipient(session, draft, to)
    elif username is not None:
        await drafts.set_recipient_username(session, draft, sender, username)
    else:
        await drafts.set_open_recipient(session, draft)
    await drafts.set_text(session, draft, settings, text=text, text_html=text)
    await drafts.skip_media(session, draft)
    await drafts.choose_signature(session, draft, signature)
    if hint is not None:
        await drafts.set_hint(session, draft, settings, hint)
    return draft


async def compose_and_send(
    session: AsyncSession,
    settings: Settings,
    sender: User,
    to: User | None = None,
    *,
    mutual: bool = False,
    words_confirmed: str | None = None,
    **composing: Any,
) -> Confession:
    """Composed (`composing` as for `compose`) and sent. `mutual=True` is the sender's
    agreement to be named if it turns out mutual."""
    draft = await compose(session, settings, sender, to, **composing)
    if mutual:
        await lifecycle.agree_to_mutual_reveal(session, settings, draft.public_id, sender, True)
    sent = await lifecycle.send(session, settings, draft, sender, words_confirmed=words_confirmed)
    return sent.confession


def drafted(settings: Settings, sender: Person, recipient: Person) -> str:
    """A pretend Telegram user's confession to another, composed through the domain up to its
    preview, as the chat leaves it there; its public id. Both have started the bot."""

    async def composed() -> str:
        async with product_session(settings) as session:
            writer = await started(session, sender)
            reader = await started(session, recipient)
            return (await compose(session, settings, writer, reader)).public_id

    return run_apart(composed())


def delivered(settings: Settings, sender: Person, recipient: Person, **options: Any) -> str:
    """A confession from one pretend Telegram user to another, sent through the domain as the
    chat sends it, let in as the recipient's Accept lets it in, and delivered by the running
    product's outbox worker; its public id, once the recipient has the message with Reveal.
    Both have started the bot. For end-to-end tests whose subject comes after the delivery:
    a fraction of a second instead of a dozen updates through the webhook. `options` as for
    `compose_and_send`."""
    public_id = run_apart(_sent_and_let_in(settings, sender, recipient, **options))
    recipient.wait_for_message("Someone has a confession")
    run_apart(_delivery_recorded(settings, public_id))
    return public_id


async def _delivery_recorded(settings: Settings, public_id: str, *, seconds: float = 10) -> None:
    """The worker records a delivery right after Telegram has taken it, so the message can be
    in the chat a moment before the confession reads as delivered."""
    database = Database(settings.database)
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        while True:
            async with database.reading() as session:
                found = await session.exec(
                    select(Confession.status).where(Confession.public_id == public_id)
                )
                if found.one() != ConfessionStatus.QUEUED:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the delivery of {public_id} was never recorded")
            await asyncio.sleep(0.02)
    finally:
        await database.dispose()


async def _sent_and_let_in(
    settings: Settings, sender: Person, recipient: Person, **options: Any
) -> str:
    async with product_session(settings) as session:
        writer = await started(session, sender)
        reader = await started(session, recipient)
        confession = await compose_and_send(session, settings, writer, reader, **options)
        held = await session.exec(
            select(HeldItem.id).where(HeldItem.confession_id == confession.id)
        )
        if held.first() is not None:  # a stranger's first: a request, accepted
            await consent.accept(session, confession, reader)
        return confession.public_id


@asynccontextmanager
async def product_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One unit of work on the running product's database, committed at the end, with an
    engine of its own (the product's lives on the server's loop)."""
    database = Database(settings.database)
    try:
        async with database.session() as session:
            yield session
    finally:
        await database.dispose()


async def started(session: AsyncSession, person: Person) -> User:
    """The user as the bot knows them once they have sent /start."""
    user = await users.sync_user(session, context.identity(telegram.User(**person.profile)))
    await users.mark_started(session, user)
    return user


async def delivered_to(session: AsyncSession, confession: Confession, person: Person) -> None:
    """What the outbox worker records once Telegram has the delivery notice."""
    assert confession.id is not None
    await lifecycle.mark_delivered(session, confession.id, chat_id=person.id, message_id=None)
