"""Small key-value settings kept with the data (the bot's username, …)."""

from __future__ import annotations

from storage.base import Repo


class SettingsRepo(Repo):
    async def get(self, key: str) -> str | None:
        value = await self.scalar("SELECT value FROM settings WHERE key = ?", (key,))
        return None if value is None else str(value)

    async def put(self, key: str, value: str) -> None:
        await self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
