"""Keyboards of the conversation, in the user's language."""

from __future__ import annotations

from urllib.parse import quote

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
    SwitchInlineQueryChosenChat,
)

from bot import callbacks
from bot.i18n import t
from bot.render import mini_app_button
from core.moderation import BlockEntry
from core.read_model import SHARE_PREFIX
from core.settings import Settings
from models import Confession, Signature, User

PICK_RECIPIENT_REQUEST = 1


def main_menu(settings: Settings, language: str | None) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(t(language, "button.new"), callback_data=callbacks.NEW)],
        [InlineKeyboardButton(t(language, "button.my"), callback_data=callbacks.MY)],
    ]
    app_button = mini_app_button(settings, t(language, "button.app"), "home")
    if app_button is not None:
        rows.append([app_button])
    return InlineKeyboardMarkup(rows)


def share_myself_label(language: str | None) -> str:
    return t(language, "button.share_myself")


def recipient_picker(language: str | None) -> ReplyKeyboardMarkup:
    """Telegram's own user picker, or leave it open and share the link yourself."""
    return ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(
                    t(language, "button.pick_user"),
                    request_users=KeyboardButtonRequestUsers(
                        request_id=PICK_RECIPIENT_REQUEST,
                        user_is_bot=False,
                        max_quantity=1,
                        request_name=True,
                        request_username=True,
                    ),
                )
            ],
            [KeyboardButton(share_myself_label(language))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t(language, "compose.recipient_placeholder"),
    )


def skip_media(draft: Confession, language: str | None) -> InlineKeyboardMarkup:
    skip = callbacks.for_draft(callbacks.SKIP_MEDIA, draft)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(language, "button.skip_media"), callback_data=skip)]]
    )


def signature_choice(draft: Confession, sender: User, language: str | None) -> InlineKeyboardMarkup:
    def option(label: str, value: Signature) -> list[InlineKeyboardButton]:
        return [InlineKeyboardButton(label, callback_data=callbacks.signature(draft, value.value))]

    return InlineKeyboardMarkup(
        [
            option(t(language, "button.sig_anonymous"), Signature.ANONYMOUS),
            option(t(language, "button.sig_hint"), Signature.HINT),
            option(t(language, "button.sig_signed", name=sender.display_name), Signature.SIGNED),
        ]
    )


def preview_controls(
    settings: Settings, draft: Confession, language: str | None
) -> InlineKeyboardMarkup:
    def button(key: str, prefix: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            t(language, key), callback_data=callbacks.for_draft(prefix, draft)
        )

    rows = [
        [button("button.send", callbacks.SEND)],
        [
            button("button.edit_text", callbacks.EDIT_TEXT),
            button("button.edit_recipient", callbacks.EDIT_RECIPIENT),
        ],
    ]
    customise = mini_app_button(settings, t(language, "button.customise"), "edit", draft)
    if customise is not None:
        rows.append([customise])
    rows.append([button("button.cancel", callbacks.CANCEL)])
    return InlineKeyboardMarkup(rows)


def share_card(confession: Confession, link: str, language: str | None) -> InlineKeyboardMarkup:
    """Post the card into their chat through inline mode, or pass the plain link on."""
    share_text = quote(t(language, "share.forward_text"))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "button.share_inline"),
                    switch_inline_query_chosen_chat=SwitchInlineQueryChosenChat(
                        query=f"{SHARE_PREFIX}{confession.public_id}",
                        allow_user_chats=True,
                        allow_group_chats=True,
                    ),
                )
            ],
            [
                InlineKeyboardButton(
                    t(language, "button.share_link"),
                    url=f"https://t.me/share/url?url={quote(link, safe='')}&text={share_text}",
                )
            ],
        ]
    )


def open_link(link: str, language: str | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(language, "button.open_link"), url=link)]])


def unblock_buttons(
    blocks: list[BlockEntry], language: str | None, *, below: InlineKeyboardMarkup
) -> InlineKeyboardMarkup:
    """One button per block, named by what the blocker saw (the confession's first words)
    and its date: who it was stays unknown."""
    rows = [
        [
            InlineKeyboardButton(
                t(language, "safety.unblock_words", words=block.preview, date=_date(block))
                if block.preview
                else t(language, "button.unblock", date=_date(block)),
                callback_data=callbacks.unblock(block.id),
            )
        ]
        for block in blocks[:10]
    ]
    return InlineKeyboardMarkup([*rows, *below.inline_keyboard])


def _date(block: BlockEntry) -> str:
    return block.created_at.strftime("%d.%m.%Y")


def reconsider(draft: Confession, confirm: str, language: str | None) -> InlineKeyboardMarkup:
    """Under "your message contains words that may hurt": send these words anyway, or edit."""
    send_anyway = InlineKeyboardButton(
        t(language, "reconsider.send_anyway"),
        callback_data=callbacks.for_draft(callbacks.SEND, draft, confirm),
    )
    edit = InlineKeyboardButton(
        t(language, "reconsider.edit"),
        callback_data=callbacks.for_draft(callbacks.EDIT_TEXT, draft),
    )
    return InlineKeyboardMarkup([[send_anyway, edit]])
