"""Durable intake: nothing Telegram delivers is lost, none of it is handled twice, and no
chat waits for another.

- Every update is written to the inbox (sealed) and committed before Telegram is told it
  was received: polling asks for the next offset only after that commit, the webhook
  answers 200 only after it. The commit that records an update as handled deletes it from
  the inbox; whatever is still there after a crash is handled at the next start.
- Updates of one chat are handled in order, one at a time; different chats side by side
  (at most `CONCURRENCY` at once), so a slow or flooding chat holds up only itself.
- Each chat has a pace (a burst, then a steady rate; lower for accounts nobody invited):
  a flood waits in its own queue. Beyond `CHAT_BACKLOG` waiting updates of one chat, more
  are recorded as not handled and the sender is told once.
- An update whose handling was cut short by a crash is tried again; one that cut it short
  `MAX_ATTEMPTS` times is given up (recorded, logged, audited, and the sender told).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot.clock import now as clock_now
from bot.config import Settings
from bot.i18n import Translator, translator
from bot.keys import read_or_create
from bot.rules.models import AuditAction
from bot.tg import late
from storage import Database, Tx, current_update
from storage.db import UpdateMark
from storage.inbox import InboxEntry

logger = logging.getLogger(__name__)

INBOX_KEY_FILE = "inbox.key"
CONCURRENCY = 16
MAX_ATTEMPTS = 3
CHAT_BACKLOG = 100
NOTICE_EVERY = 60.0  # seconds between two "too fast" notices to one chat


@dataclass(frozen=True)
class Pace:
    burst: float
    per_second: float


MEMBER_PACE = Pace(burst=30, per_second=10.0)
STRANGER_PACE = Pace(burst=10, per_second=1.0)
# How long who is registered is remembered (a stranger may register any moment).
MEMBER_CACHE_SECONDS = {True: 300.0, False: 5.0}
MAX_CHATS = 5000  # chats remembered for their pace; quiet ones are forgotten beyond this


class InboxSeal:
    """AES-SIV with the inbox key (kept beside the other keys, never in the database): an
    update holds what people typed, which may be personal data."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESSIV

        self._aead = AESSIV(key)

    def seal(self, data: bytes) -> bytes:
        return self._aead.encrypt(data, [b"choucha:inbox"])

    def open(self, data: bytes) -> bytes | None:
        """The plain bytes; None when they were sealed with another key."""
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(data, [b"choucha:inbox"])
        except (InvalidTag, ValueError):
            return None


def inbox_seal(settings: Settings) -> InboxSeal:
    key = read_or_create(settings.keys / INBOX_KEY_FILE,
                         (secrets.token_bytes(64).hex() + "\n").encode())
    return InboxSeal(bytes.fromhex(key.decode("ascii")))


def chat_key(update: Update) -> int:
    """Updates with the same key are handled in order: the chat, else the sender."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


@dataclass
class _Chat:
    queue: deque[Update] = field(default_factory=deque)
    tokens: float = -1.0
    last: float = 0.0
    noticed: float = -1e9
    worker: asyncio.Task[None] | None = None


class Intake:
    """The inbox and the workers that handle it."""

    def __init__(self, app: Application, db: Database, seal: InboxSeal,
                 concurrency: int = CONCURRENCY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.db = db
        self.seal = seal
        self.clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._chats: dict[int, _Chat] = {}
        self._members: dict[int, tuple[bool, float]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._resumed: set[int] = set()  # kept before this start: handled late
        late.started()

    # ------------------------------------------------------------------ receiving
    async def receive(self, updates: Sequence[Update]) -> int:
        """Keep the updates (one commit), then queue the new ones; how many were new.
        Raises when the database cannot take them: Telegram must then deliver them again."""
        if not updates:
            return 0
        now = clock_now()
        entries = [InboxEntry(u.update_id, chat_key(u), self.seal.seal(u.to_json().encode()),
                              now) for u in updates]
        async with self.db.transaction(record_update=False) as tx:
            new = await tx.inbox.add(entries)
        shed = [u for u in updates if u.update_id in new and not self._queue(u)]
        if shed:
            await self._shed(shed)
        return len(new)

    async def resume(self) -> int:
        """At start: queue what the inbox still holds (a crash or a stop left it)."""
        async with self.db.transaction(record_update=False) as tx:
            await tx.inbox.charge_heads()
            waiting = await tx.inbox.waiting()
        resumed = 0
        for entry in waiting:
            update = self._unseal(entry)
            if update is None or entry.attempts > MAX_ATTEMPTS:
                await self._give_up(entry, update)
                continue
            if self._queue(update):
                self._resumed.add(update.update_id)
                resumed += 1
            else:
                await self._shed([update])
        if resumed:
            logger.info("%d updates received before the restart are handled now", resumed)
        return resumed

    def _unseal(self, entry: InboxEntry) -> Update | None:
        plain = self.seal.open(entry.payload)
        if plain is None:
            return None
        try:
            return Update.de_json(json.loads(plain), self.app.bot)
        except (ValueError, TypeError, KeyError):
            return None

    async def _give_up(self, entry: InboxEntry, update: Update | None) -> None:
        reason = "unreadable" if update is None else "crashed"
        logger.error("update %s given up (%s after %d attempts)", entry.update_id, reason,
                     entry.attempts)
        async with self.db.transaction(record_update=False) as tx:
            await tx.updates.record(entry.update_id)
            await tx.audit.append("system", AuditAction.UPDATE_GIVEN_UP,
                                  f"update:{entry.update_id}",
                                  {"reason": reason, "attempts": entry.attempts},
                                  clock_now())
            if update is not None and update.effective_chat is not None \
                    and update.effective_chat.type == "private":
                await _tell(tx, update, f"given-up:{entry.update_id}", lambda t: t._(
                    "Sorry, one of your messages could not be handled and was set aside;"
                    " nothing was changed by it. Please send it again, or send /help."))

    # ------------------------------------------------------------------ handling
    def _queue(self, update: Update) -> bool:
        """Queue an update for its chat's worker; False when that chat's backlog is full."""
        key = chat_key(update)
        chat = self._chats.setdefault(key, _Chat())
        if len(chat.queue) >= CHAT_BACKLOG:
            return False
        chat.queue.append(update)
        self._idle.clear()
        if chat.worker is None or chat.worker.done():
            chat.worker = asyncio.get_running_loop().create_task(
                self._run_chat(key, chat), name=f"chat-{key}")
        return True

    async def _shed(self, updates: list[Update]) -> None:
        """Chats far ahead of what they can be answered at: these updates are recorded as
        handled without being handled (one commit), and each chat is told once a minute."""
        async with self.db.transaction(record_update=False) as tx:
            for update in updates:
                await tx.updates.record(update.update_id)
                key = chat_key(update)
                chat = self._chats.setdefault(key, _Chat())
                if self.clock() - chat.noticed < NOTICE_EVERY or key <= 0:
                    continue
                chat.noticed = self.clock()
                await _tell(tx, update, f"flood:{key}:{update.update_id}", lambda t: t._(
                    "You are sending messages faster than Choucha can answer; some of them"
                    " were not handled. Please wait for the answers, then go on."))
        logger.warning("%d updates of flooding chats not handled (%s)", len(updates),
                       ", ".join(sorted({str(chat_key(u)) for u in updates})))

    async def _member(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        known = self._members.get(user_id)
        if known is not None and self.clock() - known[1] < MEMBER_CACHE_SECONDS[known[0]]:
            return known[0]
        async with self.db.read() as rtx:
            member = await rtx.people.person_by_tg(user_id) is not None
        if len(self._members) >= MAX_CHATS:
            self._members.clear()
        self._members[user_id] = (member, self.clock())
        return member

    async def _pace(self, chat: _Chat, update: Update) -> None:
        """Wait for this chat's turn: a burst, then a steady rate."""
        user = update.effective_user
        pace = MEMBER_PACE if await self._member(user.id if user else None) else STRANGER_PACE
        now = self.clock()
        if chat.tokens < 0:
            chat.tokens, chat.last = pace.burst, now
        chat.tokens = min(pace.burst, chat.tokens + (now - chat.last) * pace.per_second)
        chat.last = now
        if chat.tokens < 1.0:
            wait = (1.0 - chat.tokens) / pace.per_second
            await asyncio.sleep(wait)
            chat.tokens, chat.last = 1.0, self.clock()
        chat.tokens -= 1.0

    async def _run_chat(self, key: int, chat: _Chat) -> None:
        try:
            while chat.queue and not self._stopping:
                update = chat.queue[0]
                await self._pace(chat, update)
                async with self._slots:
                    try:
                        await self.handle(update)
                    except Exception:
                        # Not even recorded (the database failed): it stays in the inbox
                        # and is tried again at the next start; this chat goes on.
                        logger.exception("update %s could not be handled", update.update_id)
                chat.queue.popleft()
        finally:
            if len(self._chats) > MAX_CHATS:
                for quiet in [k for k, c in self._chats.items() if not c.queue]:
                    del self._chats[quiet]
            if all(not c.queue for c in self._chats.values()):
                self._idle.set()

    async def handle(self, update: Update) -> None:
        """Handle one update through the Application; record it when nothing did."""
        mark = UpdateMark(update.update_id)
        current_update.set(mark)
        late.begin(update, update.update_id in self._resumed, clock_now())
        self._resumed.discard(update.update_id)
        try:
            await self.app.process_update(update)
        finally:
            current_update.set(None)
            late.end()
        if not mark.recorded:
            # A reply, a refusal, an error, or a handler that stopped: handled all the same.
            async with self.db.transaction(record_update=False) as tx:
                await tx.updates.record(update.update_id)

    # ------------------------------------------------------------------ waiting
    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every queued update was handled (tests, stopping)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    @property
    def waiting(self) -> int:
        return sum(len(c.queue) for c in self._chats.values())

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the update each chat is handling; leave the rest in the inbox."""
        self._stopping = True
        workers = [c.worker for c in self._chats.values() if c.worker and not c.worker.done()]
        if workers:
            _, pending = await asyncio.wait(workers, timeout=timeout)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _tell(tx: Tx, update: Update, key: str, render: Callable[[Translator], str]) -> None:
    """Queue a sentence for the sender of an update, in their Telegram language (they may
    be a stranger: no account or person is needed)."""
    chat = update.effective_chat
    assert chat is not None
    t = translator(update.effective_user.language_code if update.effective_user else None)
    await tx.outbox.enqueue(key, chat.id, "sendMessage",
                            {"text": render(t), "parse_mode": "HTML"}, clock_now())


class Poller:
    """getUpdates in a loop: each batch is kept in the inbox before the next call confirms
    it (Telegram forgets an update only when asked for a later offset)."""

    def __init__(self, app: Application, intake: Intake, timeout: int = 10) -> None:
        self.app = app
        self.intake = intake
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await with_backoff(lambda: self.app.bot.delete_webhook(drop_pending_updates=False),
                           "deleteWebhook")
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="poller")

    async def _loop(self) -> None:
        offset: int | None = None  # at start, Telegram sends again what was not confirmed
        delay = 0.0
        while True:
            try:
                updates = await self.app.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=Update.ALL_TYPES)
            except TimedOut:
                continue
            except InvalidToken:
                logger.error("Telegram refused the bot token; polling again in 60 s")
                await asyncio.sleep(60)
                continue
            except Conflict:
                logger.error("another copy of this bot is reading its updates; waiting")
                await asyncio.sleep(5)
                continue
            except (NetworkError, TelegramError) as exc:
                delay = min(30.0, max(1.0, delay * 2))
                logger.warning("getUpdates failed (%s); again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            delay = 0.0
            if not updates:
                continue
            while True:
                try:
                    await self.intake.receive(updates)
                    break
                except Exception:  # the database refused: keep them unconfirmed, retry
                    logger.exception("could not keep %d updates; retrying", len(updates))
                    await asyncio.sleep(1.0)
            offset = updates[-1].update_id + 1

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def with_backoff(call: Callable[[], object], what: str, attempts: int = 0,
                       cap: float = 60.0) -> object:
    """Call Telegram until it answers (network errors only; `attempts` 0 = for ever)."""
    delay = 1.0
    tried = 0
    while True:
        try:
            result = call()
            if asyncio.iscoroutine(result):
                result = await result
            return result
        except InvalidToken:
            raise
        except (NetworkError, TimedOut) as exc:
            tried += 1
            if attempts and tried >= attempts:
                raise
            logger.warning("Telegram cannot be reached for %s (%s); trying again in %.0f s",
                           what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(cap, delay * 2)
