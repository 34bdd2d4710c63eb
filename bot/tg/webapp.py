"""Choucha's Mini App over HTTP: the page Telegram opens from the signature screen's
`web_app` button, and the two calls it makes (open the sheet, send the signature).

Served on the webhook's listener (webhook mode), on a listener of its own at the same
address (polling with CHOUCHA_PUBLIC_URL), or beside the web chat page (local mode). Each
call carries Telegram's initData; the services check it (bot/services/visits/handsign.py)."""

from __future__ import annotations

import html
import ipaddress
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

import tornado.httputil
import tornado.web

from bot.core import Core
from bot.emulator.server import loopback_host
from bot.i18n import Translator, translator
from bot.rules import webapp
from bot.rules.models import Opinion, PartyRole, PartySigner
from bot.services import visits
from bot.services.errors import Refusal, Refused
from bot.services.visits.handsign import SESSION_MINUTES
from bot.tg.webhook import Listener
from bot.views.handsign import labels, page_words, record_html
from bot.views.visits import refusal_text

logger = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # the strokes of a signature are tens of kilobytes
PATH = "/app/sign"
REFUSALS_PER_MINUTE = 20  # refused launch data from one address before it must wait

Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]


def sign_url(base: str, visit_id: int) -> str:
    """The address the signature screen's `web_app` button opens."""
    return f"{base.rstrip('/')}{PATH}?v={visit_id}"


def browser_language(request: tornado.httputil.HTTPServerRequest) -> Translator:
    """The words of a page opened in a browser: its first Accept-Language."""
    wanted = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]
    return translator(wanted.strip() or None)


def _guess(init_data: str) -> Translator:
    """The language to word a refusal in, from initData's user (only for wording: nothing
    is trusted from it before the services have checked it)."""
    try:
        user = json.loads(dict(parse_qsl(init_data)).get("user", "{}"))
        return translator(str(user.get("language_code") or "") or None)
    except (ValueError, AttributeError):
        return translator(None)


MAX_ADDRESSES = 10_000  # clients whose refusals are remembered


def _exact(address: str) -> str:
    """An address in one spelling (an IPv4-mapped IPv6 one as IPv4)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return str(mapped or ip)


def _client_key(address: str) -> str:
    """An address as one client: IPv4 (an IPv4-mapped IPv6 one too) as it is, IPv6 by
    its /64 network."""
    exact = _exact(address)
    try:
        ip = ipaddress.ip_address(exact)
    except ValueError:
        return exact
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else exact


class _Refusals:
    """Launch data refused per remote address in the last minute. Only requests whose
    launch data fails its HMAC count, and only they are ever held back: a leader's real
    request is checked first and never slowed, even behind a proxy all requests share
    (issue 29). The first refusal of an address in a minute is audited; the rest are
    answered without a row (the audit chain and the writer are not flooded), and past
    the limit with 429."""

    def __init__(self) -> None:
        self.seen: dict[str, deque[float]] = {}

    def _window(self, address: str) -> deque[float]:
        window = self.seen.setdefault(address, deque())
        cutoff = time.monotonic() - 60.0
        while window and window[0] < cutoff:
            window.popleft()
        return window

    def note(self, address: str) -> int:
        """Count a refusal of `address` (an IPv6 one by its /64: one client holds many);
        how many it has had in the last minute."""
        key = _client_key(address)
        if len(self.seen) > MAX_ADDRESSES:  # the quietest half is forgotten, at once
            order = sorted(self.seen, key=lambda k: self.seen[k][-1] if self.seen[k] else 0.0)
            for quiet in order[: len(order) // 2]:
                del self.seen[quiet]
        window = self._window(key)
        window.append(time.monotonic())
        return len(window)


class _Base(tornado.web.RequestHandler):
    def initialize(self, core: Callable[[], Core], bot_token: str,
                   wake: Callable[[], None], refusals: _Refusals,
                   loopback_only: bool = False) -> None:
        self._core = core
        self.bot_token = bot_token
        self.wake = wake
        self.refusals = refusals
        self.loopback_only = loopback_only

    def client_address(self) -> str:
        """Who sent the request: the connection's address, or, from a trusted proxy
        (CHOUCHA_TRUSTED_PROXIES), the last address it put in X-Forwarded-For."""
        remote = self.request.remote_ip or ""
        forwarded = self.request.headers.get("X-Forwarded-For", "")
        trusted = {_exact(p) for p in self.core.settings.trusted_proxies}
        if _exact(remote) in trusted and forwarded.strip():
            return forwarded.split(",")[-1].strip()
        return remote

    def prepare(self) -> None:
        if self.loopback_only and not loopback_host(self.request.host or ""):
            raise tornado.web.HTTPError(403, "loopback host names only")

    @property
    def core(self) -> Core:
        return self._core()

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def check_xsrf_cookie(self) -> None:
        """JSON only: a cross-site form cannot send it without asking first; the initData
        in the body is the real check."""
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if self.request.method == "POST" and kind != "application/json":
            raise tornado.web.HTTPError(415)

    def body(self) -> dict[str, Any] | None:
        """The request's JSON object (JSON only, whatever the application's settings), or
        None when its launch data fails the HMAC and was answered here already: a forged
        request is counted, the first of an address in a minute goes on to be refused
        and audited by the service, the others are answered at once (429 past the limit)."""
        self.check_xsrf_cookie()
        if len(self.request.body) > MAX_BODY:
            raise tornado.web.HTTPError(413)
        try:
            found = json.loads(self.request.body, parse_constant=_no_constant)
        except (ValueError, RecursionError):  # not JSON, NaN/Infinity, nested too deep
            raise tornado.web.HTTPError(400) from None
        if not isinstance(found, dict):
            raise tornado.web.HTTPError(400)
        init_data = str(found.get("initData") or "")
        try:
            webapp.check(init_data, self.bot_token, time.time(), SESSION_MINUTES * 60)
        except webapp.InitDataRefused:
            count = self.refusals.note(self.client_address())
            if count > 1:
                if count > REFUSALS_PER_MINUTE:
                    raise tornado.web.HTTPError(429) from None
                self.refused(init_data, Refused(Refusal.WEBAPP_AUTH))
                return None
        return found

    def answer(self, status: int, data: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False))

    def refused(self, init_data: str, exc: Refused) -> None:
        self.answer(403, {"ok": False, "reason": exc.reason.value,
                          "error": refusal_text(_guess(init_data), exc)})


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


TEMPLATE = resources.files("bot.tg").joinpath("static/sign.html").read_text("utf-8")


def page_html(t: Translator) -> str:
    """The Mini App's page with its own words in `t`'s language (the sheet's words come
    with the sheet, in the leader's language)."""
    words = page_words(t)
    script = json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")
    return (TEMPLATE.replace("{{lang}}", html.escape(words["lang"]))
            .replace("{{title}}", html.escape(words["title"]))
            .replace("{{words}}", script))


class _Page(_Base):
    def get(self) -> None:
        # The launch data is in the address's fragment, which the server never sees: the
        # phone's Accept-Language decides the words shown before the sheet.
        page = page_html(browser_language(self.request))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        # Telegram's clients show the Mini App; its web versions in a frame of theirs, the
        # local web chat page in one of its own. Hashed from the template: nothing put
        # into the page can approve a script of its own.
        self.set_header("Content-Security-Policy", webapp.content_security_policy(
            TEMPLATE, "'self' https://web.telegram.org https://*.telegram.org"))
        self.finish(page.encode("utf-8"))


class _Open(_Base):
    async def post(self) -> None:
        body = self.body()
        if body is None:
            return
        init_data = str(body.get("initData") or "")
        try:
            visit_id = int(body.get("visit") or 0)
            sheet = await visits.open_sheet(self.core, self.bot_token, init_data, visit_id)
        except Refused as exc:
            self.refused(init_data, exc)
            return
        except (TypeError, ValueError, OverflowError):
            self.refused(init_data, Refused(Refusal.STALE))
            return
        t = translator(sheet.language)
        self.answer(200, {"ok": True, "token": sheet.token, "lang": t.lang,
                          "record": record_html(t, sheet.state), "labels": labels(t)})


class _Sign(_Base):
    async def post(self) -> None:
        body = self.body()
        if body is None:
            return
        init_data = str(body.get("initData") or "")
        try:
            last4 = str(body.get("last4") or "").strip().upper() or None
            signer = PartySigner(" ".join(str(body.get("name") or "").split()),
                                 PartyRole(str(body.get("role"))), last4,
                                 Opinion(str(body.get("opinion"))),
                                 " ".join(str(body.get("opinion_text") or "").split())[:500]
                                 or None)
        except ValueError:
            self.refused(init_data, Refused(Refusal.USE_BUTTONS))
            return
        try:
            state = await visits.sign_by_hand(self.core, self.bot_token, init_data,
                                              str(body.get("token") or ""), signer,
                                              body.get("drawing"))
        except Refused as exc:
            self.refused(init_data, exc)
            return
        self.wake()
        self.answer(200, {"ok": True, "visit": state.id})


def routes(core: Callable[[], Core], bot_token: str, wake: Callable[[], None],
           loopback_only: bool = False) -> list[Route]:
    """The Mini App's routes, to add to a Tornado application (`core` is looked up per
    request: the routes may be added before the bot has started). `loopback_only`: served
    beside local mode's page, for loopback host names only, as that page is (a page on
    another name that resolves to 127.0.0.1, DNS rebinding, is not served)."""
    args = {"core": core, "bot_token": bot_token, "wake": wake, "refusals": _Refusals(),
            "loopback_only": loopback_only}
    return [(PATH, _Page, args), ("/app/api/open", _Open, args),
            ("/app/api/sign", _Sign, args)]


class WebappServer(Listener):
    """The Mini App on a listener of its own (polling mode with CHOUCHA_PUBLIC_URL)."""

    def __init__(self, served: list[Route]) -> None:
        super().__init__(tornado.web.Application(served, xsrf_cookies=True), MAX_BODY)
