"""The bulk write under way: its lease and progress (migration 0015)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.rules.models import BulkKind, BulkWrite
from storage.base import Repo, dumps, to_db_time


class BulkRepo(Repo):
    async def current(self) -> BulkWrite | None:
        return await self.one_as(BulkWrite, "SELECT * FROM bulk_writes WHERE id = 1")

    async def start(self, kind: BulkKind, ref: str, owner: str, total: int,
                    state: dict[str, Any], actor: str, now: datetime) -> bool:
        """Take the lease for a new bulk write; False when another one holds it."""
        stamp = to_db_time(now)
        changed = await self.execute(
            "INSERT INTO bulk_writes (id, kind, ref, owner, done, total, state, started_by,"
            " started_at, heartbeat_at) VALUES (1, ?, ?, ?, 0, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (kind.value, ref, owner, total, dumps(state), actor, stamp, stamp))
        return changed == 1

    async def take_over(self, owner: str, now: datetime, stale_before: datetime,
                        dead_owners: tuple[str, ...] = ()) -> BulkWrite | None:
        """Become the owner of a bulk write whose owner stopped (its heartbeat older than
        `stale_before`, or its owner named among `dead_owners`, which may be `owner`
        itself when its own writing failed); None when there is none."""
        marks = ",".join("?" * len(dead_owners)) or "NULL"
        changed = await self.execute(
            f"UPDATE bulk_writes SET owner = ?, heartbeat_at = ? WHERE id = 1"
            f" AND (heartbeat_at < ? OR owner IN ({marks}))",
            (owner, to_db_time(now), to_db_time(stale_before), *dead_owners))
        return await self.current() if changed == 1 else None

    async def progress(self, owner: str, done: int, state: dict[str, Any] | None,
                       now: datetime) -> bool:
        """Record progress (and beat the heart); False when `owner` no longer holds it."""
        if state is None:
            changed = await self.execute(
                "UPDATE bulk_writes SET done = ?, heartbeat_at = ? WHERE id = 1 AND owner = ?",
                (done, to_db_time(now), owner))
        else:
            changed = await self.execute(
                "UPDATE bulk_writes SET done = ?, state = ?, heartbeat_at = ? WHERE id = 1"
                " AND owner = ?", (done, dumps(state), to_db_time(now), owner))
        return changed == 1

    async def finish(self, owner: str) -> bool:
        """Release the lease at the end of the work; False when `owner` did not hold it."""
        return await self.execute("DELETE FROM bulk_writes WHERE id = 1 AND owner = ?",
                                  (owner,)) == 1
