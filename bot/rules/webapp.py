"""Telegram Mini App launch data (initData), validated exactly as Telegram documents it
(core.telegram.org/bots/webapps, "Validating data received via the Mini App"):

    data_check_string = the received fields but `hash`, as key=value, sorted by key,
                        joined by line feeds
    secret_key        = HMAC-SHA-256(key="WebAppData", message=bot_token)
    hash              = hex(HMAC-SHA-256(key=secret_key, message=data_check_string))

and `auth_date` no older than the allowed age. `sign` makes the same string, for the local
emulator (which stands in for Telegram) and for tests."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

MAX_LENGTH = 4096  # Telegram's initData is a few hundred bytes
CLOCK_SKEW = 60  # seconds an auth_date may lie in the future


class InitDataProblem(enum.StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    BAD_HASH = "bad_hash"
    EXPIRED = "expired"


class InitDataRefused(Exception):
    def __init__(self, problem: InitDataProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user who opened the Mini App, as initData states it."""

    id: int
    first_name: str
    language_code: str | None
    auth_date: int
    query_id: str | None


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """initData for `fields` (user as JSON text, auth_date, query_id…), hash appended."""
    digest = hmac.new(_secret(bot_token), _check_string(fields).encode(),
                      hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def check(init_data: str, bot_token: str, now: float, max_age: int) -> WebAppUser:
    """The user of valid, fresh initData; InitDataRefused otherwise."""
    if not init_data:
        raise InitDataRefused(InitDataProblem.MISSING)
    if len(init_data) > MAX_LENGTH:
        raise InitDataRefused(InitDataProblem.MALFORMED)
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataRefused(InitDataProblem.MALFORMED) from None
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:
        raise InitDataRefused(InitDataProblem.MALFORMED)
    expected = hmac.new(_secret(bot_token), _check_string(fields).encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["hash"]):
        raise InitDataRefused(InitDataProblem.BAD_HASH)
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        found = WebAppUser(int(user["id"]), str(user.get("first_name", "")),
                           user.get("language_code"), auth_date, fields.get("query_id"))
    except (KeyError, ValueError, TypeError):
        raise InitDataRefused(InitDataProblem.MALFORMED) from None
    if not now - max_age <= auth_date <= now + CLOCK_SKEW:
        raise InitDataRefused(InitDataProblem.EXPIRED)
    return found


_INLINE = re.compile(r"<(script|style)(\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


NONE = "'none'"


def content_security_policy(page: str, frame_ancestors: str = NONE,
                            frames: str = NONE) -> str:
    """A Content-Security-Policy for one of Choucha's pages: nothing from elsewhere, and
    of inline code only the page's own scripts and styles (by their SHA-256), so that a
    text that got into the page unescaped still runs nothing (issue 29). `page` is the
    page's template, before anything is put into it."""
    scripts, styles = [], []
    for tag, attributes, body in _INLINE.findall(page):
        text = body.replace("\r\n", "\n").replace("\r", "\n")  # as the browser reads it
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode(
            ) + "'"
        if tag.lower() == "style":
            styles.append(digest)
        elif "application/json" not in (attributes or "").lower():  # data, never run
            scripts.append(digest)
    return "; ".join([
        "default-src 'none'",
        f"script-src {' '.join(scripts) or NONE}",
        f"style-src {' '.join(styles) or NONE}",
        "connect-src 'self'", "img-src 'self' data: blob:", "base-uri 'none'",
        "form-action 'none'", f"frame-src {frames}", f"frame-ancestors {frame_ancestors}"])
