"""What a file really is, judged by its bytes; images are rebuilt so no metadata survives."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageSequence

from core.errors import DomainError, MediaNotAllowed
from core.media.config import MediaConfig
from core.media.errors import too_large

MAX_IMAGE_SIDE = 2560
MAX_ANIMATION_SIDE = 720
THUMBNAIL_SIDE = 320
THUMBNAIL_CONTENT_TYPE = "image/webp"
# A card shows at most MAX_IMAGE_SIDE a side. 24 MP is a 6000 x 4000 camera photo (the default
# of today's phones is 12-24 MP) and, decoded as RGBA, 96 MB: the most one decode may hold.
# A JPEG is decoded already reduced (`draft`), so it holds a quarter of that past 5120 px.
MAX_IMAGE_PIXELS = 24_000_000
MAX_ANIMATION_PIXELS = 30_000_000
MAX_ANIMATION_FRAMES = 300
SNIFF_BYTES = 64
# Modes Pillow resizes with full quality; others (palettes, CMYK, 16-bit) are converted first.
RESIZABLE_MODES = frozenset({"RGB", "RGBA", "L", "LA"})
ORIENTATION_TAG = 0x0112
ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class Family(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


@dataclass(frozen=True, slots=True)
class FileType:
    content_type: str
    family: Family
    pillow_format: str | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file fit to store: re-encoded when it is an image, with its thumbnail."""

    data: bytes
    file_type: FileType
    animated: bool = False
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.data)


JPEG = FileType("image/jpeg", Family.IMAGE, "JPEG")
PNG = FileType("image/png", Family.IMAGE, "PNG")
GIF = FileType("image/gif", Family.IMAGE, "GIF")
WEBP = FileType("image/webp", Family.IMAGE, "WEBP")
MP4 = FileType("video/mp4", Family.VIDEO)
QUICKTIME = FileType("video/quicktime", Family.VIDEO)
WEBM = FileType("video/webm", Family.VIDEO)
OGG = FileType("audio/ogg", Family.AUDIO)
MP3 = FileType("audio/mpeg", Family.AUDIO)
M4A = FileType("audio/mp4", Family.AUDIO)

VIDEO_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VP"}
    | {b"dash", b"mmp4", b"MSNV", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"f4v "}
)
AUDIO_BRANDS = frozenset({b"M4A ", b"M4B "})
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_SEGMENT = b"\x18\x53\x80\x67"


def limit_for(family: Family, config: MediaConfig) -> int:
    """Images have their own cap; videos and voice share the larger one."""
    return config.max_image_bytes if family is Family.IMAGE else config.max_video_bytes


def prepare(data: bytes, *, allowed: frozenset[Family], config: MediaConfig) -> Prepared:
    """Refuse what is not allowed or too large; rebuild images. CPU-bound: run in a thread."""
    largest = max(limit_for(family, config) for family in allowed)
    if len(data) > largest:
        raise too_large(largest)
    file_type = sniff(data)
    if file_type is None or file_type.family not in allowed:
        raise MediaNotAllowed()
    limit = limit_for(file_type.family, config)
    if len(data) > limit:
        raise too_large(limit)
    if file_type.family is Family.IMAGE:
        return reencode_image(data, file_type)
    if not _well_formed(data, file_type):
        raise MediaNotAllowed("That file is damaged or not what it claims to be.")
    return Prepared(data=data, file_type=file_type)


def sniff(data: bytes) -> FileType | None:
    """The type the first bytes prove, or None; names and declared types are never asked."""
    head = data[:SNIFF_BYTES]
    for check in _SNIFFERS:
        found = check(head)
        if found is not None:
            return found
    return None


def _sniff_image(head: bytes) -> FileType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _sniff_iso_media(head: bytes) -> FileType | None:
    """MP4, QuickTime and M4A: an `ftyp` box first, its major brand saying which."""
    if head[4:8] != b"ftyp" or int.from_bytes(head[:4], "big") < 16:
        return None
    brand = head[8:12]
    if brand in AUDIO_BRANDS:
        return M4A
    if brand == b"qt  ":
        return QUICKTIME
    return MP4 if brand in VIDEO_BRANDS else None


def _sniff_webm(head: bytes) -> FileType | None:
    """Matroska's EBML header whose DocType is `webm`."""
    return WEBM if head.startswith(EBML_MAGIC) and b"\x42\x82\x84webm" in head else None


def _sniff_audio(head: bytes) -> FileType | None:
    if head.startswith(b"OggS") and (b"OpusHead" in head or b"\x01vorbis" in head):
        return OGG
    if head.startswith(b"ID3") or _is_mp3_frame(head):
        return MP3
    return None


def _is_mp3_frame(head: bytes) -> bool:
    """An MPEG audio layer III frame header: sync bits, and no reserved field values."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, sample_rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 15) and sample_rate != 3


_SNIFFERS: tuple[Callable[[bytes], FileType | None], ...] = (
    _sniff_image,
    _sniff_iso_media,
    _sniff_webm,
    _sniff_audio,
)


def _well_formed(data: bytes, file_type: FileType) -> bool:
    """A cheap look past the header, so a valid first box followed by anything is refused."""
    if file_type in (MP4, QUICKTIME, M4A):
        return _iso_boxes_fill(data)
    if file_type is WEBM:
        return _ebml_segment_follows(data)
    return True


def _iso_boxes_fill(data: bytes) -> bool:
    """Top-level boxes chain exactly to the end of the file and include the movie (`moov`)."""
    offset, seen = 0, set()
    while offset < len(data):
        if len(data) - offset < 8:
            return False
        size, name = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8]
        if size == 1:
            if len(data) - offset < 16:
                return False
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        if size < 8 or not name.isascii() or not all(32 <= byte < 127 for byte in name):
            return False
        seen.add(name)
        offset += size
    return offset == len(data) and b"moov" in seen


def _ebml_segment_follows(data: bytes) -> bool:
    """After the EBML header comes a Segment element, as in every WebM file."""
    size_field = data[4:12]
    if not size_field:
        return False
    length = 8 - size_field[0].bit_length() + 1
    if length > 8 or len(size_field) < length:
        return False
    value = size_field[0] & ((1 << (8 - length)) - 1)
    for byte in size_field[1:length]:
        value = (value << 8) | byte
    start = 4 + length + value
    return data[start : start + 4] == EBML_SEGMENT


def reencode_image(data: bytes, file_type: FileType) -> Prepared:
    """Decode and encode again from pixels only: EXIF, GPS, XMP and comments are left behind."""
    assert file_type.pillow_format is not None
    try:
        with Image.open(BytesIO(data), formats=[file_type.pillow_format]) as source:
            # A JPEG's extra frames (MPO: depth maps, previews) are not an animation.
            animated = file_type is not JPEG and getattr(source, "n_frames", 1) > 1
            _refuse_bombs(source, animated=animated)
            frames, durations = _clean_frames(source, animated=animated)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaNotAllowed("That image is too large to open.") from None
    except Exception:
        # Whatever Pillow cannot decode is not an image we store.
        raise MediaNotAllowed("That image cannot be read.") from None
    encoded = _encode(frames, durations, file_type.pillow_format)
    return Prepared(
        data=encoded,
        file_type=file_type,
        animated=animated,
        thumbnail=thumbnail(frames[0]),
    )


def _refuse_bombs(source: Image.Image, *, animated: bool) -> None:
    """Judge the size from the header, before a single pixel is decoded."""
    width, height = source.size
    if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
        raise MediaNotAllowed(
            f"That image is too large to open: at most {MAX_IMAGE_PIXELS // 1_000_000} "
            f"megapixels (such as 6000 x 4000); this one has {width} x {height}."
        )
    if not animated:
        return
    frames: int = getattr(source, "n_frames", 1)
    if frames > MAX_ANIMATION_FRAMES or width * height * frames > MAX_ANIMATION_PIXELS:
        raise MediaNotAllowed("That animation is too long or too large.")


def _clean_frames(source: Image.Image, *, animated: bool) -> tuple[list[Image.Image], list[int]]:
    """Every frame as fresh pixels, upright and no larger than the maximum side."""
    if not animated:
        return [_still(source)], []
    frames, durations = [], []
    for frame in ImageSequence.Iterator(source):
        frames.append(_fresh(frame, MAX_ANIMATION_SIDE))
        durations.append(int(frame.info.get("duration", 100)))
    return frames, durations


def _still(source: Image.Image) -> Image.Image:
    """Decode no more pixels than the card needs, and shrink them before any copy is made.

    A JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers the maximum side; the
    full-size pixels of any format are replaced in place by the shrunk ones, so one decode
    holds the decoded image once, plus the small result.
    """
    turn = ORIENTATIONS.get(source.getexif().get(ORIENTATION_TAG, 1))
    source.draft(None, _fitted(source.size, MAX_IMAGE_SIDE))
    if source.mode in RESIZABLE_MODES and "transparency" not in source.info:
        source.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    clean = _fresh(source, MAX_IMAGE_SIDE)
    return clean.transpose(turn) if turn is not None else clean


def _fitted(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size an image of `size` has once it fits within `max_side`."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fresh(image: Image.Image, max_side: int) -> Image.Image:
    """A new image holding only pixels: nothing of the original's `info` comes along."""
    mode = "RGBA" if _has_alpha(image) else "RGB"
    converted = image.convert(mode)
    converted.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _encode(frames: list[Image.Image], durations: list[int], pillow_format: str) -> bytes:
    out = BytesIO()
    first = frames[0]
    if pillow_format == "JPEG":
        first.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif len(frames) > 1:
        first.save(
            out, pillow_format, save_all=True, append_images=frames[1:], duration=durations, loop=0
        )
    elif pillow_format == "WEBP":
        first.save(out, "WEBP", quality=85)
    else:
        first.save(out, pillow_format)
    return out.getvalue()


def thumbnail(image: Image.Image) -> bytes:
    """A small WebP preview; WebP keeps transparency, unlike JPEG."""
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    out = BytesIO()
    small.save(out, "WEBP", quality=80)
    return out.getvalue()
