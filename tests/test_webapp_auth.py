"""Mini App initData, checked as Telegram documents it (bot/rules/webapp.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote

import pytest

from bot.rules import webapp
from bot.rules.webapp import InitDataProblem, InitDataRefused

TOKEN = "123456:ABC-def_ghi"
NOW = 1_800_000_000
USER = json.dumps({"id": 4242, "first_name": "张伟", "language_code": "zh-hans"},
                  ensure_ascii=False, separators=(",", ":"))


def by_hand(fields: dict[str, str], token: str = TOKEN) -> str:
    """The documented algorithm written out independently of the module under test."""
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items()) + f"&hash={digest}"


FIELDS = {"query_id": "AAE1", "user": USER, "auth_date": str(NOW - 30)}


def test_initdata_signed_as_telegram_signs_it_is_accepted() -> None:
    user = webapp.check(by_hand(FIELDS), TOKEN, NOW, 600)
    assert (user.id, user.first_name, user.language_code) == (4242, "张伟", "zh-hans")
    assert webapp.sign(FIELDS, TOKEN).split("hash=")[1] == by_hand(FIELDS).split("hash=")[1]


@pytest.mark.parametrize(("data", "problem"), [
    ("", InitDataProblem.MISSING),
    ("user=%7B%7D&auth_date=1", InitDataProblem.MALFORMED),  # no hash
    ("a=1&a=2&hash=00", InitDataProblem.MALFORMED),  # a field twice
    ("&&=", InitDataProblem.MALFORMED),
    ("x" * 5000, InitDataProblem.MALFORMED),
])
def test_malformed_initdata_is_refused(data: str, problem: InitDataProblem) -> None:
    with pytest.raises(InitDataRefused) as refused:
        webapp.check(data, TOKEN, NOW, 600)
    assert refused.value.problem == problem


def test_a_forged_or_altered_hash_is_refused() -> None:
    good = by_hand(FIELDS)
    forged = good[:-4] + ("0000" if not good.endswith("0000") else "1111")
    another_bot = by_hand(FIELDS, token="999:other")
    someone_else = by_hand(FIELDS).replace("4242", "4243")  # the user changed after signing
    for data in (forged, another_bot, someone_else):
        with pytest.raises(InitDataRefused) as refused:
            webapp.check(data, TOKEN, NOW, 600)
        assert refused.value.problem == InitDataProblem.BAD_HASH


def test_an_old_or_future_auth_date_is_refused() -> None:
    old = by_hand({**FIELDS, "auth_date": str(NOW - 601)})
    future = by_hand({**FIELDS, "auth_date": str(NOW + 3600)})
    for data in (old, future):
        with pytest.raises(InitDataRefused) as refused:
            webapp.check(data, TOKEN, NOW, 600)
        assert refused.value.problem == InitDataProblem.EXPIRED
    assert webapp.check(by_hand({**FIELDS, "auth_date": str(NOW - 600)}), TOKEN, NOW, 600)


def test_the_content_security_policy_names_only_the_pages_own_code() -> None:
    from bot.rules.webapp import content_security_policy

    page = ('<style>p{}</style><script id="w" type="application/json">{"a":1}</script>'
            '<script>run()</script>')
    policy = content_security_policy(page)
    assert policy.count("'sha256-") == 2  # the style and the script run; the data not
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert content_security_policy(page.replace("run()", "run(1)")) != policy


def test_refusals_are_counted_per_client_and_the_memory_stays_bounded() -> None:
    from bot.tg.webapp import MAX_ADDRESSES, _Refusals

    refusals = _Refusals()
    assert refusals.note("2001:db8::1") == 1
    assert refusals.note("2001:db8::2") == 2  # the same /64: one client
    assert refusals.note("::ffff:192.0.2.7") == 1 and refusals.note("192.0.2.7") == 2
    for i in range(MAX_ADDRESSES + 50):
        refusals.note(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(refusals.seen) <= MAX_ADDRESSES + 1
