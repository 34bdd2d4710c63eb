"""Outgoing messages, written in the transaction of the change that causes them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bot.rules.models import NewMessage, OutboxMessage, OutboxStatus
from storage.base import Repo, dumps, req_time, to_db_time


def _message(row: aiosqlite.Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        chat_id=row["chat_id"],
        chat_kind=row["chat_kind"],
        method=row["method"],
        payload=json.loads(row["payload"]),
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        not_before=req_time(row["not_before"]),
        person_id=row["person_id"],
        in_doubt=row["sending_at"] is not None,
    )


class OutboxRepo(Repo):
    async def enqueue(
        self,
        dedupe_key: str,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        now: datetime,
        person_id: int | None = None,
        chat_kind: str = "private",
        not_before: datetime | None = None,
    ) -> bool:
        """Queue one message; False when the same dedupe key was queued before."""
        changed = await self.execute(
            "INSERT INTO outbox (dedupe_key, chat_id, chat_kind, person_id, method, payload,"
            " not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (dedupe_key) DO NOTHING",
            (dedupe_key, chat_id, chat_kind, person_id, method, dumps(payload),
             to_db_time(not_before or now), to_db_time(now)),
        )
        return changed == 1

    async def enqueue_many(self, messages: list[NewMessage], now: datetime) -> int:
        """Queue private messages in one statement; how many were new (a dedupe key
        queued before is left as it was)."""
        if not messages:
            return 0
        at = to_db_time(now)
        params: list[Any] = []
        for m in messages:
            params += [m.dedupe_key, m.chat_id, m.person_id, m.method, dumps(m.payload), at, at]
        values = ",".join(["(?, ?, 'private', ?, ?, ?, ?, ?)"] * len(messages))
        return len(await self.all(
            "INSERT INTO outbox (dedupe_key, chat_id, chat_kind, person_id, method, payload,"
            f" not_before, created_at) VALUES {values} ON CONFLICT (dedupe_key) DO NOTHING"
            " RETURNING id", tuple(params)))

    async def due(self, now: datetime, limit: int, per_chat: int = 1) -> list[OutboxMessage]:
        """What may be sent now, fairly: the oldest `per_chat` of each chat, oldest chats
        first, so that one chat's backlog never holds up the others."""
        rows = await self.all(
            "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY id)"
            " AS turn FROM outbox WHERE status = 'pending' AND not_before <= ?)"
            " WHERE turn <= ? ORDER BY turn, id LIMIT ?",
            (to_db_time(now), per_chat, limit),
        )
        return [_message(r) for r in rows]

    async def next_due_at(self) -> datetime | None:
        value = await self.scalar(
            "SELECT MIN(not_before) FROM outbox WHERE status = 'pending'"
        )
        return None if value is None else req_time(value)

    async def sending(self, message_id: int, now: datetime) -> None:
        """Before the call to Telegram: a crash from here to `mark_sent` leaves it marked."""
        await self.execute("UPDATE outbox SET sending_at = ? WHERE id = ?",
                           (to_db_time(now), message_id))

    async def mark_sent(self, message_id: int, telegram_message_id: int | None,
                        now: datetime) -> None:
        await self.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, sending_at = NULL,"
            " attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
            (to_db_time(now), telegram_message_id, message_id),
        )

    async def defer(self, message_id: int, not_before: datetime, error: str) -> None:
        await self.execute(
            "UPDATE outbox SET not_before = ?, attempts = attempts + 1, last_error = ?,"
            " sending_at = NULL WHERE id = ? AND status = 'pending'",
            (to_db_time(not_before), error[:500], message_id),
        )

    async def close(self, message_id: int, status: OutboxStatus, error: str) -> None:
        """End a message that will never be sent (blocked by the user, or refused)."""
        await self.execute(
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
            " sending_at = NULL WHERE id = ? AND status = 'pending'",
            (status.value, error[:500], message_id),
        )

    async def withdraw(self, dedupe_key: str, reason: str) -> bool:
        """A queued message that no longer makes sense is not sent (it stays, closed)."""
        changed = await self.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE dedupe_key = ?"
            " AND status = 'pending'", (reason, dedupe_key))
        return changed == 1

    async def withdraw_chat(self, chat_id: int, reason: str) -> int:
        """Every message still queued for a chat is not sent (they stay, closed): its
        person's access ended."""
        return await self.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE chat_id = ?"
            " AND status = 'pending'", (reason, chat_id))

    async def reopen_blocked(self, chat_id: int, now: datetime) -> int:
        """Queue again what could not be sent while the person had blocked the bot."""
        return await self.execute(
            "UPDATE outbox SET status = 'pending', not_before = ? WHERE chat_id = ?"
            " AND status = 'blocked'",
            (to_db_time(now), chat_id),
        )

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = await self.one("SELECT * FROM outbox WHERE id = ?", (message_id,))
        return _message(row) if row else None

    async def sent_message_id(self, dedupe_key: str) -> int | None:
        value = await self.scalar(
            "SELECT message_id FROM outbox WHERE dedupe_key = ? AND status = 'sent'",
            (dedupe_key,))
        return None if value is None else int(value)

    async def by_key(self, dedupe_key: str) -> OutboxMessage | None:
        row = await self.one("SELECT * FROM outbox WHERE dedupe_key = ?", (dedupe_key,))
        return _message(row) if row else None

    async def counts(self) -> dict[str, int]:
        rows = await self.all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}

    async def exists(self, dedupe_key: str) -> bool:
        """Whether a message with this key was ever queued."""
        return await self.scalar("SELECT 1 FROM outbox WHERE dedupe_key = ?",
                                 (dedupe_key,)) is not None
