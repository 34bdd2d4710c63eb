"""Telegram update ids already handled, so that a redelivered update is handled once."""

from __future__ import annotations

from datetime import datetime

from bot.clock import now as clock_now
from storage.base import Repo, to_db_time


class UpdateRepo(Repo):
    async def last_id(self) -> int:
        """The highest update id handled (0 when none)."""
        return int(await self.scalar(
            "SELECT MAX(COALESCE((SELECT MAX(update_id) FROM processed_updates), 0),"
            " COALESCE((SELECT MAX(update_id) FROM inbox), 0))"))

    async def seen(self, update_id: int) -> bool:
        return (
            await self.scalar("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,))
            is not None
        )

    async def record(self, update_id: int) -> bool:
        """Record the update as handled (it leaves the inbox in the same commit); False
        when it was recorded before."""
        changed = await self.execute(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, to_db_time(clock_now())),
        )
        await self.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
        return changed == 1

    async def prune(self, before: datetime) -> int:
        return await self.execute(
            "DELETE FROM processed_updates WHERE processed_at < ?", (to_db_time(before),)
        )
