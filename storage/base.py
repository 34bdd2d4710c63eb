"""What every repository shares: the time format and JSON encoding of stored values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiosqlite

from storage.rows import DB_TIME, db_time, to_record, to_records

R = TypeVar("R")


def to_db_time(value: datetime) -> str:
    """UTC, fixed width, so that text order is time order."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC).strftime(DB_TIME)


def from_db_time(value: str | None) -> datetime | None:
    return None if value is None else db_time(value)


def req_time(value: str) -> datetime:
    return db_time(value)


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def placeholders(values: list[Any]) -> str:
    """The `?, ?, …` of an IN list (NULL for an empty one, which matches nothing)."""
    return ",".join("?" * len(values)) or "NULL"


# Whether a message to a person reaches them now: their Telegram account is bound and has a
# chat, they have not blocked the bot, and they are still active in the directory. The one
# definition of "reachable" (who acts for a team, who gets a request, whom a replacement
# draw may land on); `a` is their telegram_accounts row, `p` their people row.
REACHABLE = ("(a.tg_user_id IS NOT NULL AND a.chat_id IS NOT NULL AND a.blocked_at IS NULL"
             " AND p.active = 1)")


class Repo:
    """A repository takes the connection of the transaction it runs in."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def one_as(self, cls: type[R], sql: str, params: tuple[Any, ...] = ()) -> R | None:
        """The first row of `sql` as a `cls` record (bot/rules/records.py), or None."""
        row = await self.one(sql, params)
        return None if row is None else to_record(cls, row)

    async def all_as(self, cls: type[R], sql: str, params: tuple[Any, ...] = ()) -> list[R]:
        return to_records(cls, await self.all(sql, params))

    async def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run a statement; return the number of rows it changed."""
        async with self.conn.execute(sql, params) as cur:
            return cur.rowcount

    async def insert(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run an INSERT; return the new row id."""
        async with self.conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)
