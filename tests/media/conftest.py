"""Media fixtures: the same tests run on local disk and on S3 (moto's server over HTTP).

`settings` here adds the backend to the suite's settings; `@pytest.mark.settings(...)` still
changes any of them, including media settings `Settings` does not define yet.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from moto.server import ThreadedMotoServer
from sqlmodel import Session, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import telegram_auth
from core import media as service
from core.media import MediaStore, MediaUrls, PendingUpload, UploadKind, UploadTarget
from core.media.service import UPLOAD_SWEEP_MARGIN, Download
from core.settings import Settings
from emulator import ThreadedUvicorn
from models import Confession, ConfessionStatus, Media, User
from models.db import Database
from models.types import utcnow
from tests.support import free_port
from webapp_api.app import create_app

BACKENDS = ["local", pytest.param("s3", marks=pytest.mark.s3)]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's S3 over real HTTP on loopback, for the whole run; each test has its own bucket."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """boto3 reads its credentials from the environment, as in production; none are real."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The media settings of one backend; S3 gets a fresh bucket that the store creates."""
    if request.param == "local":
        return {"media_backend": "local"}
    request.getfixturevalue("aws_credentials")
    return {
        "media_backend": "s3",
        "s3_endpoint_url": request.getfixturevalue("moto_server"),
        "s3_bucket": f"media-{uuid.uuid4().hex[:12]}",
        "s3_create_bucket": True,
    }


@pytest.fixture
def settings(
    make_settings: Callable[..., Settings],
    backend: dict[str, Any],
    request: pytest.FixtureRequest,
) -> Settings:
    """Settings of the product with the backend under test and any `settings` marker."""
    marker = request.node.get_closest_marker("settings")
    wanted = {**backend, **(marker.kwargs if marker else {})}
    known = {name: value for name, value in wanted.items() if name in Settings.model_fields}
    # Settings proposed for media but not defined yet reach `media_config` through getattr.
    proposed = {name: value for name, value in wanted.items() if name not in known}
    return make_settings(**known).model_copy(update=proposed)


@dataclass(frozen=True)
class Served:
    url: str
    app: FastAPI


@pytest.fixture
def web(settings: Settings) -> Iterator[Served]:
    """The product's web app, served over HTTP on loopback, its media links absolute."""
    database = Database(settings.database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()

    app = create_app(settings, database, lifespan=lifespan)
    with ThreadedUvicorn(app) as server:
        app.state.media_store = service.build_media_store(settings, base_url=server.url)
        yield Served(url=server.url, app=app)


@pytest.fixture
async def store(web: Served) -> MediaStore:
    """The store the served app uses; the S3 bucket is created on first use."""
    media_store: MediaStore = web.app.state.media_store
    await media_store.ensure_ready()
    return media_store


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database)
    yield database
    await database.dispose()


@dataclass
class MediaCalls:
    """The media service as the adapters call it: each call is one unit of work."""

    database: Database
    store: MediaStore
    settings: Settings

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self.database.session() as session:
            yield session

    async def save(self, owner: User, data: bytes, kind: UploadKind = UploadKind.IMAGE) -> Media:
        async with self._session() as session:
            return await service.save_upload(
                session, self.store, self.settings, owner=owner, data=data, kind=kind
            )

    async def begin(self, owner: User, kind: UploadKind = UploadKind.IMAGE) -> PendingUpload:
        async with self._session() as session:
            return await service.begin_upload(
                session, self.store, self.settings, owner=owner, kind=kind
            )

    async def complete(self, owner: User, public_id: str) -> Media:
        async with self._session() as session:
            return await service.complete_upload(
                session, self.store, self.settings, owner, public_id
            )

    async def urls(self, media: Media, reader: User) -> MediaUrls:
        async with self._session() as session:
            return await service.readable_url(session, self.store, self.settings, media, reader)

    async def attach(self, owner: User, public_id: str) -> Media:
        async with self._session() as session:
            return await service.attach_upload(session, owner=owner, media_public_id=public_id)

    async def from_telegram(self, media: Media, download: Download) -> Media:
        async with self._session() as session:
            loaded = await session.get(Media, media.id)
            assert loaded is not None
            return await service.store_from_telegram(
                session, self.store, self.settings, loaded, download
            )

    async def delete(self, media: Media) -> None:
        async with self._session() as session:
            loaded = await session.get(Media, media.id)
            assert loaded is not None
            await service.delete_media(session, self.store, loaded)

    async def sweep(self, older_than: timedelta = timedelta(days=1)) -> int:
        async with self._session() as session:
            return await service.sweep_unattached(session, self.store, older_than=older_than)

    async def sweep_uploads(self, *, now: datetime | None = None) -> int:
        async with self._session() as session:
            return await service.sweep_uploads(session, self.store, self.settings, now=now)

    def once_links_expired(self) -> datetime:
        """A moment when every upload link issued until now has expired, margin included."""
        ttl = timedelta(seconds=self.settings.media_upload_ttl_seconds)
        return utcnow() + ttl + UPLOAD_SWEEP_MARGIN + timedelta(seconds=2)

    async def upload(
        self,
        target: UploadTarget,
        data: bytes,
        *,
        filename: str = "photo.jpg",
        content_type: str = "image/jpeg",
    ) -> httpx.Response:
        """Send the file the way the phone does: PUT to our app, or the presigned S3 POST."""
        async with httpx.AsyncClient(timeout=10) as client:
            if target.method == "PUT":
                return await client.put(
                    target.url, content=data, headers={"Content-Type": content_type}
                )
            return await client.post(
                target.url, data=target.fields, files={"file": (filename, data, content_type)}
            )

    async def uploaded(self, owner: User, data: bytes, **how: str) -> PendingUpload:
        """An upload begun and sent, not yet completed."""
        pending = await self.begin(owner)
        await self.upload(pending.target, data, **how)
        return pending


@pytest.fixture
def media(database: Database, store: MediaStore, settings: Settings) -> MediaCalls:
    return MediaCalls(database=database, store=store, settings=settings)


async def fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url)


_ids = itertools.count(7_000_001)


@pytest.fixture
def make_user(db: Session) -> Callable[..., User]:
    """A stored user; `make_user("Alice")`."""

    def make(first_name: str = "Someone") -> User:
        user = User(id=next(_ids), first_name=first_name, can_message=True)
        db.add(user)
        db.commit()
        db.refresh(user)
        return user

    return make


@pytest.fixture
def make_confession(db: Session) -> Callable[..., Confession]:
    """A stored confession from `sender` to `recipient`, carrying `media`."""

    def make(
        sender: User,
        recipient: User,
        media: Media,
        *,
        status: ConfessionStatus = ConfessionStatus.DELIVERED,
    ) -> Confession:
        confession = Confession(
            sender_id=sender.id,
            recipient_id=recipient.id,
            status=status,
            compose_step=None,
            text="I always liked your laugh.",
            media_id=media.id,
        )
        db.add(confession)
        db.commit()
        db.refresh(confession)
        return confession

    return make


@pytest.fixture
def make_chat_media(db: Session) -> Callable[..., Media]:
    """Media sent in the bot chat: known by Telegram's file id, not yet in our storage."""

    def make(owner: User, kind: str = "photo") -> Media:
        row = Media(
            owner_id=owner.id,
            kind=kind,
            telegram_file_id=f"file-{uuid.uuid4().hex}",
            telegram_file_unique_id=uuid.uuid4().hex[:16],
        )
        db.add(row)
        db.commit()
        db.refresh(row)
        return row

    return make


@pytest.fixture
def media_rows(db: Session) -> Callable[[], list[Media]]:
    """Every media row as the database holds it now."""

    def rows() -> list[Media]:
        db.expire_all()
        return list(db.exec(select(Media)).all())

    return rows


def telegram_file(data: bytes) -> Download:
    """What the bot passes in: a download of a Telegram file by its id."""

    async def download(_file_id: str) -> bytes:
        return data

    return download


@dataclass
class MiniApp:
    """The mini app calling the API as a signed-in Telegram user."""

    base_url: str
    bot_token: str

    def headers(self, user: User) -> dict[str, str]:
        identity = {"id": user.id, "first_name": user.first_name}
        return {"Authorization": f"tma {telegram_auth.sign(identity, bot_token=self.bot_token)}"}

    async def post(self, user: User | None, path: str, body: object = None) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            headers = self.headers(user) if user else {}
            return await client.post(path, json=body, headers=headers)

    async def get(self, user: User, path: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            return await client.get(path, headers=self.headers(user))


@pytest.fixture
def mini_app(web: Served, settings: Settings, store: MediaStore) -> MiniApp:
    assert settings.token is not None
    return MiniApp(base_url=web.url, bot_token=settings.token)
