"""What a draw freezes at prepare, read in a worker process from a read-only connection of
its own, in one snapshot: the eligible pool (a county's directory is a table scan and a
sort, streamed out in batches), the drawable inspectors and the recusals that concern the
pool. The event loop and the database's writer never wait for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from bot.rules.draw import HIGHEST_RISK, STRATA, RiskRule
from bot.rules.records import DrawableInspector
from storage.rows import to_records

SCOPE_KEYS = ("region", "industry", "kind", "entity_type")
NEVER = 2 ** 62  # "no cap", "complaints never raise": a number no count reaches


def snapshot(db_path: Path | str) -> sqlite3.Connection:
    """A read-only connection with a read transaction open: one consistent snapshot."""
    conn = sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True,
                           isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("BEGIN")
    conn.execute("SELECT 1 FROM draws LIMIT 1").fetchall()  # the snapshot starts here
    return conn


def bulk_under_way(conn: sqlite3.Connection) -> bool:
    """A bulk write is half done in this snapshot (bot/services/bulk.py)."""
    return conn.execute("SELECT 1 FROM bulk_writes").fetchone() is not None


def _eligible(scope: Mapping[str, list[str]], year: str, caps: Mapping[str, int | None],
              rule: RiskRule, low: str | None = None, high: str | None = None,
              recused: bool = False) -> tuple[str, list[Any]]:
    """The eligible targets as (code, stratum): active, in scope, drawn fewer times this
    year than their stratum's cap; the stratum raised by the plan's risk rule."""
    raises = "(? AND t.abnormal = 1) OR (? AND t.dishonest = 1) OR t.complaints >= ?"
    stratum = f"CASE WHEN {raises} THEN ? ELSE COALESCE(t.credit_class, '-') END"
    raised = f"({raises})"
    signals = [int(rule.abnormal), int(rule.dishonest),
               NEVER if rule.complaints is None else rule.complaints]
    params: list[Any] = [*signals, HIGHEST_RISK, *signals, year]
    where = ["t.active = 1"]
    if low is not None:
        where.append("t.code >= ?")
        params.append(low)
    if high is not None:
        where.append("t.code < ?")
        params.append(high)
    if recused:  # only the targets of a recusal (looked up by code, not scanned)
        where.append("t.code IN (SELECT target_code FROM recusals)")
    for key in SCOPE_KEYS:
        values = scope.get(key) or []
        if values:
            where.append(f"t.{key} IN ({','.join('?' * len(values))})")
            params.extend(values)
    cap = " ".join(f"WHEN '{s}' THEN ?" for s in STRATA)
    params.extend(NEVER if caps[s] is None else caps[s] for s in STRATA)
    sql = (f"SELECT code, stratum, raised FROM (SELECT t.code, {stratum} AS stratum,"
           f" {raised} AS raised,"
           f" COALESCE(k.n, 0) AS drawn FROM targets t INDEXED BY targets_pool"
           f" LEFT JOIN (SELECT target_code,"
           f" COUNT(*) AS n FROM live_tasks WHERE draw_year = ? GROUP BY target_code) k"
           f" ON k.target_code = t.code WHERE {' AND '.join(where)})"
           f" WHERE drawn < CASE stratum {cap} ELSE 0 END")
    return sql, params


def marks(conn: sqlite3.Connection) -> tuple[int, int]:
    """What the pool depends on, as it stands in this snapshot: the last import (the only
    writer of targets) and the last task (the year's counts). Two snapshots with the same
    marks read the same pool."""
    row = conn.execute("SELECT (SELECT COALESCE(MAX(id), 0) FROM imports),"
                       " (SELECT COALESCE(MAX(id), 0) FROM tasks)").fetchone()
    return int(row[0]), int(row[1])


def split_codes(conn: sqlite3.Connection, parts: int) -> list[str]:
    """Codes cutting the targets into `parts` ranges of about the same size."""
    total = int(conn.execute("SELECT COUNT(*) FROM targets").fetchone()[0])
    cuts: list[str] = []
    for k in range(1, parts):
        row = conn.execute("SELECT code FROM targets INDEXED BY targets_pool ORDER BY code"
                           " LIMIT 1 OFFSET ?", (total * k // parts,)).fetchone()
        if row is not None and (not cuts or row[0] > cuts[-1]):
            cuts.append(str(row[0]))
    return cuts


def pool_lines(conn: sqlite3.Connection, scope: Mapping[str, list[str]], year: str,
               caps: Mapping[str, int | None], rule: RiskRule, low: str | None = None,
               high: str | None = None, batch: int = 20_000) -> Iterator[tuple[bytes, int]]:
    """pool.tsv, `batch` lines at a time (`CODE\\tSTRATUM\\n` sorted by code; only codes
    from `low` and below `high` when given), each batch with how many of its targets the
    risk rule raised. Read in code order from the covering index targets_pool, without
    touching the table or sorting."""
    eligible, params = _eligible(scope, year, caps, rule, low, high)
    conn.row_factory = None
    try:
        cursor = conn.execute(f"SELECT code || char(9) || stratum || char(10), raised FROM"
                              f" ({eligible}) ORDER BY code", params)
        while rows := cursor.fetchmany(batch):
            yield "".join(r[0] for r in rows).encode(), sum(r[1] for r in rows)
    finally:
        conn.row_factory = sqlite3.Row


def recusals_in_pool(conn: sqlite3.Connection, scope: Mapping[str, list[str]], year: str,
                     caps: Mapping[str, int | None], rule: RiskRule) -> list[tuple[str, str]]:
    """(执法证号, code) of each recusal whose target is in the pool."""
    eligible, params = _eligible(scope, year, caps, rule, recused=True)
    rows = conn.execute(f"SELECT r.cert_no, r.target_code FROM recusals r"
                        f" WHERE r.target_code IN (SELECT code FROM ({eligible}))",
                        params).fetchall()
    return [(r[0], r[1]) for r in rows]


def drawable_inspectors(conn: sqlite3.Connection, draw_date: date) -> list[DrawableInspector]:
    """Active inspectors of their department with a certificate valid on `draw_date`
    (no recorded expiry counts as valid), not withdrawn on or before it."""
    rows = conn.execute(
        "SELECT i.cert_no, i.expertise, i.person_id, d.code AS department"
        " FROM inspectors i JOIN people p ON p.id = i.person_id"
        " JOIN departments d ON d.id = p.department_id"
        " JOIN person_roles r ON r.person_id = p.id AND r.role = 'inspector'"
        "  AND r.department_id = p.department_id"
        " WHERE p.active = 1 AND i.active = 1 AND d.active = 1 AND i.cert_no IS NOT NULL"
        " AND (i.cert_valid_until IS NULL OR i.cert_valid_until >= ?)"
        " AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.person_id = p.id"
        "  AND w.from_date <= ?)"
        " ORDER BY i.cert_no", (draw_date.isoformat(), draw_date.isoformat())).fetchall()
    return to_records(DrawableInspector, rows)


def target_ids(conn: sqlite3.Connection, codes: list[str]) -> dict[str, int]:
    """Each code's target id (codes given sorted: the index is read in order)."""
    found: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        rows = conn.execute(f"SELECT code, id FROM targets WHERE code IN"
                            f" ({','.join('?' * len(chunk))})", chunk).fetchall()
        found.update((r[0], int(r[1])) for r in rows)
    return found
