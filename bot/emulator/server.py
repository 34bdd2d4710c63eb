"""HTTP front of the emulator on loopback: the Bot API, file downloads, the web chat page."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import secrets
import socket
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web
from tornado.httputil import HTTPFile, parse_body_arguments

from bot.emulator.core import ApiError, Emulator
from bot.emulator.schema import Upload
from bot.rules import webapp

logger = logging.getLogger(__name__)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
PAGE_TOKEN_HEADER = "X-Choucha-Page"


def loopback_host(host: str) -> bool:
    """A Host header naming loopback (any port): a page on another name that resolves to
    127.0.0.1 (DNS rebinding) is not served."""
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    return name.lower() in LOOPBACK_HOSTS


class _Base(tornado.web.RequestHandler):
    @property
    def emulator(self) -> Emulator:
        return self.application.settings["emulator"]

    def prepare(self) -> None:
        if not loopback_host(self.request.host or ""):
            raise tornado.web.HTTPError(403, "loopback host names only")

    def send_json(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))


class ApiHandler(_Base):
    """/bot<token>/<method>: the Bot API."""

    def check_xsrf_cookie(self) -> None:
        return None

    def _gone(self) -> bool:
        """True when the client closed the connection (a long poll given up at shutdown)."""
        connection = self.request.connection
        stream = getattr(connection, "stream", None)
        return stream is not None and stream.closed()

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        emulator = self.emulator
        if emulator.token is not None and token != emulator.token:
            self.send_json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            return
        raw: dict[str, Any] = {k: self.get_query_argument(k) for k in self.request.query_arguments}
        uploads: dict[str, Upload] = {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                body = json.loads(self.request.body or b"{}")
            except json.JSONDecodeError:
                self.send_json({"ok": False, "error_code": 400,
                                "description": "Bad Request: invalid JSON"}, 400)
                return
            raw.update(body)
        elif self.request.body:
            arguments: dict[str, list[bytes]] = {}
            files: dict[str, list[HTTPFile]] = {}
            parse_body_arguments(content_type, self.request.body, arguments, files)
            for key, values in arguments.items():
                raw[key] = values[-1].decode("utf-8")
            for key, parts in files.items():
                part = parts[-1]
                uploads[key] = Upload(part.filename, part.content_type, part.body)
        try:
            result = await emulator.call(method, raw, uploads)
        except ApiError as exc:
            if not self._gone():
                self.send_json(exc.body(), exc.code)
            return
        except asyncio.CancelledError:
            return  # the server is shutting down with a long poll open: nothing to answer
        except BaseException:
            logger.exception("emulator failed on %s", method)
            emulator.violations.append(f"{method}: the emulator itself failed")
            raise
        if self._gone():
            return  # the bot gave up on this request (a long poll at shutdown)
        self.send_json({"ok": True, "result": result})


class FileHandler(_Base):
    """/file/bot<token>/<file_path>: file downloads."""

    def get(self, token: str, path: str) -> None:
        if self.emulator.token is not None and token != self.emulator.token:
            raise tornado.web.HTTPError(401)
        stored = self.emulator.file_by_path(path)
        if stored is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)


def _view(emulator: Emulator, message: dict[str, Any]) -> dict[str, Any]:
    """A message as the web chat page shows it."""
    view: dict[str, Any] = {
        "id": message["message_id"],
        "mine": bool(message.get("_from_user")),
        "text": message.get("text") or "",
        "caption": message.get("caption") or "",
        "markup": message.get("_text_markup") or message.get("_caption_markup"),
        "parse_mode": message.get("_parse_mode"),
        "edited": "edit_date" in message,
        "date": message["date"],
    }
    if message.get("photo"):
        view["photo"] = message["photo"][-1]["file_id"]
    if message.get("document"):
        view["document"] = {"file_id": message["document"]["file_id"],
                            "file_name": message["document"].get("file_name", "file")}
    if message.get("location"):
        view["location"] = message["location"]
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    view["buttons"] = [[{"text": b["text"], "data": b.get("callback_data"), "url": b.get("url"),
                         "web_app": (b.get("web_app") or {}).get("url")}
                        for b in row] for row in keyboard]
    return view


class StateHandler(_Base):
    def get(self) -> None:
        emulator = self.emulator
        users = [
            {"id": u.id, "name": u.first_name, "label": u.label,
             "has_link": bool(u.start_payload), "language_code": u.language_code}
            for u in emulator.users.values()
        ]
        self.send_json({"bot": emulator.bot, "users": users, "version": emulator.version})


class ChatHandler(_Base):
    """GET the chat of one person (long-polls with ?since=&wait=)."""

    async def get(self, user_id: str) -> None:
        emulator = self.emulator
        uid = int(user_id)
        if uid not in emulator.users:
            raise tornado.web.HTTPError(404)
        since = int(self.get_query_argument("since", "-1"))
        wait = min(float(self.get_query_argument("wait", "0")), 25.0)
        version = emulator.version
        if since >= version and wait > 0:
            version = await emulator.wait_changed(since, wait)
        messages = [_view(emulator, m) for m in emulator.chat_messages(uid)]
        keyboard: list[list[dict[str, Any]]] = []
        for message in reversed(emulator.chat_messages(uid)):
            markup = message.get("_keyboard") or {}
            if message.get("_from_user"):
                continue
            if markup.get("remove_keyboard"):
                break
            if "keyboard" in markup:
                keyboard = [[b if isinstance(b, dict) else {"text": b} for b in row]
                            for row in markup["keyboard"]]
                break
        answers = [
            {"id": qid, "text": a.get("text"), "alert": bool(a.get("show_alert"))}
            for qid, a in emulator.callback_answers.items()
            if emulator.callback_queries[qid]["from"]["id"] == uid and a.get("text")
        ]
        commands = emulator.commands_for(uid, emulator.users[uid].language_code)
        self.send_json({"version": version, "messages": messages, "keyboard": keyboard,
                        "answers": answers, "commands": commands})


class ActHandler(_Base):
    """POST what a person does: text, start, press, location, photo, document. Only the
    page itself may: JSON only (a cross-site form cannot send it without asking), the
    page's own token in a header, and an Origin (when sent) on loopback."""

    def check_xsrf_cookie(self) -> None:
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        token = self.request.headers.get(PAGE_TOKEN_HEADER, "").encode()
        origin = self.request.headers.get("Origin")
        if (kind != "application/json"
                or not hmac.compare_digest(token, self.application.settings["page_token"])
                or (origin is not None and not loopback_host(urlsplit(origin).netloc))):
            raise tornado.web.HTTPError(403, "only the chat page itself may act")

    async def post(self, user_id: str, action: str) -> None:
        emulator = self.emulator
        user = emulator.users.get(int(user_id))
        if user is None:
            raise tornado.web.HTTPError(404)
        try:
            body = json.loads(self.request.body or b"{}")
            if action in ("photo", "document"):
                data = base64.b64decode(str(body.get("data", "")), validate=True)
                if not data:
                    raise tornado.web.HTTPError(400, "file missing")
                caption = str(body.get("caption") or "") or None
                if action == "photo":
                    await emulator.user_photo(user, data, caption)
                else:
                    await emulator.user_document(user, data, str(body.get("filename") or "file"),
                                                 str(body.get("mime") or
                                                     "application/octet-stream"), caption)
                self.send_json({"ok": True})
                return
            if action == "text":
                text = str(body.get("text", "")).strip()
                if not text:
                    raise tornado.web.HTTPError(400, "empty text")
                await emulator.user_text(user, text)
            elif action == "start":
                payload = body.get("payload") or user.start_payload
                await emulator.user_text(user, f"/start {payload}" if payload else "/start")
            elif action == "press":
                message = next(m for m in emulator.chat_messages(user.id)
                               if m["message_id"] == int(body["message_id"]))
                await emulator.user_press(user, message, str(body["data"]))
            elif action == "webapp":  # a web_app button: where the page opens the Mini App
                message = next(m for m in emulator.chat_messages(user.id)
                               if m["message_id"] == int(body["message_id"]))
                self.send_json({"ok": True, "url": emulator.webapp_launch(
                    user, message, str(body["url"]))})
                return
            elif action == "location":
                await emulator.user_location(user, float(body["latitude"]),
                                             float(body["longitude"]))
            else:
                raise tornado.web.HTTPError(404)
        except ApiError as exc:
            self.send_json(exc.body(), 400)
            return
        except (StopIteration, KeyError, ValueError, binascii.Error) as exc:
            raise tornado.web.HTTPError(400, str(exc)) from None
        self.send_json({"ok": True})


class EmuFileHandler(_Base):
    def get(self, file_id: str) -> None:
        stored = self.emulator.files.get(file_id)
        if stored is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        if stored.filename and not (stored.mime_type or "").startswith("image/"):
            self.set_header("Content-Disposition", f'attachment; filename="{stored.file_id}"')
        self.finish(stored.data)


class PageHandler(_Base):
    def get(self) -> None:
        template = resources.files("bot.emulator").joinpath("static/chat.html").read_bytes()
        page = template.replace(b"__PAGE_TOKEN__", self.application.settings["page_token"])
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy",
                        webapp.content_security_policy(template.decode("utf-8"),
                                                       frames="'self'"))
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


def make_app(emulator: Emulator) -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/bot([^/]+)/([A-Za-z]+)", ApiHandler),
            (r"/file/bot([^/]+)/(.+)", FileHandler),
            (r"/_emu/state", StateHandler),
            (r"/_emu/chat/(\d+)", ChatHandler),
            (r"/_emu/chat/(\d+)/([a-z]+)", ActHandler),
            (r"/_emu/file/([A-Za-z0-9_-]+)", EmuFileHandler),
            (r"/", PageHandler),
        ],
        emulator=emulator,
        xsrf_cookies=True,  # ActHandler's own check; the other handlers only read
        page_token=secrets.token_urlsafe(24).encode(),
    )


class EmulatorServer:
    """The emulator served on a loopback port (0 picks a free one)."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the emulator listens on loopback only")
        self.emulator = emulator
        self.app = make_app(emulator)  # routes may be added (local mode: the Mini App's)
        self.host = host
        self._port = port
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    async def start(self) -> EmulatorServer:
        sockets = tornado.netutil.bind_sockets(self._port, self.host, family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(self.app, max_body_size=60 * 1024 * 1024)
        self._server.add_sockets(sockets)
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None

