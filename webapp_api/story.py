"""The card as a story image (1080 by 1920 PNG) for Telegram's shareToStory.

Drawn from the words and the look only: this function is never given the sender, their name,
pseudonym or hint, so the image cannot carry them. Handwritten in Caveat (the page's own
font files, Latin and Cyrillic); characters neither covers (emoji) are left out rather than
drawn as boxes.
"""

from __future__ import annotations

import asyncio
import io
import re
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache, partial
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core import styles

FONTS = Path(__file__).parent / "static" / "fonts"
SIZE = (1080, 1920)
MARGIN = 90
PADDING = 80
MAX_CHARACTERS = 600
KEPT_IMAGES = 16
"""Images kept drawn, about 200 KB each: a card asked for again (a second tap, a retry) is
not drawn again, so a caller repeating the request costs no more than one drawing."""
_drawing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="story")
"""One drawing at a time per process: the rest of the app keeps its CPU however many ask."""


@cache
def _font(script: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"caveat-{script}-400-normal.woff2"), size)


def _script(character: str) -> str | None:
    code = ord(character)
    if 0x0400 <= code <= 0x045F or code in (0x0490, 0x0491, 0x2116):
        return "cyrillic"
    if code <= 0xFF or 0x2000 <= code <= 0x206F:
        return "latin"
    return None


def _drawable(text: str) -> str:
    kept = "".join(c for c in text if c == "\n" or _script(c) is not None)
    return re.sub(r"[ \t]+", " ", kept)[:MAX_CHARACTERS]


@cache
def _advance(character: str, size: int) -> float:
    """How far one character moves the pen. Lines are measured word by word as they are
    filled, so the same characters are measured thousands of times for one card."""
    return float(_font(_script(character) or "latin", size).getlength(character))


def _width(word: str, size: int) -> float:
    return sum(_advance(c, size) for c in word)


def _lines(text: str, size: int, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}".strip()
            if line and _width(candidate, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _draw(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill: str
) -> None:
    x, y = xy
    for character in text:
        draw.text((x, y), character, font=_font(_script(character) or "latin", size), fill=fill)
        x += _advance(character, size)


async def drawn(text: str, *, theme_id: str, accent: str, eyebrow: str) -> bytes:
    """`render`, off the event loop and one at a time."""
    work = partial(render, text, theme_id=theme_id, accent=accent, eyebrow=eyebrow)
    return await asyncio.get_running_loop().run_in_executor(_drawing, work)


@lru_cache(maxsize=KEPT_IMAGES)
def render(text: str, *, theme_id: str, accent: str, eyebrow: str) -> bytes:
    """The card as a PNG, drawn once for the same words and look (`KEPT_IMAGES`)."""
    return _paint(text, theme_id=theme_id, accent=accent, eyebrow=eyebrow)


def _paint(text: str, *, theme_id: str, accent: str, eyebrow: str) -> bytes:
    """The card on its theme's colours: the eyebrow line and the words, nothing else."""
    theme = next((t for t in styles.THEMES if t.id == theme_id), styles.THEMES[0])
    image = Image.new("RGB", SIZE, theme.background)
    draw = ImageDraw.Draw(image)
    inner = SIZE[0] - 2 * (MARGIN + PADDING)
    words = _drawable(text).strip() or "…"
    size = 96
    lines = _lines(words, size, inner)
    while size > 44 and len(lines) * size * 1.3 > SIZE[1] - 700:
        size -= 8
        lines = _lines(words, size, inner)
    height = int(len(lines) * size * 1.3) + 2 * PADDING + 110
    top = max(MARGIN, (SIZE[1] - height) // 2)
    box = (MARGIN, top, SIZE[0] - MARGIN, top + height)
    draw.rounded_rectangle(box, radius=60, fill=theme.card)
    label = _drawable(eyebrow)
    _draw(draw, ((SIZE[0] - _width(label, 52)) / 2, top + PADDING - 20), label, 52, accent)
    y = top + PADDING + 90
    for line in lines:
        _draw(draw, (MARGIN + PADDING, y), line, size, theme.text)
        y += int(size * 1.3)
    out = io.BytesIO()
    # zlib's default level: `optimize` tries them all, and took 225 ms for a file 4% smaller
    image.save(out, "PNG")
    return out.getvalue()
