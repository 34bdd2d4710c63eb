"""The webhook listener: Telegram POSTs updates here. Never without a secret: a request
must carry it (compared in constant time) and reach an unguessable path, or it is refused
and nothing happens."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Self
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.tg.intake import Intake

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # an update is a few kilobytes; anything near this is not Telegram


def hook_url(configured: str, secret: str) -> str:
    """The URL given to Telegram: the configured one plus a path segment derived from the
    secret, so that the listener's path cannot be guessed either (a proxy's location for
    the configured path still matches it)."""
    segment = hashlib.sha256(f"choucha-webhook-path\n{secret}".encode()).hexdigest()[:32]
    return f"{configured.rstrip('/')}/{segment}"


class _Hook(tornado.web.RequestHandler):
    def initialize(self, intake: Intake, secret: str) -> None:
        self.intake = intake
        self.secret = secret.encode()

    def check_xsrf_cookie(self) -> None:
        return None  # Telegram has no cookie; the secret header is the check

    async def post(self) -> None:
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        token = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if kind != "application/json" or not hmac.compare_digest(token, self.secret):
            logger.warning("webhook request refused: %s", "wrong content type"
                           if kind != "application/json" else "missing or wrong secret")
            raise tornado.web.HTTPError(403)
        try:
            update = Update.de_json(json.loads(self.request.body), self.intake.app.bot)
        except (ValueError, TypeError, KeyError):
            raise tornado.web.HTTPError(400) from None
        # Answered only once the update is kept: a 500 makes Telegram deliver it again.
        try:
            await self.intake.receive([update])
        except Exception:
            logger.exception("could not keep update %s", update.update_id)
            raise tornado.web.HTTPError(500) from None
        self.set_status(200)
        self.finish()


class Listener:
    """A Tornado application served on `listen:port` until stopped."""

    def __init__(self, web: tornado.web.Application, max_body: int) -> None:
        self._web = web
        self._max_body = max_body
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start(self, listen: str, port: int) -> Self:
        self._server = tornado.httpserver.HTTPServer(self._web, max_body_size=self._max_body)
        self._server.listen(port, address=listen)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


class WebhookServer(Listener):
    """The hook's path (and, where given, more routes on the same listener)."""

    def __init__(self, intake: Intake, secret: str, url: str,
                 extra: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]]
                 | None = None) -> None:
        """`extra`: more routes on the same listener (the Mini App's)."""
        self.path = urlsplit(url).path or "/"
        super().__init__(tornado.web.Application(
            [(self.path, _Hook, {"intake": intake, "secret": secret}), *(extra or [])],
            xsrf_cookies=False), MAX_BODY)
