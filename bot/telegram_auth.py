"""Mini-app init data: Telegram signs who the user is; we check the signature and its age.

The web app's identity port on Telegram (`InitDataVerifier`): a mini app sends its init
data as `Authorization: tma <init data>`.

As Telegram specifies: every field but `hash`, sorted, as `key=value` lines joined by `\\n`;
the key is HMAC-SHA-256 of the bot token keyed with "WebAppData"; the hex HMAC-SHA-256 of
the lines must equal `hash`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from core import constant_time
from core.errors import Unauthorized
from core.settings import Settings
from core.users import TelegramIdentity

SCHEME = "tma "


class InitDataMissing(Unauthorized):
    code = "init_data_missing"
    message = "Open this from Telegram: the request carries no init data."


# Real init data is a few hundred bytes (a user, a date, a hash, a query id); a photo URL or
# a start parameter adds little. Parsing costs CPU in proportion to the length, before any
# check could refuse it: a megabyte cost 0.2 s per request, so anything longer is refused
# unread.
MAX_INIT_DATA_LENGTH = 8 * 1024


class InitDataTooLarge(Unauthorized):
    code = "init_data_too_large"
    message = "The init data is too long to be Telegram's."


class InitDataMalformed(Unauthorized):
    code = "init_data_malformed"
    message = "The init data could not be read."


class InitDataBadSignature(Unauthorized):
    code = "init_data_bad_signature"
    message = "The init data is not signed by this bot."


class InitDataExpired(Unauthorized):
    code = "init_data_expired"
    message = "The init data is too old; reopen the app."


@dataclass(frozen=True, slots=True)
class InitData:
    user: TelegramIdentity
    auth_date: int
    start_param: str | None


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def signature(fields: dict[str, str], bot_token: str) -> str:
    return _signature(fields, _secret_key(bot_token))


def _signature(fields: dict[str, str], secret_key: bytes) -> str:
    check = _data_check_string(fields).encode()
    return hmac.new(secret_key, check, hashlib.sha256).hexdigest()


def validate(
    raw: str, *, bot_token: str, max_age_seconds: int, now: float | None = None
) -> InitData:
    """The user behind a mini-app request, or an Unauthorized error saying which check failed."""
    found = _signed(raw, _secret_key(bot_token))
    _check_age(found, max_age_seconds, now)
    return found


def _check_age(found: InitData, max_age_seconds: int, now: float | None = None) -> None:
    age = (time.time() if now is None else now) - found.auth_date
    if age > max_age_seconds or age < -60:
        raise InitDataExpired()


def _signed(raw: str, secret_key: bytes) -> InitData:
    """What signed init data says, whatever its age."""
    if not raw:
        raise InitDataMissing()
    if len(raw) > MAX_INIT_DATA_LENGTH:
        raise InitDataTooLarge()
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataMalformed() from None
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:
        raise InitDataMalformed()
    if not constant_time.equal(fields["hash"], _signature(fields, secret_key)):
        raise InitDataBadSignature()
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        identity = TelegramIdentity(
            id=int(user["id"]),
            first_name=str(user.get("first_name", "")),
            last_name=user.get("last_name"),
            username=user.get("username"),
            language_code=user.get("language_code"),
            is_bot=bool(user.get("is_bot", False)),
        )
    except (KeyError, ValueError, TypeError):
        raise InitDataMalformed() from None
    return InitData(user=identity, auth_date=auth_date, start_param=fields.get("start_param"))


REMEMBERED = 4096
"""Init data a verifier keeps verified: more than the people using the mini app at once."""


class InitDataVerifier:
    """Who Telegram vouches a mini-app request comes from (`core.users.IdentityVerifier`).

    The mini app sends the same init data with every call while it is open, so what was
    verified once is remembered (only init data whose signature held), and each later call
    checks only its age: reading and checking it again was about a fifteenth of a read's
    CPU."""

    def __init__(self, bot_token: str, max_age_seconds: int) -> None:
        self._secret_key = _secret_key(bot_token)
        self.max_age_seconds = max_age_seconds
        self._verified: dict[str, InitData] = {}

    def verify(self, credentials: str | None) -> TelegramIdentity:
        if not credentials:
            raise InitDataMissing()
        if not credentials.startswith(SCHEME):
            raise InitDataMalformed()
        raw = credentials.removeprefix(SCHEME).strip()
        found = self._verified.get(raw)
        if found is None:
            found = _signed(raw, self._secret_key)
            if len(self._verified) >= REMEMBERED:
                del self._verified[next(iter(self._verified))]  # the longest remembered
            self._verified[raw] = found
        _check_age(found, self.max_age_seconds)
        return found.user


def verifier(settings: Settings) -> InitDataVerifier | None:
    """The bot's verifier; none without a token, since nothing could be signed for it."""
    if settings.token is None:
        return None
    return InitDataVerifier(settings.token, settings.init_data_max_age_seconds)


def sign(
    user: dict[str, object], *, bot_token: str, auth_date: int | None = None, **extra: str
) -> str:
    """Init data as Telegram would make it for this user; for tests and the playground."""
    fields = {
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": extra.pop("query_id", "AAH-playground"),
        **extra,
    }
    fields["hash"] = signature(fields, bot_token)
    return urlencode(fields)
