"""Files as phones send them, built in memory: real images and the smallest valid media."""

from __future__ import annotations

import os
from io import BytesIO

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
ROTATED_90 = 6

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def picture(
    size: tuple[int, int] = (64, 48), *, mode: str = "RGB", noise: bool = False
) -> Image.Image:
    """A picture; with noise it does not compress, so its size on disk is predictable."""
    if noise:
        channels = len(mode)
        return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * channels))
    return Image.new(mode, size, (200, 40, 90, 255)[: len(mode)])


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def gps_exif(*, orientation: int | None = None) -> Image.Exif:
    """EXIF that gives away where the photo was taken (the Eiffel Tower)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return exif


def jpeg(size: tuple[int, int] = (64, 48), *, noise: bool = False) -> bytes:
    return encoded(picture(size, noise=noise), "JPEG")


def jpeg_with_gps(size: tuple[int, int] = (64, 48), *, orientation: int | None = None) -> bytes:
    return encoded(picture(size), "JPEG", exif=gps_exif(orientation=orientation))


def png(size: tuple[int, int] = (64, 48), *, noise: bool = False) -> bytes:
    return encoded(picture(size, mode="RGBA", noise=noise), "PNG")


def png_with_gps() -> bytes:
    return encoded(picture(mode="RGBA"), "PNG", exif=gps_exif())


def webp_with_gps() -> bytes:
    return encoded(picture(), "WEBP", exif=gps_exif(), xmp=b"<x:xmpmeta>48.8584 N</x:xmpmeta>")


def gif_animated(frames: int = 3) -> bytes:
    images = [Image.new("RGB", (32, 32), (index * 80, 0, 0)) for index in range(frames)]
    return encoded(images[0], "GIF", save_all=True, append_images=images[1:], duration=100)


def jpeg_multi_picture(size: tuple[int, int] = (800, 600)) -> bytes:
    """An MPO: a JPEG with a second picture inside, as many phone cameras write them."""
    main, extra = picture(size), picture(size, noise=True)
    return encoded(main, "MPO", save_all=True, append_images=[extra])


def _box(name: bytes, payload: bytes = b"") -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + name + payload


def mp4(*, brand: bytes = b"isom") -> bytes:
    """An ISO media file: `ftyp`, an (empty) movie box and some media data."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"isommp41")
    return ftyp + _box(b"moov") + _box(b"mdat", b"\x00" * 64)


def webm() -> bytes:
    """An EBML header with DocType `webm`, then a Segment of unknown size."""
    header = b"\x42\x86\x81\x01" + b"\x42\x82\x84webm" + b"\x42\x87\x81\x04" + b"\x42\x85\x81\x02"
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + b"\x00" * 32
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + segment


def ogg_opus() -> bytes:
    """The first page of an Ogg stream carrying Opus, as Telegram voice notes do."""
    page_header = b"OggS\x00\x02" + bytes(8) + b"\x01\x00\x00\x00" + bytes(8) + b"\x01\x13"
    return page_header + b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00" + bytes(64)


def mp3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(413)


def mp3_without_tag() -> bytes:
    return b"\xff\xfb\x90\x64" + bytes(413)
