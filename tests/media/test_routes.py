"""The media API of the mini app, and the signed file links of the local backend, over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from core.errors import MediaTooLarge
from core.media import LocalStore, MediaStore
from core.settings import Settings
from models import User
from tests.media import samples
from tests.media.conftest import MediaCalls, MiniApp, Served, fetch

local_only = pytest.mark.parametrize("backend", ["local"], indirect=True)
s3_only = pytest.mark.parametrize(
    "backend", [pytest.param("s3", marks=pytest.mark.s3)], indirect=True
)

KEY = "m/route-test"


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    return make_user("Alice")


@pytest.fixture
def eve(make_user: Callable[..., User]) -> User:
    return make_user("Eve")


def with_query(url: str, **changes: str) -> str:
    """The same link with some query values changed, as someone tampering with it would."""
    parts = urlsplit(url)
    query = {**dict(parse_qsl(parts.query)), **changes}
    return urlunsplit(parts._replace(query=urlencode(query)))


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def begun(mini_app: MiniApp, user: User, kind: str = "image") -> dict[str, object]:
    response = await mini_app.post(user, "/api/v1/media", {"kind": kind})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def send(started: dict[str, object], data: bytes, media: MediaCalls) -> None:
    response = await sent(started, data)
    assert response.is_success, response.text


async def sent(started: dict[str, object], data: bytes) -> httpx.Response:
    """The phone sending a file to the upload link it was given, whatever the answer."""
    upload = started["upload"]
    assert isinstance(upload, dict)
    async with httpx.AsyncClient(timeout=10) as client:
        if upload["method"] == "PUT":
            return await client.put(upload["url"], content=data)
        files = {"file": ("photo.jpg", data, "image/jpeg")}
        return await client.post(upload["url"], data=upload["fields"], files=files)


def uploaded_files(store: MediaStore) -> list[Path]:
    """Files under upload keys on local disk: what no completed media holds."""
    assert isinstance(store, LocalStore)
    return [path for path in (store.root / "objects" / "u").rglob("*") if path.is_file()]


# The mini-app API, on both backends


async def test_an_upload_through_the_api_ends_as_a_photo_with_links(
    mini_app: MiniApp, media: MediaCalls, alice: User
) -> None:
    started = await begun(mini_app, alice)
    await send(started, samples.jpeg_with_gps(), media)

    response = await mini_app.post(alice, f"/api/v1/media/{started['id']}/complete")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["kind"]) == (started["id"], "photo")
    assert (await fetch(body["url"])).headers["content-type"] == "image/jpeg"
    assert (await fetch(body["thumbnail_url"])).status_code == 200


async def test_beginning_an_upload_says_how_large_it_may_be(
    mini_app: MiniApp, settings: Settings, alice: User
) -> None:
    started = await begun(mini_app, alice, "video")

    assert started["max_bytes"] == settings.media_max_video_bytes


async def test_the_api_refuses_html_sent_as_a_jpeg_in_plain_words(
    mini_app: MiniApp, media: MediaCalls, alice: User
) -> None:
    started = await begun(mini_app, alice)
    await send(started, samples.HTML, media)

    response = await mini_app.post(alice, f"/api/v1/media/{started['id']}/complete")

    assert response.status_code == 422
    assert error_code(response) == "media_not_allowed"


async def test_the_api_refuses_an_image_past_the_pixel_cap_naming_the_cap(
    mini_app: MiniApp, media: MediaCalls, alice: User
) -> None:
    started = await begun(mini_app, alice)
    await send(started, samples.png((7070, 7070)), media)

    response = await mini_app.post(alice, f"/api/v1/media/{started['id']}/complete")

    assert response.status_code == 422
    assert error_code(response) == "media_not_allowed"
    assert "at most 24 megapixels" in response.json()["error"]["message"]


async def test_a_stranger_asking_for_someones_media_gets_404(
    mini_app: MiniApp, media: MediaCalls, alice: User, eve: User
) -> None:
    photo = await media.save(alice, samples.png())

    response = await mini_app.get(eve, f"/api/v1/media/{photo.public_id}")

    assert response.status_code == 404
    assert error_code(response) == "not_found"


async def test_the_owner_gets_fresh_links(
    mini_app: MiniApp, media: MediaCalls, alice: User
) -> None:
    photo = await media.save(alice, samples.png())

    response = await mini_app.get(alice, f"/api/v1/media/{photo.public_id}")

    assert response.status_code == 200
    assert (await fetch(response.json()["url"])).content == await media.store.get(
        photo.storage_key or ""
    )


async def test_the_api_needs_telegram_init_data(mini_app: MiniApp) -> None:
    response = await mini_app.post(None, "/api/v1/media", {"kind": "image"})

    assert response.status_code == 401


async def test_an_unknown_kind_is_an_invalid_request(mini_app: MiniApp, alice: User) -> None:
    response = await mini_app.post(alice, "/api/v1/media", {"kind": "document"})

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"


async def test_openapi_documents_the_media_api_and_its_errors(web: Served) -> None:
    paths = (await fetch(f"{web.url}/openapi.json")).json()["paths"]

    assert {"201", "413", "503"} <= set(paths["/api/v1/media"]["post"]["responses"])
    assert "/media/files/{key}" not in paths


# Signed links of the local backend


@local_only
async def test_a_file_is_served_privately_with_its_stored_type(store: MediaStore) -> None:
    await store.put(KEY, samples.png(), "image/png")

    response = await fetch(await store.read_url(KEY, expires_in=60))

    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"].startswith("private")
    assert response.headers["x-content-type-options"] == "nosniff"


@local_only
async def test_an_expired_file_link_is_refused_with_403(store: MediaStore) -> None:
    await store.put(KEY, samples.png(), "image/png")

    response = await fetch(await store.read_url(KEY, expires_in=-1))

    assert response.status_code == 403
    assert error_code(response) == "link_expired"


@local_only
async def test_a_file_link_with_a_later_expiry_written_in_is_refused(store: MediaStore) -> None:
    await store.put(KEY, samples.png(), "image/png")
    expired = await store.read_url(KEY, expires_in=-1)

    response = await fetch(with_query(expired, expires="9999999999"))

    assert response.status_code == 403
    assert error_code(response) == "link_invalid"


@local_only
async def test_a_file_link_for_another_key_is_refused(store: MediaStore, web: Served) -> None:
    link = urlsplit(await store.read_url(KEY, expires_in=60))

    for path in ("/media/files/m/other", "/media/files/m/../../etc/passwd"):
        response = await fetch(f"{web.url}{path}?{link.query}")
        assert response.status_code in (403, 404)
        assert "error" in response.json()


@local_only
async def test_an_upload_declared_over_its_cap_is_refused_with_413(store: MediaStore) -> None:
    target = await store.upload_target(KEY, max_bytes=1_000, expires_in=60)

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.put(target.url, content=bytes(5_000))

    assert response.status_code == 413
    assert not await store.exists(KEY)


@local_only
async def test_an_upload_streamed_past_its_cap_is_cut_off_with_413(store: MediaStore) -> None:
    target = await store.upload_target(KEY, max_bytes=1_000, expires_in=60)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield bytes(400)

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.put(target.url, content=chunks())

    assert response.status_code == 413
    assert error_code(response) == "media_too_large"
    assert not await store.exists(KEY)


@local_only
async def test_receiving_stops_reading_at_the_first_chunk_past_the_cap(
    store: MediaStore,
) -> None:
    assert isinstance(store, LocalStore)
    pulled: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            pulled.append(1)
            yield bytes(400)

    with pytest.raises(MediaTooLarge):
        await store.receive(KEY, endless(), max_bytes=1_000)

    assert len(pulled) == 3
    assert not await store.exists(KEY)
    assert list((store.root / "incoming").iterdir()) == []


@local_only
async def test_an_upload_link_with_a_raised_cap_is_refused(store: MediaStore) -> None:
    target = await store.upload_target(KEY, max_bytes=1_000, expires_in=60)

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.put(with_query(target.url, max="100000000"), content=b"x")

    assert response.status_code == 403
    assert not await store.exists(KEY)


@local_only
async def test_an_expired_upload_link_is_refused(store: MediaStore) -> None:
    target = await store.upload_target(KEY, max_bytes=1_000, expires_in=-1)

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.put(target.url, content=b"x")

    assert response.status_code == 403
    assert error_code(response) == "link_expired"


@local_only
async def test_an_upload_link_answers_410_once_its_upload_was_completed(
    mini_app: MiniApp, media: MediaCalls, store: MediaStore, alice: User
) -> None:
    started = await begun(mini_app, alice)
    await send(started, samples.png(), media)
    completed = await mini_app.post(alice, f"/api/v1/media/{started['id']}/complete")
    assert completed.status_code == 200, completed.text

    again = await sent(started, samples.png((1400, 1400), noise=True))

    assert again.status_code == 410
    assert error_code(again) == "upload_link_used"
    assert uploaded_files(store) == []


@local_only
async def test_an_upload_link_answers_410_once_its_bytes_arrived(
    mini_app: MiniApp, media: MediaCalls, alice: User
) -> None:
    started = await begun(mini_app, alice)
    await send(started, samples.png(), media)

    again = await sent(started, samples.HTML)
    completed = await mini_app.post(alice, f"/api/v1/media/{started['id']}/complete")

    assert again.status_code == 410
    assert error_code(again) == "upload_link_used"
    assert completed.status_code == 200, completed.text
    assert completed.json()["kind"] == "photo"


@local_only
async def test_a_refused_upload_closes_its_link(
    mini_app: MiniApp, media: MediaCalls, store: MediaStore, alice: User
) -> None:
    started = await begun(mini_app, alice)
    await send(started, samples.HTML, media)
    refused = await mini_app.post(alice, f"/api/v1/media/{started['id']}/complete")
    assert refused.status_code == 422

    again = await sent(started, samples.png())

    assert again.status_code == 410
    assert uploaded_files(store) == []


@local_only
async def test_two_uploads_racing_on_one_link_leave_one_file(
    mini_app: MiniApp, store: MediaStore, alice: User
) -> None:
    started = await begun(mini_app, alice)
    gate = asyncio.Event()

    async def slow_body(data: bytes) -> AsyncIterator[bytes]:
        await gate.wait()
        yield data

    async def racing(data: bytes) -> httpx.Response:
        upload = started["upload"]
        assert isinstance(upload, dict)
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.put(upload["url"], content=slow_body(data))

    first = asyncio.create_task(racing(samples.png()))
    second = asyncio.create_task(racing(samples.png((80, 80))))
    await asyncio.sleep(0.3)
    gate.set()
    answers = sorted([(await first).status_code, (await second).status_code])

    assert answers == [204, 410]
    assert len(uploaded_files(store)) == 1


@s3_only
async def test_with_s3_the_local_file_routes_are_not_there(web: Served, store: MediaStore) -> None:
    response = await fetch(f"{web.url}/media/files/{KEY}?expires=1&sig=x")

    assert response.status_code == 404
