"""Staging files: rows checked by one process, written to their own SQLite file, then
attached to the writer's transaction and applied: with one statement, or, for a large
import, in ranges of rows, each in its own short transaction."""

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


def duplicates_across(first: str, later: str,
                      limit: int) -> tuple[int, list[tuple[str, int, int]]]:
    """Codes of the staging file `later` already staged in the earlier file `first`:
    (count, [(code, first row, repeated row)]). Reads the two files only (never the
    database), so it runs outside the writer, in a worker process for a large file."""
    conn = sqlite3.connect(f"{Path(first).resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("ATTACH DATABASE ? AS later",
                     (f"{Path(later).resolve().as_uri()}?mode=ro",))
        query = "FROM main.staging a JOIN later.staging b ON b.code = a.code"
        total = int(conn.execute(f"SELECT COUNT(*) {query}").fetchone()[0])
        rows = conn.execute(
            f"SELECT b.code, MIN(a.row), b.row {query} GROUP BY b.row ORDER BY b.row LIMIT ?",
            (limit,)).fetchall()
        return total, [(str(code), int(first_row), int(row)) for code, first_row, row in rows]
    finally:
        conn.close()


def chunked(path: str) -> int:
    """Ready the staging file to be applied in ranges of codes (their index, made when
    its duplicates were looked for, made now if not); how many rows it holds."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE INDEX IF NOT EXISTS staging_code ON staging (code)")
        count = int(conn.execute("SELECT COUNT(*) FROM staging").fetchone()[0])
        conn.commit()
    finally:
        conn.close()
    return count


def chunk_end(path: str, after: str, size: int) -> str | None:
    """The code ending the next chunk of a large import: the `size`-th staged code after
    `after` in code order (or the last one); None when no code follows `after`."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT MAX(code) FROM (SELECT code FROM staging WHERE code > ?"
                           " ORDER BY code LIMIT ?)", (after, size)).fetchone()
    finally:
        conn.close()
    return None if row[0] is None else str(row[0])


def staged_codes(paths: Iterable[str], codes: Iterable[str]) -> set[str]:
    """Which of `codes` are staged in any of the staging files (a workbook's recusals
    may name targets of the same workbook, written after them)."""
    wanted = list(set(codes))
    found: set[str] = set()
    for path in paths:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(str(r[0]) for r in conn.execute(
                    f"SELECT code FROM staging WHERE code IN ({marks})", chunk))
        finally:
            conn.close()
    return found
