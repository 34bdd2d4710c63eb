"""The emulator's state and the Bot API methods it speaks.

Transport-free: `Emulator.call` takes a method name and decoded parameters and
returns the result or raises ApiError. The HTTP server (server.py), the test
client (client.py) and the web chat page all act on one Emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import logging
import math
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.emulator.schema import (
    SEND_METHODS,
    SchemaError,
    Spec,
    Upload,
    check_limits,
    loose_decode,
    visible_text,
)
from bot.rules import pacing, webapp
from bot.rules.evidence import MAX_DOWNLOAD
from storage.files import private_dir, write_private

logger = logging.getLogger(__name__)

# getFile: "For the moment, bots can download files of up to 20MB in size."
GETFILE_LIMIT = MAX_DOWNLOAD
# Counted against the pacing rule (bot/rules/pacing.py): messages sent and edited.
PACED_METHODS = SEND_METHODS | {"editMessageText", "editMessageCaption",
                                "editMessageReplyMarkup"}


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class EmuUser:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "zh-hans"
    blocked_bot: bool = False
    # A deep link the person has been given (for the web chat page's "open invite link").
    start_payload: str | None = None
    label: str | None = None

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass
class EmuChat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)

    def as_chat(self, user: EmuUser | None = None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and user is not None:
            chat["first_name"] = user.first_name
            if user.username:
                chat["username"] = user.username
        elif self.title:
            chat["title"] = self.title
        return chat


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    filename: str | None = None


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int = 40


@dataclass(frozen=True)
class Screen:
    """What one chat showed after one send or edit: its text (or caption), the buttons under
    it, a reply keyboard if one came with it, and whether it carried a file. The screen walk
    (tests/test_screen_walk.py) reads these to find screens that leave a person stranded."""

    chat_id: int
    method: str
    text: str
    buttons: tuple[str, ...]
    reply_keyboard: bool
    file: bool
    turn: int  # how many updates the chat's person had sent when this was shown


@dataclass
class SentRecord:
    """One message the bot sent, kept with its chat for `emulator.sent`."""

    method: str
    chat_id: int
    at: float
    message: dict[str, Any]


class Emulator:
    """State of a fake Telegram: one bot, many users and chats."""

    def __init__(
        self,
        spec_path: Path | None = None,
        token: str | None = None,
        bot_id: int = 7000000001,
        bot_username: str = "choucha_local_bot",
        bot_name: str = "Choucha 抽查",
        rate_limits: bool = True,
    ) -> None:
        self.spec = Spec.load(spec_path)
        self.token = token
        self.rate_limits = rate_limits  # off only for benchmarks that measure the bot itself
        self.bot = {"id": bot_id, "is_bot": True, "first_name": bot_name,
                    "username": bot_username, "can_join_groups": True,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, EmuChat] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.history: dict[int, dict[str, Any]] = {}
        self.allowed_updates: list[str] | None = None
        self.webhook: Webhook | None = None
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self._query_at: dict[str, float] = {}
        # Telegram refuses to answer a callback query that waited too long ("query is too
        # old"): a press made while the bot was down. None: never too old.
        self.callback_ttl: float | None = None
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.answered_twice: list[str] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.violations: list[str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[SentRecord] = []
        self.screens: list[Screen] = []
        self._turns: Counter[int] = Counter()
        self.rate_limited: list[tuple[str, int]] = []
        self._update_ids = itertools.count(100001)
        self._next_update_id = 100001
        self._next_file = 1
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._version = 0
        self._poll_generation = 0
        self._overall_bucket: tuple[float, float] = (float(pacing.OVERALL_PER_SECOND), 0.0)
        self._chat_bucket: dict[int, pacing.TokenBucket] = {}
        self._group_window: dict[int, pacing.MinuteWindow] = {}
        # The length of the pacing rule's second (the test suite runs it faster, as the
        # bot it serves does) and every paced request (chat, time in the rule's seconds),
        # refused or not, for `pacing.breaches`.
        self.pace_second = 1.0
        self.paced: list[tuple[int, float]] = []
        self._webhook_task: asyncio.Task[None] | None = None
        self.webhook_failures = 0
        self.clock: Callable[[], float] = time.monotonic
        self.wall: Callable[[], float] = time.time
        self._redeliveries: deque[dict[str, Any]] = deque()
        self.deliveries: Counter[int] = Counter()
        self._injected: list[tuple[ApiError, int | None, str | None]] = []
        self._holds: dict[str, tuple[asyncio.Event, asyncio.Event, bool]] = {}

    # ------------------------------------------------- persistence (local mode only)
    def continue_update_ids(self, after: int) -> None:
        """Number new updates after `after` (the bot remembers the ids it handled: an id it
        saw before a restart would be taken for a redelivery and ignored)."""
        nxt = max(after + 1, self._next_update_id)
        self._update_ids = itertools.count(nxt)
        self._next_update_id = nxt

    def save_state(self, folder: Path) -> None:
        """Chats, their messages and files, and the id counters, so that the web page's
        history and the ids continue after a restart. Written to a new file, then renamed:
        a kill at any moment leaves the previous state whole."""
        files_dir = private_dir(folder / "files", tighten=True)  # people's chats: 0700/0600
        for stored in list(self.files.values()):
            path = files_dir / stored.file_unique_id
            if not path.exists():  # content never changes: written once
                tmp = path.with_suffix(".tmp")
                write_private(tmp, stored.data)
                tmp.replace(path)
        state = {
            "version": 1,
            "next_update_id": self._next_update_id,
            "next_file": self._next_file,
            "chats": [{"id": c.id, "type": c.type, "title": c.title, "messages": c.messages,
                       "next_message_id": max((m["message_id"] for m in c.messages),
                                              default=0) + 1}
                      for c in self.chats.values()],
            "files": [{"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                       "file_path": f.file_path, "mime_type": f.mime_type,
                       "filename": f.filename} for f in self.files.values()],
        }
        tmp = folder / "state.json.tmp"
        write_private(tmp, json.dumps(state, ensure_ascii=False).encode())
        tmp.replace(folder / "state.json")

    def load_state(self, folder: Path) -> bool:
        """Restore what `save_state` wrote; False when there is nothing (a first start)."""
        path = folder / "state.json"
        if not path.is_file():
            return False
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("the local chat history could not be read; starting afresh")
            return False
        for entry in state.get("files", []):
            blob = folder / "files" / entry["file_unique_id"]
            if not blob.is_file():
                continue
            stored = StoredFile(entry["file_id"], entry["file_unique_id"], blob.read_bytes(),
                                entry["file_path"], entry.get("mime_type"),
                                entry.get("filename"))
            self.files[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
        for entry in state.get("chats", []):
            chat = self.chats.setdefault(entry["id"], EmuChat(entry["id"], entry["type"],
                                                              entry.get("title")))
            chat.messages = list(entry["messages"])
            self._message_ids[chat.id] = itertools.count(int(entry["next_message_id"]))
        self._next_file = int(state.get("next_file", 1))
        self._file_ids = itertools.count(self._next_file)
        self.continue_update_ids(int(state.get("next_update_id", 100001)) - 1)
        return True

    def inject_error(self, error: ApiError, times: int = 1, chat_id: int | None = None,
                     method: str | None = None) -> None:
        """Answer the next `times` sends (to `chat_id`, or any), or requests of `method`,
        with `error`: a flood wait."""
        self._injected.extend([(error, chat_id, method)] * times)

    def clear_injected(self) -> None:
        self._injected.clear()

    def hold(self, method: str, done: bool = False) -> asyncio.Event:
        """The next request of `method` hangs until `release(method)` (a bot killed while it
        waits: the update it was handling is received but not done). `done`: the request is
        carried out first and only its answer hangs (a message Telegram took, whose answer
        the bot never read). The event is set when that request has arrived."""
        arrived = asyncio.Event()
        self._holds[method] = (arrived, asyncio.Event(), done)
        return arrived

    def release(self, method: str) -> None:
        held = self._holds.pop(method, None)
        if held is not None:
            held[1].set()

    # ------------------------------------------------------------------ state
    @property
    def username(self) -> str:
        return str(self.bot["username"])

    @property
    def version(self) -> int:
        """Grows on every change a person could see."""
        return self._version

    async def _touch(self) -> None:
        async with self._changed:
            self._version += 1
            self._changed.notify_all()

    async def wait_changed(self, since: int, timeout: float) -> int:
        """Wait until something changed after version `since`; return the current version."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._version > since), timeout
                )
            return self._version

    def add_user(
        self,
        first_name: str,
        user_id: int | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        start_payload: str | None = None,
        label: str | None = None,
    ) -> EmuUser:
        uid = user_id or (500000000 + len(self.users) + 1)
        user = EmuUser(uid, first_name, username, language_code, start_payload=start_payload,
                       label=label)
        self.users[uid] = user
        self.chats.setdefault(uid, EmuChat(uid, "private"))
        return user

    def add_chat(self, chat_id: int, type_: str, title: str) -> EmuChat:
        chat = EmuChat(chat_id, type_, title)
        self.chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> EmuChat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _now(self) -> int:
        """A message's date: the wall clock, as Telegram's (Unix time)."""
        return int(self.wall())

    # ----------------------------------------------------------------- updates
    async def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update_id = next(self._update_ids)
        self._next_update_id = update_id + 1
        update: dict[str, Any] = {"update_id": update_id, kind: payload}
        sender = payload.get("from") if isinstance(payload, dict) else None
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            self._turns[sender["id"]] += 1
        self.history[update_id] = update
        self.updates.append(update)
        await self._touch()
        self._kick_webhook()
        return update

    async def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when it was not confirmed.

        (A bot that crashed after handling an update but before confirming it gets it
        again after its restart; a webhook whose answer was lost gets it again.)
        """
        self._redeliveries.append(self.history[update_id])
        await self._touch()
        self._kick_webhook()

    def _wanted(self, update: dict[str, Any]) -> bool:
        allowed = self.webhook.allowed_updates if self.webhook else self.allowed_updates
        if not allowed:
            return True
        return any(key in update for key in allowed)

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active;"
                                " use deleteWebhook to delete the webhook first")
        offset = params.get("offset")
        if offset is not None and offset > 0:
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"] or None
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(params.get("timeout") or 0, 0)
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self._redeliveries:
                again = [self._redeliveries.popleft() for _ in range(len(self._redeliveries))]
                self.deliveries.update(u["update_id"] for u in again)
                return again[:limit]
            ready = [u for u in self.updates if self._wanted(u) and
                     (offset is None or offset <= 0 or u["update_id"] >= offset)][:limit]
            if ready:
                self.deliveries.update(u["update_id"] for u in ready)
                return ready
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return []
            await self.wait_changed(self._version, min(remaining, 0.5))
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request;"
                                    " make sure that only one bot instance is running")

    def _kick_webhook(self) -> None:
        if self.webhook is not None and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())

    async def _deliver_webhook(self) -> None:
        backoff = 0.05
        async with httpx.AsyncClient(timeout=10) as client:
            while self.webhook is not None and (self.updates or self._redeliveries):
                hook = self.webhook
                if self._redeliveries:
                    self.updates.appendleft(self._redeliveries.popleft())
                update = self.updates[0]
                if not self._wanted(update):
                    self.updates.popleft()
                    continue
                headers = {"Content-Type": "application/json"}
                if hook.secret_token:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
                try:
                    response = await client.post(hook.url, json=update, headers=headers)
                    ok = 200 <= response.status_code < 300
                except httpx.HTTPError as exc:
                    logger.info("webhook delivery failed: %s", exc)
                    ok = False
                if ok:
                    self.deliveries[update["update_id"]] += 1
                    if self.updates and self.updates[0] is update:
                        self.updates.popleft()
                    backoff = 0.05
                else:
                    self.webhook_failures += 1
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)

    # ------------------------------------------------------------ rate limits
    def _rate_check(self, method: str, chat_id: int) -> None:
        """Telegram's limits as a strict server applies them (bot/rules/pacing.py without
        the bot's margin): 429 with a retry_after for a message that breaks them."""
        if method not in PACED_METHODS:
            return
        now = self.clock() / self.pace_second
        self.paced.append((chat_id, now))
        if not self.rate_limits:
            return
        # Overall: a bucket of 30 that refills at 30 a second ("about 30 messages a
        # second"), the same shape as the leaky bucket PTB's AIORateLimiter paces with.
        overall, last = self._overall_bucket
        overall = min(float(pacing.OVERALL_PER_SECOND),
                      overall + (now - last) * pacing.OVERALL_PER_SECOND)
        if overall < 1.0:
            self._overall_bucket = (overall, now)
            self._limited(method, chat_id, 1.0 / self.pace_second)
        chat = self.chats.get(chat_id)
        if chat is not None and chat.type == "private":
            bucket = self._chat_bucket.setdefault(
                chat_id, pacing.private_bucket(pacing.SERVER_SLACK))
            wait = bucket.wait(now)
            if wait > 0.0:
                self._limited(method, chat_id, wait)
            bucket.take(now)
        elif chat is not None:
            window = self._group_window.setdefault(chat_id, pacing.MinuteWindow())
            wait = window.wait(now)
            if wait > 0.0:
                self._limited(method, chat_id, wait)
            window.take(now)
        self._overall_bucket = (overall - 1.0, now)

    def _limited(self, method: str, chat_id: int, wait: float) -> None:
        """429 with a retry_after in real whole seconds (Telegram's), for a wait in the
        rule's seconds."""
        self.rate_limited.append((method, chat_id))
        retry_after = max(1, math.ceil(wait * self.pace_second))
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    # ------------------------------------------------------------ API entry
    async def call(
        self, method: str, raw: dict[str, Any], uploads: dict[str, Upload] | None = None
    ) -> Any:
        """Check and run one Bot API request; raise ApiError for an error answer."""
        uploads = uploads or {}
        try:
            if self.spec is not None:
                params = self.spec.decode(method, raw, uploads)
            else:
                params = loose_decode(raw, uploads)
            check_limits(method, params)
        except SchemaError as exc:
            description = str(exc)
            if description == "Not Found":
                self.violations.append(f"{method}: unknown method")
                raise ApiError(404, "Not Found") from None
            self.violations.append(f"{method}: {description}")
            raise ApiError(400, description) from None
        self.requests.append((method, params))
        for index, (error, chat_id, only) in enumerate(self._injected):
            target = params.get("chat_id") or (params.get("scope") or {}).get("chat_id")
            if (only == method if only else method in SEND_METHODS) and (
                    chat_id is None or chat_id == target):
                del self._injected[index]
                raise error
        held = self._holds.get(method)
        if held is not None and not held[0].is_set() and not held[2]:
            held[0].set()
            await held[1].wait()
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            self.violations.append(f"{method}: not implemented by the emulator")
            raise ApiError(501, f"Not Implemented: the emulator does not speak {method}")
        result = await handler(params)
        if held is not None and not held[0].is_set() and held[2]:
            held[0].set()
            await held[1].wait()
        return result

    # ------------------------------------------------------------- methods
    async def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot)

    async def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.get_updates(params)

    async def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        url = params["url"]
        if not url:
            return await self._m_deletewebhook(params)
        if not (url.startswith("https://") or url.startswith("http://127.0.0.1")
                or url.startswith("http://localhost")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided")
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = Webhook(url, params.get("secret_token"), params.get("allowed_updates"),
                               params.get("max_connections") or 40)
        self._poll_generation += 1
        self._kick_webhook()
        return True

    async def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates:
                info["allowed_updates"] = self.webhook.allowed_updates
        return info

    def _deliverable_chat(self, chat_id: Any) -> EmuChat:
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        chat = self.chat(chat_id)
        if chat.type == "private":
            user = self.users.get(chat_id)
            if user is None:
                raise ApiError(400, "Bad Request: chat not found")
            if user.blocked_bot:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    async def _new_bot_message(
        self, method: str, chat: EmuChat, body: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        self._rate_check(method, chat.id)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat.id),
            "from": dict(self.bot) if chat.type != "channel" else None,
            "chat": chat.as_chat(self.users.get(chat.id)),
            "date": self._now(),
            **body,
        }
        if message["from"] is None:
            del message["from"]
            message["sender_chat"] = chat.as_chat()
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if isinstance(markup, dict):
            message["_keyboard"] = markup  # what the client shows; not part of the answer
        chat.messages.append(message)
        self.sent.append(SentRecord(method, chat.id, self.clock(), message))
        self._screen(method, chat.id, message, markup)
        await self._touch()
        return {k: v for k, v in message.items() if not k.startswith("_")}

    @staticmethod
    def _text_body(params: dict[str, Any], key: str = "text") -> dict[str, Any]:
        text = params.get(key)
        if text is None:
            return {}
        return {key: visible_text(text, params.get("parse_mode")),
                f"_{key}_markup": text, "_parse_mode": params.get("parse_mode")}

    async def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._deliverable_chat(params["chat_id"])
        return await self._new_bot_message("sendMessage", chat, self._text_body(params), params)

    async def _m_sendlocation(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._deliverable_chat(params["chat_id"])
        body = {"location": {"latitude": params["latitude"], "longitude": params["longitude"]}}
        return await self._new_bot_message("sendLocation", chat, body, params)

    def _store_file(self, data: bytes, kind: str, filename: str | None,
                    mime_type: str | None) -> StoredFile:
        n = next(self._file_ids)
        self._next_file = n + 1
        ext = (filename.rsplit(".", 1)[-1] if filename and "." in filename else
               {"photos": "jpg", "video_notes": "mp4"}.get(kind, "bin"))
        stored = StoredFile(
            file_id=f"F{n:06d}{secrets.token_hex(8)}",
            file_unique_id=f"U{n:06d}",
            data=data,
            file_path=f"{kind}/file_{n}.{ext}",
            mime_type=mime_type,
            filename=filename,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _resolve_file(self, value: Any, kind: str) -> StoredFile:
        if isinstance(value, Upload):
            return self._store_file(value.body, kind, value.filename, value.content_type)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def photo_sizes(self, stored: StoredFile) -> list[dict[str, Any]]:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(stored.data)) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from None
        scale = min(1.0, 320 / max(width, height))
        return [
            {"file_id": stored.file_id + "s", "file_unique_id": stored.file_unique_id + "s",
             "width": max(1, int(width * scale)), "height": max(1, int(height * scale)),
             "file_size": len(stored.data)},
            {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
             "width": width, "height": height, "file_size": len(stored.data)},
        ]

    def _alias_thumb(self, stored: StoredFile) -> None:
        self.files.setdefault(stored.file_id + "s", stored)

    async def _m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._deliverable_chat(params["chat_id"])
        stored = self._resolve_file(params["photo"], "photos")
        sizes = self.photo_sizes(stored)
        self._alias_thumb(stored)
        body: dict[str, Any] = {"photo": sizes, **self._text_body(params, "caption")}
        return await self._new_bot_message("sendPhoto", chat, body, params)

    async def _m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._deliverable_chat(params["chat_id"])
        stored = self._resolve_file(params["document"], "documents")
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                    "file_size": len(stored.data)}
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        body = {"document": document, **self._text_body(params, "caption")}
        return await self._new_bot_message("sendDocument", chat, body, params)

    def _find_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not used by this bot")
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        chat = self.chat(chat_id)
        for message in chat.messages:
            if message["message_id"] == params.get("message_id") and not message.get("_deleted"):
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    async def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(params)
        self._rate_check("editMessageText", params["chat_id"])
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        body = self._text_body(params)
        new_markup = params.get("reply_markup")
        if body["text"] == message["text"] and new_markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message"
                                " content and reply markup are exactly the same as a current"
                                " content and reply markup of the message")
        message.update(body)
        self._set_markup(message, new_markup)
        message["edit_date"] = self._now()
        self._screen("editMessageText", params["chat_id"], message, new_markup)
        await self._touch()
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _m_editmessagecaption(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(params)
        self._rate_check("editMessageCaption", params["chat_id"])
        message.update(self._text_body(params, "caption"))
        self._set_markup(message, params.get("reply_markup"))
        message["edit_date"] = self._now()
        self._screen("editMessageCaption", params["chat_id"], message,
                     params.get("reply_markup"))
        await self._touch()
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(params)
        self._rate_check("editMessageReplyMarkup", params["chat_id"])
        new_markup = params.get("reply_markup")
        if new_markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message"
                                " content and reply markup are exactly the same as a current"
                                " content and reply markup of the message")
        self._set_markup(message, new_markup)
        message["edit_date"] = self._now()
        self._screen("editMessageReplyMarkup", params["chat_id"], message, new_markup)
        await self._touch()
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _screen(self, method: str, chat_id: int, message: dict[str, Any], markup: Any) -> None:
        buttons: tuple[str, ...] = ()
        reply_keyboard = False
        if isinstance(markup, dict):
            rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
            buttons = tuple(str(b.get("text", "")) for row in rows for b in row
                            if isinstance(b, dict))
            reply_keyboard = bool(markup.get("keyboard"))
        self.screens.append(Screen(
            chat_id=chat_id, method=method,
            text=str(message.get("text") or message.get("caption") or ""),
            buttons=buttons, reply_keyboard=reply_keyboard,
            file=any(k in message for k in ("document", "photo", "location")),
            turn=self._turns[chat_id]))

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: Any) -> None:
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
            message["_keyboard"] = markup
        else:
            message.pop("reply_markup", None)
            if "inline_keyboard" in message.get("_keyboard", {}):
                message.pop("_keyboard", None)

    async def _m_deletemessage(self, params: dict[str, Any]) -> bool:
        chat = self.chat(params["chat_id"])
        for message in chat.messages:
            if message["message_id"] == params["message_id"] and not message.get("_deleted"):
                message["_deleted"] = True
                await self._touch()
                return True
        raise ApiError(400, "Bad Request: message to delete not found")

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = params["callback_query_id"]
        too_old = self.callback_ttl is not None and (
            self.clock() - self._query_at.get(query_id, self.clock()) > self.callback_ttl)
        if query_id in self.callback_answers:
            self.answered_twice.append(query_id)  # Telegram refuses it; a bot should not try
        if query_id not in self.callback_queries or query_id in self.callback_answers or (
                too_old):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired"
                                " or query ID is invalid")
        self.callback_answers[query_id] = params
        await self._touch()
        return True

    async def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        chat = self._deliverable_chat(params["chat_id"])
        self.chat_actions.append((chat.id, params["action"]))
        return True

    @staticmethod
    def _scope_key(scope: dict[str, Any] | None) -> str:
        if not scope or scope.get("type") == "default":
            return "default"
        if "chat_id" in scope:
            return f"{scope['type']}:{scope['chat_id']}"
        return str(scope["type"])

    async def _m_setmycommands(self, params: dict[str, Any]) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.commands[key] = list(params["commands"])
        await self._touch()
        return True

    async def _m_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        return self.commands.get(key, [])

    async def _m_deletemycommands(self, params: dict[str, Any]) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.commands.pop(key, None)
        await self._touch()
        return True

    def commands_for(self, chat_id: int, language_code: str | None) -> list[dict[str, Any]]:
        """The menu a person sees, resolved the way Telegram resolves scopes."""
        lang = (language_code or "")[:2]
        for scope in (f"chat:{chat_id}", "all_private_chats", "default"):
            for code in (lang, ""):
                if (scope, code) in self.commands:
                    return self.commands[(scope, code)]
        return []

    async def _m_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > GETFILE_LIMIT:  # as Telegram answers a bot
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": params["file_id"], "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.file_path}

    def file_by_path(self, path: str) -> StoredFile | None:
        return self._files_by_path.get(path)

    async def _m_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params["chat_id"])
        full = chat.as_chat(self.users.get(chat.id))
        full["accent_color_id"] = 0
        full["max_reaction_count"] = 11
        full["accepted_gift_types"] = {"unlimited_gifts": False, "limited_gifts": False,
                                       "unique_gifts": False, "premium_subscription": False,
                                       "gifts_from_channels": False}
        return full

    async def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    # ------------------------------------------------ what people do (users)
    async def user_message(self, user: EmuUser, body: dict[str, Any],
                           chat_id: int | None = None) -> dict[str, Any]:
        chat = self.chats[chat_id if chat_id is not None else user.id]
        message = {
            "message_id": self._next_message_id(chat.id),
            "from": user.as_user(),
            "chat": chat.as_chat(user),
            "date": self._now(),
            **body,
        }
        chat.messages.append({**message, "_from_user": True})
        await self.push_update("message", message)
        return message

    async def user_text(self, user: EmuUser, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0,
                                 "length": len(command.encode("utf-16-le")) // 2}]
        user.blocked_bot = False
        return await self.user_message(user, body)

    async def user_location(self, user: EmuUser, latitude: float, longitude: float,
                            horizontal_accuracy: float | None = None) -> dict[str, Any]:
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        return await self.user_message(user, {"location": location})

    async def user_photo(self, user: EmuUser, data: bytes, caption: str | None = None,
                         reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        stored = self._store_file(data, "photos", "photo.jpg", "image/jpeg")
        sizes = self.photo_sizes(stored)
        self._alias_thumb(stored)
        body: dict[str, Any] = {"photo": sizes}
        if caption:
            body["caption"] = caption
        if reply_to is not None:  # as Telegram sends it: the message itself, without replies
            body["reply_to_message"] = {k: v for k, v in reply_to.items()
                                        if not k.startswith("_") and k != "reply_to_message"}
        return await self.user_message(user, body)

    async def user_document(self, user: EmuUser, data: bytes, filename: str,
                            mime_type: str = "application/octet-stream",
                            caption: str | None = None) -> dict[str, Any]:
        stored = self._store_file(data, "documents", filename, mime_type)
        body: dict[str, Any] = {"document": {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_name": filename, "mime_type": mime_type, "file_size": len(data)}}
        if caption:
            body["caption"] = caption
        return await self.user_message(user, body)

    async def user_voice(self, user: EmuUser, data: bytes, duration: int = 5,
                         mime_type: str | None = "audio/ogg") -> dict[str, Any]:
        """A voice message (held 🎤): Telegram's Voice, without a name."""
        stored = self._store_file(data, "voice", "voice.oga", mime_type)
        voice: dict[str, Any] = {"file_id": stored.file_id,
                                 "file_unique_id": stored.file_unique_id,
                                 "duration": duration, "file_size": len(data)}
        if mime_type:
            voice["mime_type"] = mime_type
        return await self.user_message(user, {"voice": voice})

    async def user_audio(self, user: EmuUser, data: bytes, filename: str | None = "audio.mp3",
                         mime_type: str | None = "audio/mpeg", duration: int = 30,
                         caption: str | None = None) -> dict[str, Any]:
        """An audio file sent as music (Telegram's Audio)."""
        stored = self._store_file(data, "music", filename, mime_type)
        audio: dict[str, Any] = {"file_id": stored.file_id,
                                 "file_unique_id": stored.file_unique_id,
                                 "duration": duration, "file_size": len(data)}
        audio |= {k: v for k, v in (("file_name", filename), ("mime_type", mime_type)) if v}
        body: dict[str, Any] = {"audio": audio}
        if caption:
            body["caption"] = caption
        return await self.user_message(user, body)

    async def user_video(self, user: EmuUser, data: bytes, filename: str | None = "video.mp4",
                         mime_type: str | None = "video/mp4", duration: int = 10,
                         width: int = 1280, height: int = 720,
                         caption: str | None = None) -> dict[str, Any]:
        """A video (Telegram's Video)."""
        stored = self._store_file(data, "videos", filename, mime_type)
        video: dict[str, Any] = {"file_id": stored.file_id,
                                 "file_unique_id": stored.file_unique_id, "width": width,
                                 "height": height, "duration": duration,
                                 "file_size": len(data)}
        video |= {k: v for k, v in (("file_name", filename), ("mime_type", mime_type)) if v}
        body: dict[str, Any] = {"video": video}
        if caption:
            body["caption"] = caption
        return await self.user_message(user, body)

    async def user_video_note(self, user: EmuUser, data: bytes, duration: int = 8,
                              length: int = 384) -> dict[str, Any]:
        """A round video message (Telegram's VideoNote: no name, no type, a diameter)."""
        stored = self._store_file(data, "video_notes", None, None)
        return await self.user_message(user, {"video_note": {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "length": length, "duration": duration, "file_size": len(data)}})

    async def user_press(self, user: EmuUser, message: dict[str, Any], data: str) -> str:
        """Press an inline button; returns the callback query id."""
        query_id = f"{next(self._callback_ids)}{secrets.randbelow(10**6):06d}"
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        query = {"id": query_id, "from": user.as_user(), "message": public,
                 "chat_instance": str(message["chat"]["id"]), "data": data}
        self.callback_queries[query_id] = query
        self._query_at[query_id] = self.clock()
        await self.push_update("callback_query", query)
        return query_id

    async def user_deletes(self, user: EmuUser, message_id: int) -> None:
        """The person deletes a message of their private chat (Telegram lets them delete
        the bot's messages there too): the bot can no longer edit it."""
        for message in self.chats[user.id].messages:
            if message["message_id"] == message_id:
                message["_deleted"] = True
        await self._touch()

    async def user_blocks_bot(self, user: EmuUser) -> None:
        user.blocked_bot = True
        await self._touch()

    def webapp_launch(self, user: EmuUser, message: dict[str, Any], url: str) -> str:
        """Open a `web_app` button of `message` as Telegram does: the Mini App's address
        with the launch data in its fragment, initData signed with the bot's token
        exactly as Telegram signs it (core.telegram.org/bots/webapps)."""
        if self.token is None:
            raise KeyError("the emulator has no bot token to sign with")
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        if not any((b.get("web_app") or {}).get("url") == url for row in keyboard
                   for b in row):
            raise KeyError("no such web_app button")
        user_json = json.dumps(user.as_user(), ensure_ascii=False, separators=(",", ":"))
        init_data = webapp.sign({"query_id": f"AAE{secrets.token_urlsafe(12)}",
                                 "user": user_json, "auth_date": str(int(time.time()))},
                                self.token)
        fragment = urlencode({"tgWebAppData": init_data, "tgWebAppVersion": "8.0",
                              "tgWebAppPlatform": "weba"})
        return f"{url}#{fragment}"

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.chats[chat_id].messages if not m.get("_deleted")]
