"""Files are judged by their bytes; images come back rebuilt, without what they gave away."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core.errors import MediaNotAllowed, MediaTooLarge
from core.media.config import MediaConfig
from core.media.validation import (
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    THUMBNAIL_SIDE,
    Family,
    Prepared,
    prepare,
    sniff,
)
from tests.media import samples

ALL = frozenset(Family)
CONFIG = MediaConfig(
    max_image_bytes=10 * 1024 * 1024,
    max_video_bytes=50 * 1024 * 1024,
    quota_bytes=10**9,
    url_ttl_seconds=60,
    upload_ttl_seconds=60,
    signing_key=b"k",
)


def prepared(data: bytes, allowed: frozenset[Family] = ALL) -> Prepared:
    return prepare(data, allowed=allowed, config=CONFIG)


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def opened(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (samples.jpeg, "image/jpeg"),
        (samples.png, "image/png"),
        (samples.webp_with_gps, "image/webp"),
        (samples.gif_animated, "image/gif"),
        (samples.mp4, "video/mp4"),
        (lambda: samples.mp4(brand=b"qt  "), "video/quicktime"),
        (lambda: samples.mp4(brand=b"M4A "), "audio/mp4"),
        (samples.webm, "video/webm"),
        (samples.ogg_opus, "audio/ogg"),
        (samples.mp3, "audio/mpeg"),
        (samples.mp3_without_tag, "audio/mpeg"),
    ],
)
def test_the_type_comes_from_the_first_bytes(make: Callable[[], bytes], content_type: str) -> None:
    found = sniff(make())

    assert found is not None
    assert found.content_type == content_type


@pytest.mark.parametrize(
    "data",
    [
        samples.HTML,
        b"",
        b"GIF8",
        b"%PDF-1.7\n",
        b"PK\x03\x04 a zip named photo.jpg",
        b"\x1a\x45\xdf\xa3\x84\x42\x82\x88matroska",
        samples.mp4(brand=b"heic"),
        b"OggS\x00\x02" + bytes(22) + b"\x01\x2a\x80theora",
    ],
    ids=["html", "empty", "short", "pdf", "zip", "matroska", "heic", "theora"],
)
def test_anything_else_has_no_type(data: bytes) -> None:
    assert sniff(data) is None


def test_html_is_refused_whatever_it_is_called() -> None:
    with pytest.raises(MediaNotAllowed):
        prepared(samples.HTML)


def test_a_video_is_refused_where_an_image_is_expected() -> None:
    with pytest.raises(MediaNotAllowed):
        prepared(samples.mp4(), frozenset({Family.IMAGE}))


@pytest.mark.parametrize(
    "make", [samples.jpeg_with_gps, samples.png_with_gps, samples.webp_with_gps]
)
def test_no_exif_gps_or_xmp_survives(make: Callable[[], bytes]) -> None:
    original = make()
    assert opened(original).getexif().get_ifd(samples.GPS_IFD)

    cleaned = opened(prepared(original).data)

    assert not cleaned.getexif()
    assert "exif" not in cleaned.info
    assert "xmp" not in cleaned.info
    assert b"Exif\x00\x00" not in prepared(original).data


def test_a_rotated_photo_is_turned_upright_before_its_orientation_tag_goes() -> None:
    sideways = samples.jpeg_with_gps((60, 20), orientation=samples.ROTATED_90)

    assert opened(prepared(sideways).data).size == (20, 60)


def test_a_large_photo_is_scaled_down_to_the_maximum_side() -> None:
    result = opened(prepared(samples.jpeg((MAX_IMAGE_SIDE + 440, 1000))).data)

    assert max(result.size) == MAX_IMAGE_SIDE


def test_an_image_gets_a_small_webp_thumbnail() -> None:
    result = prepared(samples.png((1200, 800)))

    assert result.thumbnail is not None
    thumbnail = opened(result.thumbnail)
    assert thumbnail.format == "WEBP"
    assert max(thumbnail.size) == THUMBNAIL_SIDE


def test_an_animated_gif_stays_animated() -> None:
    result = prepared(samples.gif_animated(frames=4))

    assert result.animated
    assert getattr(opened(result.data), "n_frames", 1) == 4


def test_a_phones_multi_picture_jpeg_stays_a_full_size_still_photo() -> None:
    result = prepared(samples.jpeg_multi_picture((800, 600)))

    assert not result.animated
    assert opened(result.data).size == (800, 600)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # 8000 x 8000 one-bit pixels: a few kilobytes on disk, 64 megapixels once decoded.
    bomb = samples.encoded(Image.new("1", (8000, 8000)), "PNG")
    assert len(bomb) < 100_000

    with pytest.raises(MediaNotAllowed, match="too large"):
        prepared(bomb)


def test_an_image_past_the_pixel_cap_is_refused_before_decoding_in_plain_words() -> None:
    # 7070 x 7070 RGBA: a 200 KB file that decodes to 200 MB and used to take a gigabyte.
    huge = samples.png((7070, 7070))
    assert len(huge) < 300_000
    assert MAX_IMAGE_PIXELS < 7070 * 7070

    with pytest.raises(MediaNotAllowed, match=r"at most 24 megapixels.*7070 x 7070"):
        prepared(huge)


def test_a_large_allowed_png_is_scaled_down_keeping_its_transparency() -> None:
    image = samples.picture((4800, 3000), mode="RGBA")
    image.paste((0, 0, 0, 0), (0, 0, 2400, 3000))

    result = opened(prepared(samples.encoded(image, "PNG")).data)

    assert (result.format, result.mode, result.size) == ("PNG", "RGBA", (MAX_IMAGE_SIDE, 1600))
    assert pixel(result, (10, 800)) == (0, 0, 0, 0)
    assert pixel(result, (MAX_IMAGE_SIDE - 10, 800)) == (200, 40, 90, 255)


def test_a_large_photo_is_decoded_reduced_yet_comes_out_upright_at_the_maximum_side() -> None:
    sideways = samples.jpeg_with_gps((6000, 4000), orientation=samples.ROTATED_90)

    result = opened(prepared(sideways).data)

    assert result.size == (1707, MAX_IMAGE_SIDE)
    red, green, blue = pixel(result, (850, 1280))
    assert max(abs(red - 200), abs(green - 40), abs(blue - 90)) < 8


def test_a_large_palette_png_with_a_transparent_colour_keeps_it() -> None:
    image = Image.new("P", (4000, 4000), 1)
    image.putpalette([0, 0, 0, 200, 40, 90])
    image.paste(0, (0, 0, 2000, 4000))
    palette = samples.encoded(image, "PNG", transparency=0)

    result = opened(prepared(palette).data)

    assert (result.mode, result.size) == ("RGBA", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    assert pixel(result, (10, 10))[3] == 0
    assert pixel(result, (MAX_IMAGE_SIDE - 10, 10))[3] == 255


def test_a_truncated_jpeg_is_refused() -> None:
    whole = samples.jpeg((200, 200), noise=True)

    with pytest.raises(MediaNotAllowed):
        prepared(whole[: len(whole) // 2])


def test_a_video_header_followed_by_anything_else_is_refused() -> None:
    with pytest.raises(MediaNotAllowed):
        prepared(samples.mp4()[:32] + samples.HTML)


def test_a_webm_header_without_a_segment_is_refused() -> None:
    with pytest.raises(MediaNotAllowed):
        prepared(samples.webm()[:21] + samples.HTML)


def test_videos_and_voice_are_kept_byte_for_byte() -> None:
    for data in (samples.mp4(), samples.webm(), samples.ogg_opus()):
        assert prepared(data).data == data


def test_an_image_over_the_image_cap_is_too_large_even_when_videos_are_allowed() -> None:
    small = dataclasses.replace(CONFIG, max_image_bytes=1_000)

    with pytest.raises(MediaTooLarge):
        prepare(samples.png((100, 100), noise=True), allowed=ALL, config=small)


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(
        [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP"]
    ),
    body=st.binary(max_size=512),
)
def test_arbitrary_bytes_are_accepted_or_refused_never_crash(prefix: bytes, body: bytes) -> None:
    with contextlib.suppress(MediaNotAllowed, MediaTooLarge):
        prepared(prefix + body)
