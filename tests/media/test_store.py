"""The storage contract, held by both backends alike."""

from __future__ import annotations

import pytest

from core.errors import MediaTooLarge
from core.media import MediaStore, MissingObject
from tests.media import samples
from tests.media.conftest import MediaCalls, fetch

KEY = "m/contract-test"


async def test_what_is_put_is_got_back(store: MediaStore) -> None:
    await store.put(KEY, b"bytes", "image/jpeg")

    assert await store.get(KEY) == b"bytes"
    assert await store.exists(KEY)


async def test_getting_what_is_not_there_is_a_missing_object(store: MediaStore) -> None:
    with pytest.raises(MissingObject):
        await store.get("m/never-stored")


async def test_getting_past_a_cap_is_refused_before_reading(store: MediaStore) -> None:
    await store.put(KEY, bytes(2_000), "video/mp4")

    with pytest.raises(MediaTooLarge):
        await store.get(KEY, max_bytes=1_000)


async def test_deleting_removes_and_deleting_again_is_fine(store: MediaStore) -> None:
    await store.put(KEY, b"bytes", "image/jpeg")

    await store.delete(KEY)
    await store.delete(KEY)

    assert not await store.exists(KEY)


async def test_a_read_link_serves_the_bytes_with_their_content_type(store: MediaStore) -> None:
    await store.put(KEY, samples.jpeg(), "image/jpeg")

    response = await fetch(await store.read_url(KEY, expires_in=60))

    assert response.status_code == 200
    assert response.content == samples.jpeg()
    assert response.headers["content-type"] == "image/jpeg"


async def test_an_upload_target_takes_the_file_to_its_key(
    store: MediaStore, media: MediaCalls
) -> None:
    target = await store.upload_target(KEY, max_bytes=10_000, expires_in=60)

    response = await media.upload(target, samples.png())

    assert response.is_success
    assert await store.get(KEY) == samples.png()
