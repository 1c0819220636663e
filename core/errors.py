"""Domain errors: each carries a stable code, an HTTP status and a plain-words message.

The web layer maps them to `{"error": {"code", "message"}}`; the bot maps the code to a
friendly text in the user's language. Services never raise HTTP errors themselves.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "The request could not be handled."

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.detail = message or self.message
        self.details = details
        super().__init__(self.detail)


class NotFound(DomainError):
    """Also what a stranger gets for something that exists: existence is not leaked."""

    status = 404
    code = "not_found"
    message = "Nothing here."


class NotForYou(NotFound):
    code = "not_for_you"
    message = "This confession is not for you."


class NotYourOwn(DomainError):
    status = 409
    code = "own_confession"
    message = "This is your own confession."


class NotAllowed(DomainError):
    """The caller may see this, but not do that to it."""

    status = 403
    code = "not_allowed"
    message = "You cannot do that."


class NoDraft(DomainError):
    status = 409
    code = "no_draft"
    message = "There is no confession being written."


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    message = "That input is not valid."


class TextEmpty(InvalidInput):
    code = "text_empty"
    message = "The confession needs some words."


class TextTooLong(InvalidInput):
    code = "text_too_long"
    message = "The text is too long."


class SelfRecipient(InvalidInput):
    code = "self_recipient"
    message = "A confession to yourself stays in your heart."


class BadRecipient(InvalidInput):
    code = "bad_recipient"
    message = "That is not someone a confession can go to."


class MediaNotAllowed(InvalidInput):
    code = "media_not_allowed"
    message = "That kind of file cannot be attached."


class MediaTooLarge(InvalidInput):
    status = 413
    code = "media_too_large"
    message = "That file is too large."


class WrongState(DomainError):
    status = 409
    code = "wrong_state"
    message = "That cannot be done any more."


class Withdrawn(WrongState):
    code = "withdrawn"
    message = "This confession was withdrawn."


class Banned(DomainError):
    status = 403
    code = "banned"
    message = "You can no longer send confessions."


class LimitReached(DomainError):
    status = 429
    code = "limit_reached"
    message = "That is enough for now; try again later."


class TooManyFilterWords(InvalidInput):
    code = "too_many_filter_words"
    message = "That is more filter words than can be kept."


class BadFilterWord(InvalidInput):
    code = "bad_filter_word"
    message = "A filter word must have a letter or digit and be short."


class PairLimitReached(LimitReached):
    code = "pair_limit_reached"
    message = "That is enough confessions to this person for today; try again tomorrow."


class WordsMayHurt(DomainError):
    """Words from the operator's list: the sender is asked once to reconsider. Sending again
    with `confirm` (a fingerprint of these very words) sends them."""

    status = 409
    code = "words_may_hurt"
    message = "Your message contains words that may hurt. Send it anyway, or edit it."


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    message = "Open this from Telegram."
