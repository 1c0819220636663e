"""How a confession can be dressed in the mini app: the presets and the rules for a style."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    name: str
    background: str
    card: str
    text: str
    accent: str


@dataclass(frozen=True, slots=True)
class Preset:
    id: str
    name: str
    css: str = ""


@dataclass(frozen=True, slots=True)
class ReactionKind:
    id: str
    emoji: str
    label: str


THEMES = (
    Theme("classic", "Classic", "#fff5f7", "#ffffff", "#2b1b1f", "#e2506b"),
    Theme("midnight", "Midnight", "#0f1226", "#1b1f3b", "#eef0ff", "#8c9eff"),
    Theme("blush", "Blush", "#ffe4ec", "#fff7fa", "#4a1f2e", "#ff6f91"),
    Theme("meadow", "Meadow", "#eef8ee", "#fbfffb", "#1f3a26", "#3fa66b"),
    Theme("sunset", "Sunset", "#fff0e0", "#fffaf3", "#40220f", "#f0782b"),
    Theme("ink", "Ink", "#f4f1ea", "#fffdf8", "#1c1c1c", "#1c1c1c"),
)
FONTS = (
    Preset("serif", "Serif", "Georgia, 'Times New Roman', serif"),
    Preset("sans", "Sans", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"),
    Preset("hand", "Handwritten", "Caveat, 'Segoe Print', 'Bradley Hand', cursive"),
    Preset("mono", "Typewriter", "'Courier New', ui-monospace, monospace"),
)
ANIMATIONS = (
    Preset("envelope", "Envelope"),
    Preset("fade", "Fade in"),
    Preset("float", "Float up"),
    Preset("hearts", "Hearts"),
    Preset("none", "None"),
)
GRADIENTS = (
    Preset("sunset", "Sunset", "linear-gradient(135deg, #ff9a8b 0%, #ff6a88 55%, #ff99ac 100%)"),
    Preset("dusk", "Dusk", "linear-gradient(135deg, #2b5876 0%, #4e4376 100%)"),
    Preset("peach", "Peach", "linear-gradient(135deg, #ffecd2 0%, #fcb69f 100%)"),
    Preset("lagoon", "Lagoon", "linear-gradient(135deg, #43cea2 0%, #185a9d 100%)"),
    Preset("lavender", "Lavender", "linear-gradient(135deg, #e0c3fc 0%, #8ec5fc 100%)"),
)
DECORATIONS = ("💌", "🌹", "✨", "🦋", "🌙", "💫", "🍓", "🔥", "🌸", "🫶")
REACTIONS = (
    ReactionKind("heart", "❤️", "Love it"),
    ReactionKind("blush", "😊", "Blushing"),
    ReactionKind("laugh", "😂", "Haha"),
    ReactionKind("broken", "💔", "Heartbroken"),
    ReactionKind("say", "👀", "Tell me more"),
)
BACKGROUND_KINDS = ("theme", "color", "gradient", "image")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class Style:
    theme: str = "classic"
    accent_color: str = "#e2506b"
    font: str = "serif"
    animation: str = "envelope"
    background_kind: str = "theme"
    background_value: str | None = None
    decoration: str | None = None


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise InvalidInput(f"Unknown {what} {value!r}; choose one of {', '.join(allowed)}.")


def check(style: Style) -> Style:
    """Refuse anything not in the presets; colours must be #rrggbb. Image ids are checked
    by whoever owns the media, since that needs the database."""
    _one_of(style.theme, tuple(theme.id for theme in THEMES), "theme")
    _one_of(style.font, tuple(font.id for font in FONTS), "font")
    _one_of(style.animation, tuple(animation.id for animation in ANIMATIONS), "animation")
    _one_of(style.background_kind, BACKGROUND_KINDS, "background")
    if not HEX_COLOR.match(style.accent_color):
        raise InvalidInput("The accent colour must look like #e2506b.")
    value = style.background_value
    if style.background_kind == "theme" and value is not None:
        raise InvalidInput("A theme background takes no value.")
    if style.background_kind == "color" and not (value and HEX_COLOR.match(value)):
        raise InvalidInput("A colour background must look like #ffe4ec.")
    if style.background_kind == "gradient":
        _one_of(value or "", tuple(gradient.id for gradient in GRADIENTS), "gradient")
    if style.background_kind == "image" and not value:
        raise InvalidInput("An image background needs the id of an uploaded image.")
    if style.decoration is not None:
        _one_of(style.decoration, DECORATIONS, "decoration")
    return style


def reaction(kind: str) -> ReactionKind:
    for candidate in REACTIONS:
        if candidate.id == kind:
            return candidate
    raise InvalidInput(f"Unknown reaction {kind!r}.")
