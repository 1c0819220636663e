"""The media service on both backends: what is accepted, what is kept, and who may read it."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session

from core.errors import MediaNotAllowed, MediaTooLarge, NotFound, WrongState
from core.housekeeping import Housekeeper
from core.media import LocalStore, MediaQuotaExceeded, MediaStore, UploadKind, UploadMissing
from core.media.service import UPLOAD_SWEEP_MARGIN
from core.media.validation import THUMBNAIL_SIDE, Prepared, prepare
from models import Confession, ConfessionStatus, Media, User
from models.db import Database
from models.types import utcnow
from tests.media import samples
from tests.media.conftest import MediaCalls, fetch, telegram_file

SMALL_CAP = 50_000

MakeUser = Callable[..., User]
MakeConfession = Callable[..., Confession]
MediaRows = Callable[[], list[Media]]


@pytest.fixture
def alice(make_user: MakeUser) -> User:
    return make_user("Alice")


@pytest.fixture
def bob(make_user: MakeUser) -> User:
    return make_user("Bob")


@pytest.fixture
def eve(make_user: MakeUser) -> User:
    return make_user("Eve")


async def stored_image(store: MediaStore, key: str | None) -> Image.Image:
    assert key is not None
    image = Image.open(BytesIO(await store.get(key)))
    image.load()
    return image


# Uploads already in hand


async def test_a_photo_is_stored_ready_with_a_thumbnail(
    media: MediaCalls, store: MediaStore, alice: User
) -> None:
    photo = await media.save(alice, samples.jpeg((1200, 900)))

    assert (photo.kind, photo.content_type) == ("photo", "image/jpeg")
    assert photo.size_bytes == len(await store.get(photo.storage_key or ""))
    thumbnail = await stored_image(store, photo.thumbnail_key)
    assert max(thumbnail.size) == THUMBNAIL_SIDE


async def test_html_named_jpg_is_refused_and_nothing_is_kept(
    media: MediaCalls, alice: User, media_rows: MediaRows
) -> None:
    with pytest.raises(MediaNotAllowed):
        await media.save(alice, samples.HTML)

    assert media_rows() == []


async def test_a_photo_loses_its_gps_position(
    media: MediaCalls, store: MediaStore, alice: User
) -> None:
    photo = await media.save(alice, samples.jpeg_with_gps())

    image = await stored_image(store, photo.storage_key)
    assert not image.getexif()
    assert "exif" not in image.info


async def test_an_animated_gif_is_kept_as_an_animation(media: MediaCalls, alice: User) -> None:
    animation = await media.save(alice, samples.gif_animated())

    assert animation.kind == "animation"


async def test_a_video_is_kept_without_a_thumbnail(media: MediaCalls, alice: User) -> None:
    video = await media.save(alice, samples.mp4(), UploadKind.VIDEO)

    assert (video.kind, video.content_type, video.thumbnail_key) == ("video", "video/mp4", None)


@pytest.mark.parametrize("backend", ["local"], indirect=True)
async def test_only_a_few_images_are_decoded_at_once(
    media: MediaCalls, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = 0, 0
    counter = threading.Lock()

    def counted(*args: Any, **kwargs: Any) -> Prepared:
        nonlocal running, most
        with counter:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.2)
            return prepare(*args, **kwargs)
        finally:
            with counter:
                running -= 1

    monkeypatch.setattr("core.media.service.prepare", counted)

    photos = await asyncio.gather(*(media.save(alice, samples.png()) for _ in range(4)))

    assert [photo.kind for photo in photos] == ["photo"] * 4
    assert most == 2


@pytest.mark.settings(media_max_image_bytes=SMALL_CAP)
async def test_a_photo_over_the_cap_is_refused_and_nothing_is_kept(
    media: MediaCalls, alice: User, media_rows: MediaRows
) -> None:
    with pytest.raises(MediaTooLarge):
        await media.save(alice, samples.png((200, 200), noise=True))

    assert media_rows() == []


@pytest.mark.settings(media_quota_bytes=50_000)
async def test_a_photo_past_the_owners_quota_is_refused(media: MediaCalls, alice: User) -> None:
    await media.save(alice, samples.png((90, 90), noise=True))

    with pytest.raises(MediaQuotaExceeded):
        await media.save(alice, samples.png((90, 90), noise=True))


# Direct uploads from the phone


async def test_a_direct_upload_completes_into_a_photo_under_a_new_key(
    media: MediaCalls, store: MediaStore, alice: User
) -> None:
    pending = await media.uploaded(alice, samples.jpeg_with_gps())

    photo = await media.complete(alice, pending.media.public_id)

    assert (photo.kind, photo.content_type) == ("photo", "image/jpeg")
    assert not (await stored_image(store, photo.storage_key)).getexif()
    assert await store.exists(photo.thumbnail_key or "")
    assert not await store.exists(pending.media.storage_key or "")


async def test_html_uploaded_as_a_jpeg_is_refused_and_removed_from_storage(
    media: MediaCalls, store: MediaStore, alice: User
) -> None:
    pending = await media.uploaded(
        alice, samples.HTML, filename="photo.jpg", content_type="image/jpeg"
    )
    assert await store.exists(pending.media.storage_key or "")

    with pytest.raises(MediaNotAllowed):
        await media.complete(alice, pending.media.public_id)

    assert not await store.exists(pending.media.storage_key or "")


@pytest.mark.settings(media_max_image_bytes=SMALL_CAP)
async def test_an_upload_over_the_cap_never_becomes_media_and_is_not_kept(
    media: MediaCalls, store: MediaStore, alice: User
) -> None:
    pending = await media.uploaded(alice, samples.png((200, 200), noise=True))

    # Local disk cuts the upload off; moto accepts it, so the completion step refuses it.
    with pytest.raises((UploadMissing, MediaTooLarge)):
        await media.complete(alice, pending.media.public_id)

    assert not await store.exists(pending.media.storage_key or "")


async def test_completing_before_the_file_arrived_says_so(media: MediaCalls, alice: User) -> None:
    pending = await media.begin(alice)

    with pytest.raises(UploadMissing):
        await media.complete(alice, pending.media.public_id)


async def test_completing_twice_gives_the_same_media(media: MediaCalls, alice: User) -> None:
    pending = await media.uploaded(alice, samples.png())

    first = await media.complete(alice, pending.media.public_id)
    again = await media.complete(alice, pending.media.public_id)

    assert again.storage_key == first.storage_key


async def test_nobody_else_can_complete_an_upload(
    media: MediaCalls, alice: User, eve: User
) -> None:
    pending = await media.uploaded(alice, samples.png())

    with pytest.raises(NotFound):
        await media.complete(eve, pending.media.public_id)


@pytest.mark.settings(media_quota_bytes=15 * 1024 * 1024)
async def test_a_begun_upload_holds_its_cap_against_the_quota(
    media: MediaCalls, alice: User
) -> None:
    await media.begin(alice)

    with pytest.raises(MediaQuotaExceeded):
        await media.begin(alice)


@pytest.mark.settings(media_quota_bytes=15 * 1024 * 1024)
async def test_an_abandoned_upload_holds_its_cap_until_it_is_swept(
    media: MediaCalls, db: Session, alice: User
) -> None:
    abandoned = (await media.begin(alice)).media
    stored = db.get(Media, abandoned.id)
    assert stored is not None
    stored.created_at = utcnow() - timedelta(seconds=media.settings.media_upload_ttl_seconds + 1)
    db.commit()

    with pytest.raises(MediaQuotaExceeded):
        await media.begin(alice)

    await media.sweep_uploads(now=media.once_links_expired())
    assert (await media.begin(alice)).max_bytes > 0


async def test_an_upload_never_completed_goes_with_its_bytes_once_its_link_expired(
    media: MediaCalls, store: MediaStore, alice: User, media_rows: MediaRows
) -> None:
    pending = await media.uploaded(alice, samples.png())

    removed = await media.sweep_uploads(now=media.once_links_expired())

    assert removed == 1
    assert media_rows() == []
    assert not await store.exists(pending.media.storage_key or "")


async def test_the_upload_sweep_leaves_uploads_whose_link_is_open(
    media: MediaCalls, store: MediaStore, alice: User, media_rows: MediaRows
) -> None:
    pending = await media.uploaded(alice, samples.png())

    await media.sweep_uploads()

    assert [row.id for row in media_rows()] == [pending.media.id]
    assert await store.exists(pending.media.storage_key or "")
    assert (await media.complete(alice, pending.media.public_id)).kind == "photo"


@pytest.mark.parametrize("backend", ["local"], indirect=True)
@pytest.mark.settings(media_quota_bytes=15 * 1024 * 1024)
async def test_on_local_disk_a_completed_upload_gives_its_cap_back_at_once(
    media: MediaCalls, alice: User
) -> None:
    pending = await media.uploaded(alice, samples.png())
    await media.complete(alice, pending.media.public_id)

    assert (await media.begin(alice)).max_bytes > 0


@pytest.mark.parametrize("backend", ["local"], indirect=True)
async def test_housekeeping_removes_uploads_whose_link_has_expired(
    media: MediaCalls,
    store: MediaStore,
    database: Database,
    db: Session,
    alice: User,
    media_rows: MediaRows,
) -> None:
    pending = await media.uploaded(alice, samples.png())
    assert isinstance(store, LocalStore)
    ttl = timedelta(seconds=media.settings.media_upload_ttl_seconds)
    long_ago = utcnow() - ttl - UPLOAD_SWEEP_MARGIN - timedelta(minutes=1)
    stored = db.get(Media, pending.media.id)
    assert stored is not None
    stored.created_at = long_ago
    db.commit()
    upload_file = store.root / "objects" / (pending.media.storage_key or "")
    os.utime(upload_file, (long_ago.timestamp(), long_ago.timestamp()))

    await Housekeeper(database, media.settings, store).drain_once()

    assert media_rows() == []
    assert not upload_file.exists()


@pytest.mark.parametrize("backend", ["local"], indirect=True)
async def test_the_upload_sweep_removes_partial_files_a_dead_process_left(
    media: MediaCalls, store: MediaStore
) -> None:
    assert isinstance(store, LocalStore)
    partial = store.root / "incoming" / "left-by-a-crash"
    partial.write_bytes(bytes(1_000))
    fresh = store.root / "incoming" / "being-received"
    fresh.write_bytes(bytes(1_000))
    long_ago = (utcnow() - timedelta(hours=2)).timestamp()
    os.utime(partial, (long_ago, long_ago))

    await media.sweep_uploads()

    assert not partial.exists()
    assert fresh.exists()


# Who reads


async def test_the_owner_reads_the_photo_and_its_thumbnail(media: MediaCalls, alice: User) -> None:
    photo = await media.save(alice, samples.png())

    urls = await media.urls(photo, alice)

    assert (await fetch(urls.url)).content == await media.store.get(photo.storage_key or "")
    assert urls.thumbnail_url is not None
    assert (await fetch(urls.thumbnail_url)).headers["content-type"] == "image/webp"


async def test_a_stranger_cannot_read_it(media: MediaCalls, alice: User, eve: User) -> None:
    photo = await media.save(alice, samples.png())

    with pytest.raises(NotFound):
        await media.urls(photo, eve)


async def test_the_recipient_cannot_read_it_before_the_reveal(
    media: MediaCalls, alice: User, bob: User, make_confession: MakeConfession
) -> None:
    photo = await media.save(alice, samples.png())
    make_confession(alice, bob, photo, status=ConfessionStatus.DELIVERED)

    with pytest.raises(NotFound):
        await media.urls(photo, bob)


async def test_the_recipient_reads_it_after_the_reveal(
    media: MediaCalls, alice: User, bob: User, make_confession: MakeConfession
) -> None:
    photo = await media.save(alice, samples.png())
    make_confession(alice, bob, photo, status=ConfessionStatus.REVEALED)

    urls = await media.urls(photo, bob)

    assert (await fetch(urls.url)).status_code == 200


async def test_a_revealed_confession_to_someone_else_opens_nothing_for_a_stranger(
    media: MediaCalls, alice: User, bob: User, eve: User, make_confession: MakeConfession
) -> None:
    photo = await media.save(alice, samples.png())
    make_confession(alice, bob, photo, status=ConfessionStatus.REVEALED)

    with pytest.raises(NotFound):
        await media.urls(photo, eve)


async def test_an_upload_not_yet_completed_has_no_link(media: MediaCalls, alice: User) -> None:
    pending = await media.uploaded(alice, samples.png())

    with pytest.raises(NotFound):
        await media.urls(pending.media, alice)


# Media sent in the bot chat


async def test_a_chat_photo_is_copied_into_storage_without_its_gps(
    media: MediaCalls,
    store: MediaStore,
    alice: User,
    make_chat_media: Callable[..., Media],
) -> None:
    chat_photo = make_chat_media(alice, "photo")

    stored = await media.from_telegram(chat_photo, telegram_file(samples.jpeg_with_gps()))

    assert stored.kind == "photo"
    assert not (await stored_image(store, stored.storage_key)).getexif()
    assert await store.exists(stored.thumbnail_key or "")


async def test_a_chat_voice_note_is_kept_as_ogg(
    media: MediaCalls, alice: User, make_chat_media: Callable[..., Media]
) -> None:
    voice = make_chat_media(alice, "voice")

    stored = await media.from_telegram(voice, telegram_file(samples.ogg_opus()))

    assert (stored.content_type, stored.thumbnail_key) == ("audio/ogg", None)


async def test_a_chat_file_that_is_not_what_its_kind_says_is_refused(
    media: MediaCalls, alice: User, make_chat_media: Callable[..., Media], media_rows: MediaRows
) -> None:
    chat_photo = make_chat_media(alice, "photo")

    with pytest.raises(MediaNotAllowed):
        await media.from_telegram(chat_photo, telegram_file(samples.HTML))

    assert [row.storage_key for row in media_rows()] == [None]


async def test_an_upload_not_yet_completed_cannot_be_attached(
    media: MediaCalls, alice: User
) -> None:
    pending = await media.uploaded(alice, samples.png())

    with pytest.raises(WrongState):
        await media.attach(alice, pending.media.public_id)


# Removing


async def test_deleting_media_removes_its_objects_and_its_row(
    media: MediaCalls, store: MediaStore, alice: User, media_rows: MediaRows
) -> None:
    photo = await media.save(alice, samples.png())

    await media.delete(photo)

    assert media_rows() == []
    assert not await store.exists(photo.storage_key or "")
    assert not await store.exists(photo.thumbnail_key or "")


async def test_the_sweep_removes_old_unattached_uploads_only(
    media: MediaCalls,
    store: MediaStore,
    db: Session,
    alice: User,
    bob: User,
    make_confession: MakeConfession,
    media_rows: MediaRows,
) -> None:
    old, recent, attached, in_confession = [await media.save(alice, samples.png()) for _ in "1234"]
    abandoned = (await media.begin(alice)).media
    await media.attach(alice, attached.public_id)
    make_confession(alice, bob, in_confession)
    for row in (old, attached, in_confession, abandoned):
        stored = db.get(Media, row.id)
        assert stored is not None
        stored.created_at = utcnow() - timedelta(days=1, minutes=1)
    db.commit()

    removed = await media.sweep(older_than=timedelta(days=1))

    assert removed == 2
    assert {row.id for row in media_rows()} == {recent.id, attached.id, in_confession.id}
    assert not await store.exists(old.storage_key or "")
