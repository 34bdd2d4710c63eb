"""The inbox: updates received and not yet handled (see migration 0012)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.base import Repo, req_time, to_db_time


@dataclass(frozen=True)
class InboxEntry:
    update_id: int
    chat_key: int
    payload: bytes  # sealed
    received_at: datetime
    attempts: int = 0


class InboxRepo(Repo):
    async def add(self, entries: Sequence[InboxEntry]) -> set[int]:
        """Keep the updates not kept or handled before; the ids of those that are new."""
        new: set[int] = set()
        for entry in entries:
            changed = await self.execute(
                "INSERT INTO inbox (update_id, chat_key, payload, received_at)"
                " SELECT ?, ?, ?, ? WHERE NOT EXISTS"
                " (SELECT 1 FROM processed_updates WHERE update_id = ?)"
                " ON CONFLICT (update_id) DO NOTHING",
                (entry.update_id, entry.chat_key, entry.payload,
                 to_db_time(entry.received_at), entry.update_id))
            if changed == 1:
                new.add(entry.update_id)
        return new

    async def charge_heads(self) -> int:
        """After a crash: the oldest waiting update of each chat may be the one whose
        handling was cut short; count the attempt (an update that crashes the bot every
        time is given up after a few)."""
        return await self.execute(
            "UPDATE inbox SET attempts = attempts + 1 WHERE update_id IN"
            " (SELECT MIN(update_id) FROM inbox GROUP BY chat_key)")

    async def waiting(self) -> list[InboxEntry]:
        rows = await self.all("SELECT * FROM inbox ORDER BY update_id")
        return [InboxEntry(r["update_id"], r["chat_key"], bytes(r["payload"]),
                           req_time(r["received_at"]), r["attempts"]) for r in rows]

    async def count(self) -> int:
        return int(await self.scalar("SELECT COUNT(*) FROM inbox"))
