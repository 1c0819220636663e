"""Init-data validation, as Telegram specifies it; any change to what was signed is refused."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import telegram_auth
from bot.telegram_auth import (
    InitDataBadSignature,
    InitDataExpired,
    InitDataMalformed,
    InitDataMissing,
)

TOKEN = "7000000001:TEST-token"
NOW = 1_800_000_000
USER = {"id": 42, "first_name": "Alice", "username": "alice", "language_code": "en"}


def signed(**extra: str) -> str:
    return telegram_auth.sign(USER, bot_token=TOKEN, auth_date=NOW - 10, **extra)


def validate(raw: str, *, max_age: int = 3600, now: float = NOW) -> telegram_auth.InitData:
    return telegram_auth.validate(raw, bot_token=TOKEN, max_age_seconds=max_age, now=now)


def test_signed_init_data_gives_the_user() -> None:
    data = validate(signed(start_param="abc"))

    assert data.user.id == 42
    assert data.user.username == "alice"
    assert data.start_param == "abc"


def test_a_known_vector_from_telegrams_algorithm() -> None:
    fields = {"auth_date": "1", "query_id": "q", "user": '{"id":1}'}
    lines = 'auth_date=1\nquery_id=q\nuser={"id":1}'

    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, lines.encode(), hashlib.sha256).hexdigest()

    assert telegram_auth.signature(fields, TOKEN) == expected


def test_missing_init_data_is_refused() -> None:
    with pytest.raises(InitDataMissing):
        validate("")


@pytest.mark.parametrize("raw", ["%%%", "hash", "a=1&a=2&hash=x", "user=1&auth_date=2"])
def test_malformed_init_data_is_refused(raw: str) -> None:
    with pytest.raises((InitDataMalformed, InitDataBadSignature)):
        validate(raw)


def test_another_bots_signature_is_refused() -> None:
    raw = telegram_auth.sign(USER, bot_token="1:other", auth_date=NOW)

    with pytest.raises(InitDataBadSignature):
        validate(raw)


def test_stale_init_data_is_refused() -> None:
    with pytest.raises(InitDataExpired):
        validate(signed(), max_age=5)


def test_init_data_from_the_future_is_refused() -> None:
    with pytest.raises(InitDataExpired):
        validate(signed(), now=NOW - 3600)


def fields_of(raw: str) -> dict[str, str]:
    return dict(parse_qsl(raw, keep_blank_values=True))


@given(
    field=st.sampled_from(["auth_date", "user", "query_id", "start_param"]),
    junk=st.text(min_size=1, max_size=20),
)
def test_any_change_to_a_signed_field_is_refused(field: str, junk: str) -> None:
    fields = fields_of(signed(start_param="abc"))
    fields[field] = fields[field] + junk

    with pytest.raises((InitDataBadSignature, InitDataMalformed)):
        validate(urlencode(fields))


@given(
    name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
    value=st.text(max_size=20),
)
def test_an_added_field_is_refused(name: str, value: str) -> None:
    fields = fields_of(signed())
    if name in fields:
        return
    fields[name] = value

    with pytest.raises(InitDataBadSignature):
        validate(urlencode(fields))


@given(position=st.integers(min_value=0, max_value=63), digit=st.sampled_from("0123456789abcdef"))
def test_any_change_to_the_hash_is_refused(position: int, digit: str) -> None:
    fields = fields_of(signed())
    original = fields["hash"]
    changed = original[:position] + digit + original[position + 1 :]
    if changed == original:
        return
    fields["hash"] = changed

    with pytest.raises(InitDataBadSignature):
        validate(urlencode(fields))


def test_a_removed_field_is_refused() -> None:
    for removed in ("auth_date", "user", "query_id"):
        fields = fields_of(signed())
        del fields[removed]
        with pytest.raises((InitDataBadSignature, InitDataMalformed)):
            validate(urlencode(fields))


# the verifier the API asks: it remembers init data it verified, and must refuse the same
# things all the same


@pytest.fixture
def verifier() -> telegram_auth.InitDataVerifier:
    return telegram_auth.InitDataVerifier(TOKEN, max_age_seconds=3600)


def test_the_verifier_gives_the_user_every_time(
    verifier: telegram_auth.InitDataVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.time", lambda: NOW)

    first = verifier.verify(f"tma {signed()}")
    again = verifier.verify(f"tma {signed()}")

    assert first.id == again.id == 42


def test_init_data_the_verifier_remembers_still_expires(
    verifier: telegram_auth.InitDataVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.time", lambda: NOW)
    verifier.verify(f"tma {signed()}")
    monkeypatch.setattr("time.time", lambda: NOW + 3600)

    with pytest.raises(InitDataExpired):
        verifier.verify(f"tma {signed()}")


def test_a_change_to_init_data_the_verifier_remembers_is_refused(
    verifier: telegram_auth.InitDataVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.time", lambda: NOW)
    verifier.verify(f"tma {signed()}")
    fields = dict(parse_qsl(signed()))
    fields["user"] = fields["user"].replace("42", "43")

    with pytest.raises(InitDataBadSignature):
        verifier.verify(f"tma {urlencode(fields)}")


def test_the_verifier_keeps_only_the_newest_it_verified(
    verifier: telegram_auth.InitDataVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_auth, "REMEMBERED", 3)
    monkeypatch.setattr("time.time", lambda: NOW)
    many = [signed(query_id=f"q{n}") for n in range(10)]

    for raw in many:
        verifier.verify(f"tma {raw}")

    assert list(verifier._verified) == many[-3:]
