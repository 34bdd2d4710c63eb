"""What every repository shares: the time format and JSON encoding of stored values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import aiosqlite


def to_db_time(value: datetime) -> str:
    """UTC, fixed width, so that text order is time order."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def req_time(value: str) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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
