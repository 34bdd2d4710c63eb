"""The inspected party's page for a desk check's documents (书面检查, issue 32), served
beside the Mini App and the public site: GET CHOUCHA_PUBLIC_URL/u/<token> shows the form,
POST receives the files (bot/services/visits/materials.py decides). A plain multipart form:
no script, no other host; in the browser's language.

The body is streamed and capped: at most MAX_SENDING bytes (and the multipart framing)
are held, the rest refused with 413 before it is read; a few sendings at a time, others
asked to try again in a moment."""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable
from typing import Any

import tornado.http1connection
import tornado.httputil
import tornado.web

from bot.core import Core
from bot.emulator.server import loopback_host
from bot.services.errors import Refusal, Refused
from bot.services.visits import materials
from bot.tg.webapp import browser_language
from bot.views.materials import STYLE, page_html, receipt_html, refused_html

logger = logging.getLogger(__name__)

FRAMING = 64 * 1024  # the multipart boundaries and headers, beyond the files themselves
AT_ONCE = 3  # sendings being received at the same time
TOKEN = r"([A-Za-z0-9_-]{16,64})"
# Nothing but the page's own inline style sheet, its form posting to itself.
CSP = ("default-src 'none'; style-src 'sha256-"
       + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
       + "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]


# How a refusal is answered: the link unknown, spent or past; too much; else a bad request.
STATUS = {Refusal.TOKEN_UNKNOWN: 404, Refusal.TOKEN_USED: 410, Refusal.TOKEN_EXPIRED: 410,
          Refusal.SUBMITTED: 410, Refusal.TOO_LARGE: 413, Refusal.SENDING_TOO_LARGE: 413,
          Refusal.BUSY: 503}


@tornado.web.stream_request_body
class _Materials(tornado.web.RequestHandler):
    receiving = 0  # sendings being received now, in this process

    def initialize(self, core: Callable[[], Core], wake: Callable[[], None],
                   loopback_only: bool = False) -> None:
        self._core = core
        self.wake = wake
        self.loopback_only = loopback_only
        self._chunks: list[bytes] = []
        self._size = 0
        self._counted = False

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Content-Security-Policy", CSP)

    def check_xsrf_cookie(self) -> None:
        """The link itself is the credential (192 random bits, one sending): a page of
        another site cannot post without it."""

    async def prepare(self) -> None:
        """Before the body is read: a sending too large is refused, and so is a link that
        does not serve (only a live link's holder takes one of the AT_ONCE places)."""
        if self.loopback_only and not loopback_host(self.request.host or ""):
            raise tornado.web.HTTPError(403, "loopback host names only")
        if self.request.method != "POST":
            return
        limit = materials.MAX_SENDING + FRAMING
        if int(self.request.headers.get("Content-Length") or 0) > limit:
            self._refused(Refused(Refusal.SENDING_TOO_LARGE))
            return
        try:
            await materials.serves(self._core(), self.path_args[0])
        except Refused as exc:
            self._refused(exc)
            return
        if _Materials.receiving >= AT_ONCE:
            self.set_header("Retry-After", "30")
            self._refused(Refused(Refusal.BUSY))
            return
        _Materials.receiving += 1
        self._counted = True
        connection = self.request.connection
        if isinstance(connection, tornado.http1connection.HTTP1Connection):
            connection.set_max_body_size(limit)  # the listener's own is the Mini App's

    def on_finish(self) -> None:
        self._release()

    def on_connection_close(self) -> None:
        super().on_connection_close()  # (the request's body, never to come, is given up)
        self._release()

    def _release(self) -> None:
        if self._counted:
            self._counted = False
            _Materials.receiving -= 1
        self._chunks = []

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self._size += len(chunk)
        if self._size > materials.MAX_SENDING + FRAMING:
            self._refused(Refused(Refusal.SENDING_TOO_LARGE))
            return
        self._chunks.append(chunk)

    def _page(self, status: int, body: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(body.encode("utf-8"))

    def _refused(self, exc: Refused) -> None:
        self._page(STATUS.get(exc.reason, 400), refused_html(browser_language(self.request), exc))

    async def get(self, token: str) -> None:
        core = self._core()
        try:
            page = await materials.page(core, token)
        except Refused as exc:
            self._refused(exc)
            return
        self._page(200, page_html(browser_language(self.request), page, self.request.path,
                                  core.settings.tz))

    async def post(self, token: str) -> None:
        if self._finished:
            return
        body, self._chunks = b"".join(self._chunks), []
        files: dict[str, list[tornado.httputil.HTTPFile]] = {}
        try:
            tornado.httputil.parse_body_arguments(
                self.request.headers.get("Content-Type", ""), body, {}, files,
                self.request.headers)
        except (tornado.httputil.HTTPInputError, UnicodeDecodeError, ValueError):
            self._refused(Refused(Refusal.SENDING_UNREADABLE))
            return
        finally:
            del body
        uploads = [materials.Upload(f.filename or "file", f.content_type or "", f.body)
                   for f in files.get("files", [])]
        try:
            received = await materials.receive(self._core(), token, uploads)
        except Refused as exc:
            self._refused(exc)
            return
        self.wake()  # the team is told now, not at the outbox's next look
        logger.info("desk check: %d files received through a party's link", len(received))
        self._page(200, receipt_html(browser_language(self.request), received))


def routes(core: Callable[[], Core], wake: Callable[[], None],
           loopback_only: bool = False) -> list[Route]:
    """The party's page, to add to a Tornado application (`core` looked up per request;
    `loopback_only` beside local mode's page, as the Mini App's)."""
    return [(materials.PATH + TOKEN, _Materials,
             {"core": core, "wake": wake, "loopback_only": loopback_only})]
