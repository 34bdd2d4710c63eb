"""What every service needs: the settings, the database, the bot's public name, the
worker processes for heavy work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.clock import now as clock_now
from bot.config import Settings
from bot.workers import Workers
from storage import Database


@dataclass
class Core:
    settings: Settings
    db: Database
    bot_username: str
    workers: Workers = field(default_factory=Workers)  # heavy work, in processes

    @property
    def files_root(self) -> Path:
        return self.settings.files_dir

    def today(self) -> date:
        """The office's date now (its time zone, not the server's)."""
        return clock_now().astimezone(self.settings.tz).date()

    def deep_link(self, payload: str) -> str:
        return f"https://t.me/{self.bot_username}?start={payload}"


@asynccontextmanager
async def read_only(settings: Settings) -> AsyncIterator[Core]:
    """The services over the database, read-only (no writer, no migration): for a worker
    process that reads what the bot's process keeps (the public site's build)."""
    async with Database(settings.db_path, readonly=True) as db:
        yield Core(settings, db, "")
