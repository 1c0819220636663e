"""How each outbox notice looks when the worker sends it, in the reader's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.calls import fits_caption, say, send_media
from bot.i18n import t
from bot.render import (
    arrival_markup,
    deep_link,
    delivery_text,
    mini_app_button,
    recipient_label,
    reply_markup_for,
)
from core import consent, notices, pseudonyms, read_model, styles
from core.notices import Notice
from core.outbox import ApiCall
from core.read_model import ConfessionView, Role, permissions
from core.settings import Settings
from models import Confession, ConfessionStatus, Media, OutboxMessage, Reply, Report, User


@dataclass(frozen=True, slots=True)
class Context:
    session: AsyncSession
    message: OutboxMessage
    language: str | None
    view: ConfessionView | None

    @property
    def chat_id(self) -> int:
        return self.message.chat_id

    @property
    def confession(self) -> Confession:
        assert self.view is not None
        return self.view.confession

    def text(self, text: str, markup: InlineKeyboardMarkup | None = None) -> ApiCall:
        return say(self.chat_id, text, markup)


Render = Callable[["NoticeRenderer", Context], Awaitable[ApiCall | None]]
STILL_SENT_ONCE_WITHDRAWN = frozenset({Notice.WITHDRAWN})


class NoticeRenderer:
    """Renders an outbox entry at send time, from the data as it is by then."""

    def __init__(self, settings: Settings, bot_username: str) -> None:
        self._settings = settings
        self._bot_username = bot_username

    async def __call__(self, session: AsyncSession, message: OutboxMessage) -> ApiCall | None:
        notice = Notice(message.kind)
        reader = await session.get(User, message.chat_id)
        view = None
        if message.confession_id is not None:
            confession = await session.get(Confession, message.confession_id)
            if confession is None:
                return None
            if (
                confession.status == ConfessionStatus.WITHDRAWN
                and notice not in STILL_SENT_ONCE_WITHDRAWN
            ):
                return None
            view = await read_model.view(session, confession)
        language = reader.language_code if reader else None
        return await RENDERERS[notice](self, Context(session, message, language, view))

    def _pseudonym(self, ctx: Context) -> str | None:
        assert ctx.view is not None
        return pseudonyms.for_view(self._settings, ctx.view, ctx.language)

    async def delivery(self, ctx: Context) -> ApiCall:
        """The usual notice with Reveal, or a request when its recipient has to let it in."""
        assert ctx.view is not None
        request = await consent.is_request(ctx.session, ctx.confession)
        markup = arrival_markup(self._settings, ctx.confession, ctx.language, request=request)
        text = delivery_text(ctx.view, ctx.language, self._pseudonym(ctx), request=request)
        return ctx.text(text, markup)

    async def delivered(self, ctx: Context) -> ApiCall:
        assert ctx.view is not None
        to = recipient_label(ctx.view, ctx.language)
        markup = sender_controls(ctx.confession, ctx.language)
        return ctx.text(t(ctx.language, "notice.delivered", to=to), markup)

    async def sender_controls(self, ctx: Context) -> ApiCall | None:
        """The "delivered" message's buttons, once it was opened: Withdraw goes."""
        message_id = await notices.sent_message_id(
            ctx.session,
            Notice.DELIVERED,
            confession_id=ctx.confession.id or 0,
            chat_id=ctx.chat_id,
        )
        if message_id is None:  # not sent yet: it will show what is possible then
            return None
        markup = sender_controls(ctx.confession, ctx.language)
        params: dict[str, Any] = {"chat_id": ctx.chat_id, "message_id": message_id}
        if markup is not None:
            params["reply_markup"] = markup.to_dict()
        return ApiCall("editMessageReplyMarkup", params)

    async def revealed(self, ctx: Context) -> ApiCall:
        assert ctx.view is not None
        to = recipient_label(ctx.view, ctx.language)
        markup = sender_controls(ctx.confession, ctx.language)
        return ctx.text(t(ctx.language, "notice.revealed", to=to), markup)

    async def reaction(self, ctx: Context) -> ApiCall:
        assert ctx.view is not None
        emoji = styles.reaction(str(ctx.message.params.get("kind"))).emoji
        to = recipient_label(ctx.view, ctx.language)
        return ctx.text(t(ctx.language, "notice.reaction", to=to, emoji=emoji))

    async def undeliverable(self, ctx: Context) -> ApiCall:
        assert ctx.view is not None
        link = deep_link(self._bot_username, ctx.confession)
        to = recipient_label(ctx.view, ctx.language)
        return ctx.text(t(ctx.language, "notice.undeliverable", to=to, link=escape(link)))

    async def match(self, ctx: Context) -> ApiCall:
        """Both agreed to be named if it was mutual; each hears which confession it is about."""
        assert ctx.view is not None
        other = ctx.view.recipient.display_name if ctx.view.recipient else ""
        which = which_confession(ctx.confession, ctx.language, own=True)
        text = t(ctx.language, "notice.match", other=escape(other), which=which)
        return ctx.text(text, self._open_it(ctx.confession, ctx.language))

    async def signed(self, ctx: Context) -> ApiCall | None:
        """Not for a confession its recipient has not let in: that stays unseen."""
        assert ctx.view is not None
        if await consent.withheld(ctx.session, ctx.confession):
            return None
        name = escape(ctx.view.sender.display_name)
        which = which_confession(ctx.confession, ctx.language)
        text = t(ctx.language, "notice.signed", name=name, which=which)
        return ctx.text(text, self._open_it(ctx.confession, ctx.language))

    async def banned(self, ctx: Context) -> ApiCall:
        return ctx.text(t(ctx.language, "safety.banned_notice"))

    def _open_it(self, confession: Confession, language: str | None) -> InlineKeyboardMarkup:
        """The notice opens the confession it is about: in the chat, and in the mini app."""
        row = [
            InlineKeyboardButton(
                t(language, "safety.open_confession"), callback_data=callbacks.thread(confession)
            )
        ]
        app = mini_app_button(self._settings, t(language, "button.open"), "reveal", confession)
        if app is not None:
            row.append(app)
        return InlineKeyboardMarkup([row])

    async def expired(self, ctx: Context) -> ApiCall:
        assert ctx.view is not None
        to = recipient_label(ctx.view, ctx.language)
        return ctx.text(t(ctx.language, "notice.expired", to=to))

    async def withdrawn(self, ctx: Context) -> ApiCall:
        """Edits the recipient's delivery message in place, buttons gone."""
        key = (
            "notice.expired_for_recipient"
            if ctx.view and ctx.confession.status == ConfessionStatus.EXPIRED
            else "notice.withdrawn"
        )
        return ApiCall(
            "editMessageText",
            {
                "chat_id": ctx.chat_id,
                "message_id": ctx.message.params["message_id"],
                "text": t(ctx.language, key),
                "parse_mode": "HTML",
            },
        )

    async def reply(self, ctx: Context) -> ApiCall | None:
        """A thread message to the other party; the anonymous side stays anonymous."""
        assert ctx.view is not None
        reply = await ctx.session.get(Reply, int(ctx.message.params["reply_id"]))
        if reply is None:
            return None
        if reply.from_sender:
            author = (
                escape(ctx.view.sender.display_name)
                if ctx.view.sender_shown
                else escape(self._pseudonym(ctx) or t(ctx.language, "thread.anonymous"))
            )
            header = t(ctx.language, "thread.from_sender", author=author)
        else:
            header = t(
                ctx.language, "thread.from_recipient", to=recipient_label(ctx.view, ctx.language)
            )
        text = f"{header}\n\n{reply.text_html}" if reply.text_html else header
        reader = Role.RECIPIENT if reply.from_sender else Role.SENDER
        markup = reply_markup_for(ctx.confession, ctx.language, permissions(ctx.confession, reader))
        media = await ctx.session.get(Media, reply.media_id) if reply.media_id else None
        if media is None or media.telegram_file_id is None:
            return ctx.text(text, markup)
        caption = text if fits_caption(media.kind, text) else None
        return send_media(
            ctx.chat_id, media.kind, media.telegram_file_id, caption=caption, markup=markup
        )

    async def report(self, ctx: Context) -> ApiCall | None:
        """To an operator, who may see who sent it: that is what moderation needs."""
        assert ctx.view is not None
        report = await ctx.session.get(Report, int(ctx.message.params["report_id"]))
        if report is None:
            return None
        sender = ctx.view.sender
        text = t(
            ctx.language,
            "report.text",
            id=report.id,
            sender=escape(f"{sender.display_name} (id {sender.id}, @{sender.username or '—'})"),
            text=ctx.confession.text_html,
        )
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(ctx.language, "button.dismiss"),
                        callback_data=callbacks.verdict(report.id or 0, "dismiss"),
                    ),
                    InlineKeyboardButton(
                        t(ctx.language, "button.ban"),
                        callback_data=callbacks.verdict(report.id or 0, "ban"),
                    ),
                ]
            ]
        )
        return ctx.text(text, markup)


def which_confession(confession: Confession, language: str | None, *, own: bool = False) -> str:
    """Names a confession by its first words when the reader may read them (their own, or
    revealed), else by its date."""
    words = confession.text.strip()
    if (own or confession.status == ConfessionStatus.REVEALED) and words:
        short = words if len(words) <= 40 else words[:40].rstrip() + "…"
        return t(language, "safety.which_words", words=escape(short))
    return t(language, "safety.which_date", date=f"{confession.created_at:%d.%m.%Y}")


def sender_controls(confession: Confession, language: str | None) -> InlineKeyboardMarkup | None:
    """What the sender can still do: take it back while unread, or say who they are."""
    can = permissions(confession, Role.SENDER)
    row = []
    if can.withdraw:
        row.append(
            InlineKeyboardButton(
                t(language, "button.withdraw"), callback_data=callbacks.withdraw(confession)
            )
        )
    if can.sign:
        row.append(
            InlineKeyboardButton(
                t(language, "button.sign"), callback_data=callbacks.sign(confession)
            )
        )
    return InlineKeyboardMarkup([row]) if row else None


RENDERERS: dict[Notice, Render] = {
    Notice.DELIVERY: NoticeRenderer.delivery,
    Notice.DELIVERED: NoticeRenderer.delivered,
    Notice.REVEALED: NoticeRenderer.revealed,
    Notice.REACTION: NoticeRenderer.reaction,
    Notice.UNDELIVERABLE: NoticeRenderer.undeliverable,
    Notice.MATCH: NoticeRenderer.match,
    Notice.SIGNED: NoticeRenderer.signed,
    Notice.EXPIRED: NoticeRenderer.expired,
    Notice.SENDER_CONTROLS: NoticeRenderer.sender_controls,
    Notice.WITHDRAWN: NoticeRenderer.withdrawn,
    Notice.REPLY: NoticeRenderer.reply,
    Notice.REPORT: NoticeRenderer.report,
    Notice.BANNED: NoticeRenderer.banned,
}
