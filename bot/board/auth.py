"""Telegram Mini App `initData`: checked as Telegram documents it.

The Mini App receives `initData` (a URL-encoded query string) from the Telegram client and
sends it with every request. It is genuine when its `hash` is the hex HMAC-SHA-256 of the
data-check string (every other field as `key=value`, sorted by key, joined by newlines)
under the key HMAC-SHA-256(key="WebAppData", message=bot token). It is fresh when its
`auth_date` (Unix seconds) is at most `max_age` old and not in the future.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

# A client's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=1)


class InitDataError(ValueError):
    """initData is missing, malformed, forged or stale (the reason is for the log)."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    language_code: str | None
    auth_date: datetime


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields))


def check_init_data(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta
) -> WebAppUser:
    """The Telegram user `init_data` vouches for; InitDataError if it does not."""
    if not init_data or len(init_data) > 8192:
        raise InitDataError("no initData")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InitDataError("malformed initData") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field given twice")
    received = fields.pop("hash", "")
    expected = hmac.new(
        _secret(bot_token), _check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(received.encode(), expected.encode()):
        raise InitDataError("bad hash")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InitDataError("no auth_date or user") from exc
    if auth_date > now + CLOCK_SKEW:
        raise InitDataError("auth_date in the future")
    if now - auth_date > max_age:
        raise InitDataError("stale initData")
    language = user.get("language_code") if isinstance(user, dict) else None
    return WebAppUser(user_id, language if isinstance(language, str) else None, auth_date)


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """initData as a Telegram client would send it (for tests, benchmarks and the demo)."""
    digest = hmac.new(_secret(bot_token), _check_string(fields).encode(), hashlib.sha256)
    return urlencode({**fields, "hash": digest.hexdigest()})


def init_data_for(
    user_id: int, bot_token: str, *, auth_date: datetime, language: str = "ru"
) -> str:
    """Signed initData of a user opening the Mini App at `auth_date`."""
    user = json.dumps(
        {"id": user_id, "first_name": "Test", "language_code": language},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return sign_init_data(
        {
            "auth_date": str(int(auth_date.timestamp())),
            "query_id": f"AAH{user_id}",
            "user": user,
        },
        bot_token,
    )
