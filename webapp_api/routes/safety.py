"""The mini app's safety screens: the caller's blocks (to undo them) and the privacy notice's
figures. A block is named only by what its blocker saw, never by who it blocks."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from core import moderation, privacy
from webapp_api.auth import Caller
from webapp_api.deps import ReadSessionDep, RowId, SessionDep, SettingsDep
from webapp_api.errors import responses

router = APIRouter(prefix="/api/v1", tags=["safety"], responses=responses(401, 413, 422, 429, 503))


class BlockOut(BaseModel):
    id: int
    preview: str | None = Field(
        description="the first words of the blocked confession, while it exists and was read;"
        " null: an anonymous sender, named by the date only"
    )
    created_at: datetime


class Blocks(BaseModel):
    items: list[BlockOut]


class RetentionOut(BaseModel):
    """How long things are kept, for the privacy screen; the words are the page's own."""

    confession_expiry_days: int
    outbox_kept_days: int
    inbox_kept_days: int


@router.get("/blocks", response_model=Blocks)
async def list_blocks(session: ReadSessionDep, caller: Caller) -> Blocks:
    """The senders the caller blocked, newest first."""
    entries = await moderation.blocks_of(session, caller)
    return Blocks(
        items=[BlockOut(id=e.id, preview=e.preview, created_at=e.created_at) for e in entries]
    )


@router.delete("/blocks/{block_id}", status_code=204, responses=responses(404))
async def unblock(block_id: RowId, session: SessionDep, caller: Caller) -> Response:
    """Undo one of the caller's blocks; anyone else's is not found."""
    await moderation.unblock(session, caller, block_id)
    return Response(status_code=204)


@router.get("/privacy", response_model=RetentionOut)
async def retention(settings: SettingsDep, _caller: Caller) -> RetentionOut:
    kept = privacy.retention(settings)
    return RetentionOut(
        confession_expiry_days=kept.confession_expiry_days,
        outbox_kept_days=kept.outbox_kept_days,
        inbox_kept_days=kept.inbox_kept_days,
    )
