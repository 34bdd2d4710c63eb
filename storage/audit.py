"""The audit chain (全程留痕): append-only rows, each holding the hash of the one before."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiosqlite

from bot.rules.models import AuditAction, AuditEntry, AuditProblem
from storage.base import Repo, dumps, to_db_time

GENESIS = "0" * 64
APPEND_ONLY_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")


def row_hash(prev_hash: str, row_id: int, at: str, actor: str, action: str, subject: str,
             payload: str) -> str:
    """SHA-256 over the previous hash and the row's canonical JSON."""
    body = json.dumps(
        [row_id, at, actor, action, subject, payload], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _entry(row: aiosqlite.Row) -> AuditEntry:
    return AuditEntry(row["id"], row["at"], row["actor"], row["action"], row["subject"],
                      row["payload"], row["prev_hash"], row["hash"])


class AuditRepo(Repo):
    async def append(
        self, actor: str, action: AuditAction, subject: str, payload: dict[str, Any],
        now: datetime,
    ) -> AuditEntry:
        """Append one row; call inside the transaction of the change it records."""
        name = action.value
        head = await self.one("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
        prev_id, prev_hash = (head["last_id"], head["last_hash"]) if head else (0, GENESIS)
        row_id = prev_id + 1
        at = to_db_time(now)
        text = dumps(payload)
        digest = row_hash(prev_hash, row_id, at, actor, name, subject, text)
        await self.execute(
            "INSERT INTO audit_log (id, at, actor, action, subject, payload, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row_id, at, actor, name, subject, text, prev_hash, digest),
        )
        await self.execute(
            "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id,"
            " last_hash = excluded.last_hash",
            (row_id, digest),
        )
        return AuditEntry(row_id, at, actor, name, subject, text, prev_hash, digest)

    async def entries(self, batch: int = 5000) -> AsyncIterator[AuditEntry]:
        """Every row in id order, read in batches."""
        last = 0
        while True:
            rows = await self.all(
                "SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            last = rows[-1]["id"]

    async def find(self, action: str | None = None, subject: str | None = None) -> list[AuditEntry]:
        rows = await self.all(
            "SELECT * FROM audit_log WHERE (? IS NULL OR action = ?) AND (? IS NULL OR subject = ?)"
            " ORDER BY id",
            (action, action, subject, subject),
        )
        return [_entry(row) for row in rows]

    async def verify(self) -> tuple[int, AuditProblem | None]:
        """Check the whole chain; return (rows checked, first problem or None)."""
        for trigger in APPEND_ONLY_TRIGGERS:
            found = await self.scalar(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
            )
            if found is None:
                return 0, AuditProblem(0, f"append-only trigger {trigger} is missing")
        expected_id, prev_hash, count = 1, GENESIS, 0
        async for entry in self.entries():
            if entry.id != expected_id:
                return count, AuditProblem(
                    expected_id,
                    f"row {expected_id} is missing (next row is {entry.id}): rows were deleted",
                )
            if entry.prev_hash != prev_hash:
                return count, AuditProblem(
                    entry.id,
                    f"row {entry.id} does not follow row {entry.id - 1}:"
                    " inserted, reordered or the earlier row was replaced",
                )
            digest = row_hash(entry.prev_hash, entry.id, entry.at, entry.actor, entry.action,
                              entry.subject, entry.payload)
            if digest != entry.hash:
                return count, AuditProblem(entry.id, f"row {entry.id} was edited: hash mismatch")
            prev_hash, expected_id, count = entry.hash, expected_id + 1, count + 1
        head = await self.one("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
        head_id, head_hash = (head["last_id"], head["last_hash"]) if head else (0, GENESIS)
        if head_id != count or head_hash != prev_hash:
            return count, AuditProblem(
                count + 1 if head_id > count else head_id,
                f"the chain ends at row {count} but its head says row {head_id}:"
                " rows were deleted from the end or the head was edited",
            )
        return count, None

    async def head(self) -> tuple[int, str]:
        """(last row id, its hash): published in the digest so a rewrite is detectable."""
        row = await self.one("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
        return (int(row["last_id"]), str(row["last_hash"])) if row else (0, GENESIS)
