"""Staging files: rows checked by one process, written to their own SQLite file, then
attached to the writer's transaction and applied with one statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storage.directory import INTEGER_FIELDS, TARGET_FIELDS


class TargetStaging:
    """One process's staged targets; a scratch file, so durability is switched off."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        columns = ", ".join(f"{f} {'INTEGER' if f in INTEGER_FIELDS else 'TEXT'}"
                            for f in TARGET_FIELDS)
        self.conn.execute(f"CREATE TABLE staging (row INTEGER NOT NULL, code TEXT NOT NULL,"
                          f" {columns})")
        self._insert = (f"INSERT INTO staging (row, code, {', '.join(TARGET_FIELDS)})"
                        f" VALUES (?, ?, {', '.join('?' * len(TARGET_FIELDS))})")

    def add(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.conn.executemany(self._insert, rows)

    def duplicates(self, limit: int) -> tuple[int, list[tuple[str, list[int]]]]:
        """Codes staged more than once here: (extra rows in all, the first `limit` codes)."""
        self.conn.execute("CREATE INDEX staging_code ON staging (code)")
        total = self.conn.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM staging"
            " GROUP BY code HAVING COUNT(*) > 1)").fetchone()[0]
        rows = self.conn.execute(
            "SELECT code, GROUP_CONCAT(row) FROM staging GROUP BY code HAVING COUNT(*) > 1"
            " ORDER BY MIN(row) LIMIT ?", (limit,)).fetchall()
        return int(total), [(code, sorted(int(x) for x in rows_text.split(",")))
                            for code, rows_text in rows]

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()
