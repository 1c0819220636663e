"""What the mini-app API accepts and answers; described in /openapi.json."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from core import styles
from core.consent import FILTER_WORD_MAX_LENGTH, FILTER_WORDS_MAX
from core.read_model import PUBLIC_ID, Permissions, ReaderView, Role
from models import ConfessionStatus, HoldReason, Preferences, Reply, Signature, User, WhoMaySend


class Me(BaseModel):
    id: int
    first_name: str
    username: str | None
    language_code: str | None

    @classmethod
    def of(cls, user: User) -> Me:
        return cls(
            id=user.id,
            first_name=user.first_name,
            username=user.username,
            language_code=user.language_code,
        )


class ThemeOut(BaseModel):
    id: str
    name: str
    background: str
    card: str
    text: str
    accent: str


class PresetOut(BaseModel):
    id: str
    name: str
    css: str = ""


class ReactionOut(BaseModel):
    id: str
    emoji: str
    label: str


class Themes(BaseModel):
    themes: list[ThemeOut]
    fonts: list[PresetOut]
    animations: list[PresetOut]
    gradients: list[PresetOut]
    decorations: list[str]
    reactions: list[ReactionOut]

    @classmethod
    def presets(cls) -> Themes:
        return cls(
            themes=[
                ThemeOut.model_validate(theme, from_attributes=True) for theme in styles.THEMES
            ],
            fonts=[PresetOut.model_validate(font, from_attributes=True) for font in styles.FONTS],
            animations=[
                PresetOut.model_validate(a, from_attributes=True) for a in styles.ANIMATIONS
            ],
            gradients=[PresetOut.model_validate(g, from_attributes=True) for g in styles.GRADIENTS],
            decorations=list(styles.DECORATIONS),
            reactions=[
                ReactionOut.model_validate(r, from_attributes=True) for r in styles.REACTIONS
            ],
        )


HEX_COLOR = r"^#[0-9a-fA-F]{6}$"
USER_TEXT = "x-user-text"
"""Marks a field under the one text rule; /openapi.json spells it out (webapp_api.openapi)."""


def _one_of(values: Iterable[str | None]) -> JsonDict:
    """The schema's word for a preset chosen in the domain (core.styles), so a client knows
    the valid values; the domain still decides, with its own message."""
    return {"enum": list(values)}


def _background_variants(schema: JsonDict) -> None:
    """One shape per kind: what `value` must be depends on `kind` (see `styles.check`)."""
    image_url: JsonDict = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "answered, never read",
    }

    def variant(kind: str, value: JsonDict, *, required: bool = True) -> JsonDict:
        properties: JsonDict = {"kind": {"const": kind}, "value": value, "image_url": image_url}
        return {
            "type": "object",
            "properties": properties,
            "required": ["kind", "value"] if required else [],
        }

    schema.pop("properties", None)
    schema.pop("required", None)
    schema["oneOf"] = [
        variant("theme", {"type": "null"}, required=False),
        variant("color", {"type": "string", "pattern": HEX_COLOR}),
        variant("gradient", {"type": "string", **_one_of(g.id for g in styles.GRADIENTS)}),
        variant("image", {"type": "string", "pattern": PUBLIC_ID}),
    ]


class Background(BaseModel):
    model_config = ConfigDict(json_schema_extra=_background_variants)

    kind: Literal["theme", "color", "gradient", "image"] = "theme"
    value: str | None = Field(default=None, max_length=64)
    image_url: str | None = Field(default=None, description="answered, never read")


class StyleIn(BaseModel):
    theme: str = Field(max_length=32, json_schema_extra=_one_of(t.id for t in styles.THEMES))
    accent_color: str = Field(pattern=HEX_COLOR, examples=["#e2506b"])
    font: str = Field(max_length=32, json_schema_extra=_one_of(f.id for f in styles.FONTS))
    animation: str = Field(
        max_length=32, json_schema_extra=_one_of(a.id for a in styles.ANIMATIONS)
    )
    background: Background = Background()
    decoration: str | None = Field(
        default=None, max_length=16, json_schema_extra=_one_of([*styles.DECORATIONS, None])
    )

    def to_domain(self) -> styles.Style:
        return styles.Style(
            theme=self.theme,
            accent_color=self.accent_color,
            font=self.font,
            animation=self.animation,
            background_kind=self.background.kind,
            background_value=self.background.value,
            decoration=self.decoration,
        )


class StyleOut(StyleIn):
    accent_color: str


class MediaOut(BaseModel):
    kind: str
    url: str
    thumbnail_url: str | None = None


class PermissionsOut(BaseModel):
    """What this reader may do now, as the domain decides (`read_model.permissions`): a client
    offers exactly these, and the API refuses the rest."""

    reveal: bool
    edit: bool
    sign: bool
    withdraw: bool
    reply: bool
    react: bool
    block: bool
    report: bool

    @classmethod
    def of(cls, can: Permissions) -> PermissionsOut:
        return cls.model_validate(can, from_attributes=True)


class ConfessionOut(BaseModel):
    """One reader's view: the recipient sees no words before the reveal, and no name unless
    the sender signed."""

    id: str
    role: Role
    status: ConfessionStatus
    text: str | None
    text_html: str | None
    signature: Signature
    hint: str | None
    sender_name: str | None
    sender_pseudonym: str | None = Field(
        description="to the recipient, the stable name an anonymous sender goes by with them"
    )
    recipient_name: str | None
    media: MediaOut | None
    style: StyleOut
    reaction: str | None
    can: PermissionsOut
    can_edit: bool = Field(description="the same as `can.edit`")
    can_reveal: bool = Field(description="the same as `can.reveal`")
    created_at: datetime
    delivered_at: datetime | None
    revealed_at: datetime | None

    @classmethod
    def of(
        cls,
        reader: ReaderView,
        *,
        media: MediaOut | None = None,
        background_url: str | None = None,
        sender_pseudonym: str | None = None,
    ) -> ConfessionOut:
        confession, style, can = reader.confession, reader.style, reader.can
        visible = reader.content_visible
        recipient = reader.view.recipient
        return cls(
            id=confession.public_id,
            role=reader.role,
            status=confession.status,
            text=confession.text if visible else None,
            text_html=confession.text_html if visible else None,
            signature=confession.signature,
            hint=confession.hint,
            sender_name=reader.sender_name,
            sender_pseudonym=sender_pseudonym,
            recipient_name=(
                recipient.display_name if recipient and reader.role == Role.SENDER else None
            ),
            media=media if visible else None,
            style=StyleOut(
                theme=style.theme,
                accent_color=style.accent_color,
                font=style.font,
                animation=style.animation,
                background=Background(
                    kind=style.background_kind,
                    value=style.background_value,
                    image_url=background_url,
                ),
                decoration=style.decoration,
            ),
            reaction=reader.reaction,
            can=PermissionsOut.of(can),
            can_edit=can.edit,
            can_reveal=can.reveal,
            created_at=confession.created_at,
            delivered_at=confession.delivered_at,
            revealed_at=confession.revealed_at,
        )


class ConfessionSummary(BaseModel):
    id: str
    role: Role
    status: ConfessionStatus
    preview: str | None = Field(description="the first words, once the reader may see them")
    recipient_name: str | None
    created_at: datetime
    reaction: str | None


class ConfessionPage(BaseModel):
    items: list[ConfessionSummary]
    next_cursor: str | None


class ContentEdit(BaseModel):
    """Only what is given changes; choosing to sign with a hint takes the hint along."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"signature": {"const": "hint"}}, "required": ["signature"]},
            "then": {"properties": {"hint": {"type": "string"}}, "required": ["hint"]},
        }
    )

    text: str | None = Field(default=None, json_schema_extra={USER_TEXT: "confession"})
    signature: Signature | None = None
    hint: str | None = Field(default=None, json_schema_extra={USER_TEXT: "hint"})
    confirm_words: bool = Field(
        default=False,
        strict=True,
        description="send words from the operator's word list anyway, after a 409 "
        "`words_may_hurt` for them",
    )

    @model_validator(mode="after")
    def _hint_with_its_signature(self) -> ContentEdit:
        if self.signature == Signature.HINT and self.hint is None:
            raise ValueError("a signature with a hint needs the hint")
        return self


class ReactionIn(BaseModel):
    reaction: str = Field(max_length=16, json_schema_extra=_one_of(r.id for r in styles.REACTIONS))


class ReplyIn(BaseModel):
    text: str = Field(json_schema_extra={USER_TEXT: "confession"})


class ReplyOut(BaseModel):
    """One message of the thread; the anonymous side has no name here either."""

    mine: bool
    author: str | None = Field(description="null when the author is the anonymous sender")
    author_pseudonym: str | None = Field(
        default=None, description="the anonymous sender's stable name, shown to the recipient"
    )
    text_html: str
    created_at: datetime


class Thread(BaseModel):
    items: list[ReplyOut]

    @classmethod
    def of(
        cls, reader: ReaderView, replies: list[Reply], *, pseudonym: str | None = None
    ) -> Thread:
        me_sender = reader.role == Role.SENDER
        view = reader.view
        items = []
        for reply in replies:
            if reply.from_sender:
                author = view.sender.display_name if view.sender_shown or me_sender else None
            else:
                author = view.recipient.display_name if view.recipient else None
            items.append(
                ReplyOut(
                    mine=reply.from_sender == me_sender,
                    author=author,
                    author_pseudonym=pseudonym if reply.from_sender and author is None else None,
                    text_html=reply.text_html,
                    created_at=reply.created_at,
                )
            )
        return cls(items=items)


# --- the recipient's settings, held items, consent and the mutual reveal ---


class SettingsOut(BaseModel):
    """Who may send this person confessions, and the words they keep out."""

    who_may_send: WhoMaySend = Field(
        description=(
            "everyone: a stranger's first confession comes as a request to accept; "
            "threads: only people they already have a thread with; nobody: inbox paused"
        )
    )
    filter_words: list[str]
    filter_words_max: int

    @classmethod
    def of(cls, preferences: Preferences) -> SettingsOut:
        return cls(
            who_may_send=preferences.who_may_send,
            filter_words=list(preferences.filter_words),
            filter_words_max=FILTER_WORDS_MAX,
        )


FilterWord = Annotated[
    str,
    Field(
        max_length=FILTER_WORD_MAX_LENGTH,
        pattern=r"[^\W_]",
        description="a word or a short phrase, with at least one letter or digit",
    ),
]


class SettingsIn(BaseModel):
    """Only what is given changes; `filter_words` replaces the whole list."""

    who_may_send: WhoMaySend | None = None
    filter_words: list[FilterWord] | None = Field(default=None, max_length=FILTER_WORDS_MAX)


class HeldOut(BaseModel):
    """Something kept from its reader's notices; its sender was never told."""

    id: int
    kind: Literal["confession", "reply"]
    reason: HoldReason
    confession_id: str
    sender_pseudonym: str | None = Field(description="null when the sender signed")
    created_at: datetime


class HeldList(BaseModel):
    items: list[HeldOut]


class MutualIn(BaseModel):
    reveal_if_mutual: bool = Field(
        strict=True,
        description="be named to the recipient if they confess back and agree the same way",
    )


class MutualOut(BaseModel):
    id: str
    reveal_if_mutual: bool
