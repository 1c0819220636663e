"""Media: the mini app's uploads, and the signed links of the local-disk backend."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from core import media as media_service
from core.errors import NotFound
from core.media import LocalStore, MediaUrls, UploadKind
from core.media.errors import too_large
from models import Media
from webapp_api.auth import Caller, CurrentUser
from webapp_api.deps import MediaStoreDep, ReadSessionDep, SessionDep, SettingsDep
from webapp_api.errors import responses

router = APIRouter()


async def get_local_store(store: MediaStoreDep) -> LocalStore:
    """The file routes exist for the local backend only; with S3 they are not there."""
    if not isinstance(store, LocalStore):
        raise NotFound()
    return store


LocalStoreDep = Annotated[LocalStore, Depends(get_local_store)]
Expires = Annotated[int, Query(description="Unix time after which the link is refused")]
Signature = Annotated[str, Query(alias="sig", description="HMAC-SHA-256 of the link")]


class BeginUpload(BaseModel):
    kind: UploadKind = Field(description="What the phone is about to send; its bytes decide.")


class UploadTargetPublic(BaseModel):
    url: str
    method: Literal["PUT", "POST"]
    fields: dict[str, str] = Field(description="Form fields to send before the file (POST)")


class UploadStarted(BaseModel):
    id: str
    upload: UploadTargetPublic
    max_bytes: int


class MediaPublic(BaseModel):
    id: str
    kind: str
    url: str
    thumbnail_url: str | None


def _public(media: Media, urls: MediaUrls) -> MediaPublic:
    return MediaPublic(
        id=media.public_id, kind=media.kind, url=urls.url, thumbnail_url=urls.thumbnail_url
    )


@router.post(
    "/api/v1/media",
    status_code=201,
    response_model=UploadStarted,
    responses=responses(401, 413, 422, 429, 503),
    tags=["media"],
)
async def begin_upload(
    body: BeginUpload,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
) -> UploadStarted:
    """Where the phone uploads a photo or video directly; then it calls `complete`."""
    pending = await media_service.begin_upload(session, store, settings, owner=user, kind=body.kind)
    target = pending.target
    return UploadStarted(
        id=pending.media.public_id,
        upload=UploadTargetPublic(url=target.url, method=target.method, fields=target.fields),
        max_bytes=pending.max_bytes,
    )


@router.post(
    "/api/v1/media/{media_id}/complete",
    response_model=MediaPublic,
    responses=responses(401, 404, 409, 413, 422, 429, 503),
    tags=["media"],
)
async def complete_upload(
    media_id: str,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
) -> MediaPublic:
    """Check the uploaded file by its content; a refused file is deleted."""
    media = await media_service.complete_upload(session, store, settings, user, media_id)
    urls = await media_service.readable_url(session, store, settings, media, user)
    return _public(media, urls)


@router.get(
    "/api/v1/media/{media_id}",
    response_model=MediaPublic,
    responses=responses(401, 404, 422, 429, 503),
    tags=["media"],
)
async def read_media(
    media_id: str,
    caller: Caller,
    session: ReadSessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
) -> MediaPublic:
    """Fresh short-lived links, for the owner or the recipient after the reveal."""
    media, urls = await media_service.open_media(
        session, store, settings, reader=caller, public_id=media_id
    )
    return _public(media, urls)


@router.get(
    "/media/files/{key:path}",
    response_class=FileResponse,
    responses=responses(403, 404, 503),
    include_in_schema=False,
)
async def serve_file(
    key: str, store: LocalStoreDep, expires: Expires = 0, signature: Signature = ""
) -> FileResponse:
    """A stored file, for whoever holds an unexpired link signed by us."""
    store.verify_read(key, expires=expires, signature=signature)
    path, content_type = await store.served_file(key)
    max_age = max(0, expires - int(time.time()))
    headers = {"Cache-Control": f"private, max-age={max_age}", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=content_type, headers=headers)


@router.put(
    "/media/uploads/{key:path}",
    status_code=204,
    responses=responses(403, 404, 410, 413, 503),
    include_in_schema=False,
)
async def receive_upload(
    key: str,
    request: Request,
    store: LocalStoreDep,
    expires: Expires = 0,
    max_bytes: Annotated[int, Query(alias="max", ge=0)] = 0,
    signature: Signature = "",
) -> Response:
    """The local stand-in for a presigned S3 upload: streamed, cut off past the cap, and taken
    once (410 after that)."""
    store.verify_upload(key, expires=expires, max_bytes=max_bytes, signature=signature)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    await store.receive(key, request.stream(), max_bytes=max_bytes)
    return Response(status_code=204)
