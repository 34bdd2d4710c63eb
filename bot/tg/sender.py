"""The outbox sender: drains queued messages within Telegram's limits.

A row is marked sent only after Telegram accepted it, so a crash loses nothing;
each row has a dedupe key, so the same notification is never queued twice.
Pacing: one `Governor` for everything sent (direct replies go through it as PTB's rate
limiter), by the one rule of bot/rules/pacing.py: at most 30 messages a second overall, a
burst of 3 and then one a second per private chat, 20 a minute per group or channel; a
429 pauses sending for its retry_after.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram._utils.types import JSONDict
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import BaseRateLimiter

from bot.clock import now as clock_now
from bot.formats.rendering.fit import plain_text
from bot.i18n import Translator
from bot.rules import pacing
from bot.rules.models import AuditAction, OutboxMessage, OutboxStatus
from bot.services.notify import tell_office
from bot.tg.markup import markup_of
from storage import Database
from storage.files import read_blob

logger = logging.getLogger(__name__)


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram's 429 asks to wait, in seconds (PTB gives an int, or a
    timedelta when PTB_TIMEDELTA is set)."""
    wait = exc.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()

# The overall window, with a margin: a slot is taken when a request leaves, Telegram counts
# it when it arrives, and the two clocks differ by the request's own time on the wire.
WINDOW = 1.05
# Direct replies go first: queued messages (the outbox) leave this many slots of every
# window free for a person's reply, and hold back altogether while a reply waits.
RESERVED_FOR_REPLIES = 2
BULK = 0  # rate_limit_args of the outbox: no retries (it defers the row), after the replies
BATCH = 200
MAX_BACKOFF = 300.0


class Governor:
    """One budget for everything the bot sends, direct replies and the outbox alike
    (Telegram counts them together), by the one pacing rule (bot/rules/pacing.py): at
    most 30 messages a second overall; per private chat a burst of 3, then one a second
    (with a margin); 20 a minute per group or channel; a 429 pauses everything for its
    retry_after. A chat takes one request at a time, counted from when it came back. In
    memory: for its first 3 seconds it allows no burst (what a chat had just before a
    restart is not known), and Telegram's 429 covers what is left. `second`: the length
    of the rule's second (1.0; the test suite runs it faster, see bot/rules/pacing.py)."""

    def __init__(self, clock: Any = time.monotonic, unlimited: bool = False,
                 second: float = 1.0) -> None:
        self._clock = clock
        self.second = second
        self.unlimited = unlimited  # benchmarks of the bot itself, against an unlimited server
        self.overall: deque[float] = deque()
        self.chats: dict[int, pacing.TokenBucket] = {}
        self.chat_last: dict[int, float] = {}
        self.group: dict[int, pacing.MinuteWindow] = {}
        self.paused_until = 0.0
        self.replies_waiting = 0
        self.born = self.clock()
        self.locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    def clock(self) -> float:
        """Now, in the rule's seconds."""
        return float(self._clock()) / self.second

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of the rule."""
        await asyncio.sleep(seconds * self.second)

    def wait_overall(self, bulk: bool = True) -> float:
        """Seconds to wait before the next message may go out at all; `bulk` (queued
        messages) stops short of the limit, keeping slots for direct replies."""
        if self.unlimited:
            return 0.0
        now = self.clock()
        while self.overall and now - self.overall[0] >= WINDOW:
            self.overall.popleft()
        waits = [self.paused_until - now]
        if bulk and self.replies_waiting:
            waits.append(0.02)  # a person's reply is waiting for a slot: it goes first
        limit = pacing.OVERALL_PER_SECOND - (RESERVED_FOR_REPLIES if bulk else 0)
        if len(self.overall) >= limit:
            waits.append(WINDOW - (now - self.overall[len(self.overall) - limit]))
        return max(0.0, *waits)

    def _bucket(self, chat_id: int) -> pacing.TokenBucket:
        bucket = self.chats.get(chat_id)
        if bucket is None:
            now = self.clock()
            # Just after a start the governor does not know what the chat had before
            # (a crash, then the updates it left): no burst until that has passed.
            tokens = 1.0 if now - self.born < pacing.PRIVATE_BURST else None
            bucket = self.chats[chat_id] = pacing.private_bucket(pacing.BOT_MARGIN, tokens,
                                                                 now)
        return bucket

    def _group(self, chat_id: int) -> pacing.MinuteWindow:
        window = self.group.get(chat_id)
        if window is None:
            window = self.group[chat_id] = pacing.group_window(pacing.BOT_MARGIN)
        return window

    def _chat_wait(self, chat_id: int, kind: str) -> float:
        now = self.clock()
        if kind == "private":
            return self._bucket(chat_id).wait(now)
        return self._group(chat_id).wait(now)

    def chat_ready(self, chat_id: int, kind: str) -> bool:
        """For the outbox: the chat may take a message now, one a second at most (queued
        notifications never use the burst a person's own back-and-forth needs)."""
        spaced = kind != "private" or (
            self.clock() - self.chat_last.get(chat_id, -1e9)
            >= pacing.PRIVATE_INTERVAL * pacing.BOT_MARGIN)
        return spaced and self._chat_wait(chat_id, kind) <= 0.0

    def sent(self, chat_id: int, kind: str) -> None:
        now = self.clock()
        self.overall.append(now)
        self.chat_last[chat_id] = now
        if kind == "private":
            self._bucket(chat_id).take(now)
        else:
            self._group(chat_id).take(now)

    def chat_lock(self, chat_id: int) -> asyncio.Lock:
        """Held while a request to the chat is under way (kept while anyone holds it)."""
        lock = self.locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self.locks[chat_id] = lock
        return lock

    def arrived(self, chat_id: int, kind: str) -> None:
        """The request taken a slot for has come back: count it from now (Telegram counted
        it when it arrived, after its time on the wire), without refilling for that time."""
        now = self.clock()
        self.chat_last[chat_id] = now
        if kind == "private":
            bucket = self.chats.get(chat_id)
            if bucket is not None and bucket.last is not None:
                bucket.last = max(bucket.last, now)
        else:
            window = self.group.get(chat_id)
            if window is not None and window.times:
                window.times[-1] = max(window.times[-1], now)

    def pause(self, seconds: float) -> None:
        """Telegram asked for `seconds` (real ones) of quiet."""
        self.paused_until = max(self.paused_until, self.clock() + seconds / self.second)

    async def acquire(self, chat_id: int, kind: str, bulk: bool = False) -> None:
        """Wait for a slot in the shared budget, then take it."""
        if self.unlimited:
            return
        waiting = False
        try:
            while True:
                overall = self.wait_overall(bulk)
                wait = max(overall, self._chat_wait(chat_id, kind))
                if wait <= 0.0:
                    self.sent(chat_id, kind)
                    return
                if not bulk and not waiting and overall > 0.0:
                    waiting = True  # only the overall budget holds it: bulk steps back
                    self.replies_waiting += 1
                await self.sleep(min(wait, 1.0))
        finally:
            if waiting:
                self.replies_waiting -= 1


# What Telegram counts against the limits: messages sent or edited in a chat (not chat
# actions, button answers or settings).
SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendLocation",
                     "sendMediaGroup", "editMessageText", "editMessageCaption",
                     "editMessageReplyMarkup", "copyMessage", "forwardMessage"})


class GovernedRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter hook on the shared `Governor`: every request that sends to a
    chat waits for its slot. `rate_limit_args` is the number of retries after a 429 (the
    outbox passes 0: it defers the row instead of blocking)."""

    def __init__(self, governor: Governor, max_retries: int = 2) -> None:
        self.governor = governor
        self.max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        raw = str(data.get("chat_id", ""))
        # A channel's @username counts as a group: 20 a minute.
        chat = int(raw) if raw.lstrip("-").isdigit() else -1
        governed = endpoint in SENDING and raw != ""
        kind = "private" if chat > 0 else "group"
        # One request at a time per chat, counted when it is done: a slow upload followed
        # by a short text would otherwise reach Telegram closer together than they left.
        async with self.governor.chat_lock(chat) if governed else contextlib.nullcontext():
            for attempt in range(retries + 1):
                if governed:
                    await self.governor.acquire(chat, kind, bulk=rate_limit_args == BULK)
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    seconds = retry_seconds(exc)
                    if governed:  # messages: everything that sends waits
                        self.governor.pause(float(seconds))
                    if attempt == retries:
                        raise
                    logger.info("429 from Telegram: retrying after %.1fs", seconds)
                    if not governed:  # another method: only this request waits
                        await asyncio.sleep(float(seconds))
                finally:
                    if governed:
                        self.governor.arrived(chat, kind)
        raise AssertionError("unreachable")


class OutboxSender:
    def __init__(self, db: Database, files_root: Any, governor: Governor | None = None) -> None:
        self.db = db
        self.files_root = files_root
        self.pacer = governor or Governor()
        self._lock = asyncio.Lock()

    async def drain(self, bot: Bot, budget: float = 5.0) -> int:
        """Send what is due for up to `budget` seconds; return how many were sent."""
        if self._lock.locked():
            return 0
        async with self._lock:
            deadline = time.monotonic() + budget
            sent = 0
            while time.monotonic() < deadline:
                async with self.db.read() as rtx:
                    due = await rtx.outbox.due(clock_now(), BATCH)
                if not due:
                    break
                progressed = False
                held: set[int] = set()
                for message in due:
                    if time.monotonic() >= deadline:
                        break
                    if message.chat_id in held or not self.pacer.chat_ready(
                        message.chat_id, message.chat_kind
                    ):
                        held.add(message.chat_id)  # keep each chat's messages in order
                        continue
                    wait = self.pacer.wait_overall()
                    if wait > 0:
                        if time.monotonic() + wait * self.pacer.second >= deadline:
                            break
                        await self.pacer.sleep(wait)
                    if await self._send_one(bot, message):
                        sent += 1
                    progressed = True
                    held.add(message.chat_id)
                if not progressed:
                    # Everything due waits on a per-chat or group pace: sleep a little.
                    await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            return sent

    async def _send_one(self, bot: Bot, message: OutboxMessage) -> bool:
        now = clock_now()
        if message.in_doubt:
            # Handed to Telegram when the bot stopped: it may have arrived. Sent again, the
            # same, so that a person who has it twice sees the second is the same message.
            logger.warning("outbox %s was perhaps being sent when the bot stopped: sent"
                           " again (the same message)", message.dedupe_key)
        # Marked before the call and cleared after: only this message can be in doubt.
        async with self.db.transaction(record_update=False) as tx:
            await tx.outbox.sending(message.id, now)
        try:
            try:
                result = await self._call(bot, message)
            except BadRequest as exc:
                # Sent again as plain text; a 429, a block or a network error on that try
                # is handled below like any other (the row is deferred, not dropped).
                result = await self._fallback(bot, message, exc)
                if result is False:
                    async with self.db.transaction(record_update=False) as tx:
                        await tx.outbox.close(message.id, OutboxStatus.FAILED, str(exc))
                    logger.error("outbox %s refused by Telegram: %s", message.dedupe_key, exc)
                    return False
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            self.pacer.pause(float(seconds))
            async with self.db.transaction(record_update=False) as tx:
                await tx.outbox.defer(message.id, now + timedelta(seconds=float(seconds)),
                                      f"429 retry_after={seconds}")
            logger.warning("429 from Telegram: pausing %.1fs", seconds)
            return False
        except Forbidden as exc:
            await self._blocked(message, str(exc))
            return False
        except (TimedOut, NetworkError) as exc:
            backoff = min(MAX_BACKOFF, 2.0 ** min(message.attempts + 1, 10))
            async with self.db.transaction(record_update=False) as tx:
                await tx.outbox.defer(message.id, now + timedelta(seconds=backoff), str(exc))
            logger.warning("outbox %s: %s; retry in %.0fs", message.dedupe_key, exc, backoff)
            return False
        async with self.db.transaction(record_update=False) as tx:
            await tx.outbox.mark_sent(message.id, result, clock_now())
        return True

    async def _fallback(self, bot: Bot, message: OutboxMessage,
                        error: BadRequest) -> int | bool | None:
        """Telegram refused the message as it was: send it as plain text (the markup may
        be what it refused), and an edit it refuses as a new message. False when that
        is refused too (or there is nothing to change)."""
        if "not modified" in str(error).lower():
            return None  # the message already shows this: done
        payload = dict(message.payload)
        method = message.method
        if payload.get("parse_mode"):
            payload.pop("parse_mode")
            for key in ("text", "caption"):
                if isinstance(payload.get(key), str):
                    payload[key] = plain_text(payload[key])
        elif method != "editMessageText":
            return False
        if method == "editMessageText":
            method = "sendMessage"
            payload.pop("message_id", None)
        retry = dataclasses.replace(message, method=method, payload=payload)
        try:
            result = await self._call(bot, retry)
        except BadRequest as again:
            logger.warning("outbox %s refused again as plain text: %s", message.dedupe_key,
                           again)
            return False
        logger.warning("outbox %s sent as plain text after: %s", message.dedupe_key, error)
        return result

    def _governed(self, bot: Bot) -> bool:
        limiter = getattr(bot, "rate_limiter", None)
        return isinstance(limiter, GovernedRateLimiter) and limiter.governor is self.pacer

    async def _call(self, bot: Bot, message: OutboxMessage) -> int | None:
        if self._governed(bot):
            # The shared governor takes the slot; no retry there: a 429 defers the row.
            return await self._request(bot, message, {"rate_limit_args": BULK})
        self.pacer.sent(message.chat_id, message.chat_kind)
        return await self._request(bot, message, {})

    async def _request(self, bot: Bot, message: OutboxMessage,
                       extra: dict[str, Any]) -> int | None:
        payload = {**message.payload, **extra}
        markup = payload.pop("reply_markup", None)
        reply_markup = markup_of(markup)
        if message.method == "editMessageText":
            edited = await bot.edit_message_text(chat_id=message.chat_id,
                                                 reply_markup=reply_markup, **payload)
            return edited.message_id if hasattr(edited, "message_id") else None
        if message.method == "sendMessage":
            sent = await bot.send_message(message.chat_id, reply_markup=reply_markup, **payload)
        elif message.method in ("sendPhoto", "sendDocument"):
            blob = payload.pop("file")
            data = read_blob(self.files_root, blob["sha256"])
            upload = InputFile(data, filename=blob.get("filename"))
            if message.method == "sendPhoto":
                sent = await bot.send_photo(message.chat_id, upload, reply_markup=reply_markup,
                                            **payload)
            else:
                sent = await bot.send_document(message.chat_id, upload,
                                               reply_markup=reply_markup, **payload)
        else:
            raise ValueError(f"outbox method {message.method} is not supported")
        return sent.message_id

    async def _blocked(self, message: OutboxMessage, error: str) -> None:
        now = clock_now()
        async with self.db.transaction(record_update=False) as tx:
            await tx.outbox.close(message.id, OutboxStatus.BLOCKED, error)
            newly = await tx.people.mark_blocked(message.chat_id, now)
            person = await tx.people.person(message.person_id) if message.person_id else None
            if newly and person is not None:
                await tx.audit.append("system", AuditAction.ACCOUNT_BLOCKED_BOT,
                                      f"person:{person.id}",
                                      {"chat_id": message.chat_id}, now)
                name = html.escape(person.name)

                def render(t: Translator) -> str:
                    return t._(
                        "⚠️ {name} has blocked the bot, so Choucha cannot reach them."
                        " Messages to them wait until they write to the bot again;"
                        " please contact them another way."
                    ).format(name=name)

                await tell_office(tx, f"blocked:{person.id}:{now.date()}", render, now,
                                  exclude=person.id)
        logger.warning("chat %s blocked the bot", message.chat_id)
