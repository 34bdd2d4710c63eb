"""Draws: the eligible pool, the drawable inspectors, the draw rows, tasks and members."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.rules.records import (
    DepartmentInspector,
    Draw,
    DrawableInspector,
    DrawnSeat,
    PlanForDraw,
    PlanItemRule,
    PlanLine,
)
from storage.base import Repo, placeholders, to_db_time


class DrawRepo(Repo):
    async def plan(self, name: str) -> PlanForDraw | None:
        plan = await self.one_as(
            PlanForDraw, "SELECT p.*, d.code AS initiator_code FROM plans p"
            " JOIN departments d ON d.id = p.initiator_id WHERE p.name = ?", (name,))
        if plan is None:
            return None
        joining = tuple(r["code"] for r in await self.all(
            "SELECT d.code FROM plan_departments pd JOIN departments d"
            " ON d.id = pd.department_id WHERE pd.plan_id = ? ORDER BY d.code", (plan.id,)))
        items = tuple(await self.all_as(
            PlanItemRule,
            "SELECT i.code, i.kind, i.max_ratio, i.expertise, d.code AS department_code"
            " FROM plan_items pi JOIN items i ON i.id = pi.item_id"
            " JOIN departments d ON d.id = i.department_id WHERE pi.plan_id = ?"
            " ORDER BY i.code", (plan.id,)))
        return dataclasses.replace(plan, joining_codes=joining, items=items)

    async def plans(self) -> list[PlanLine]:
        return await self.all_as(
            PlanLine,
            "SELECT p.id, p.name, p.draw_date, d.status AS draw_status FROM plans p"
            " LEFT JOIN draws d ON d.plan_id = p.id WHERE p.active = 1 ORDER BY p.draw_date,"
            " p.name")

    async def eligible_pool(self, scope: dict[str, list[str]], year: str,
                            cap: int | None) -> list[tuple[str, str]]:
        """(code, stratum) of active targets in scope with fewer than `cap` draws this year."""
        where: list[str] = ["t.active = 1"]
        params: list[object] = []
        for key in ("region", "industry", "kind", "entity_type"):
            values = scope.get(key) or []
            if values:
                where.append(f"t.{key} IN ({placeholders(values)})")
                params.extend(values)
        # Ordering by an expression makes SQLite scan the table and sort, which for a
        # large directory is twice as fast as walking the code index row by row.
        rows = await self.all(
            f"SELECT t.code, COALESCE(t.credit_class, '-') AS stratum FROM targets t"
            f" WHERE {' AND '.join(where)} ORDER BY t.code || ''", tuple(params))
        if cap is None:
            return [(r[0], r[1]) for r in rows]
        capped = {r[0] for r in await self.all(
            "SELECT target_code FROM tasks WHERE draw_year = ? GROUP BY target_code"
            " HAVING COUNT(*) >= ?", (year, cap))}
        return [(r[0], r[1]) for r in rows if r[0] not in capped]

    async def drawable_inspectors(self, draw_date: date) -> list[DrawableInspector]:
        """Active inspectors of their department with a certificate valid on `draw_date`
        (no recorded expiry counts as valid), not withdrawn on or before it."""
        return await self.all_as(
            DrawableInspector,
            "SELECT i.cert_no, i.expertise, i.person_id, d.code AS department"
            " FROM inspectors i JOIN people p ON p.id = i.person_id"
            " JOIN departments d ON d.id = p.department_id"
            " JOIN person_roles r ON r.person_id = p.id AND r.role = 'inspector'"
            "  AND r.department_id = p.department_id"
            " WHERE p.active = 1 AND i.active = 1 AND d.active = 1 AND i.cert_no IS NOT NULL"
            " AND (i.cert_valid_until IS NULL OR i.cert_valid_until >= ?)"
            " AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.person_id = p.id"
            "  AND w.from_date <= ?)"
            " ORDER BY i.cert_no", (draw_date.isoformat(), draw_date.isoformat()))

    async def department_inspectors(self, department_code: str) -> list[DepartmentInspector]:
        """Every active inspector of a department, drawable or not (to explain a refusal)."""
        return await self.all_as(
            DepartmentInspector,
            "SELECT i.cert_no, i.cert_valid_until, i.expertise FROM inspectors i"
            " JOIN people p ON p.id = i.person_id JOIN departments d ON d.id = p.department_id"
            " JOIN person_roles r ON r.person_id = p.id AND r.role = 'inspector'"
            "  AND r.department_id = p.department_id"
            " WHERE p.active = 1 AND i.active = 1 AND d.code = ?", (department_code,))

    async def recusal_pairs(self) -> set[tuple[str, str]]:
        return {(r[0], r[1]) for r in await self.all("SELECT cert_no, target_code FROM recusals")}

    async def drawn(self, draw_id: int) -> list[DrawnSeat]:
        """Every team of a draw (its current members), in the
        draw's order: one row per member, the leader first."""
        return await self.all_as(
            DrawnSeat,
            "SELECT k.id AS task_id, k.batch_order, k.target_code, t.name AS target_name,"
            " t.credit_class, p.name, d.name AS department, m.leader FROM tasks k"
            " JOIN targets t ON t.id = k.target_id JOIN task_members m ON m.task_id = k.id"
            " JOIN people p ON p.id = m.person_id JOIN departments d ON d.id = m.department_id"
            " WHERE k.draw_id = ? AND m.active = 1 ORDER BY k.batch_order, m.position",
            (draw_id,))

    async def draw(self, plan_id: int) -> Draw | None:
        return await self.one_as(Draw, "SELECT * FROM draws WHERE plan_id = ?", (plan_id,))

    async def add_draw(self, plan_id: int, values: dict[str, Any], actor: str,
                       now: datetime) -> int:
        return await self.insert(
            "INSERT INTO draws (plan_id, status, draw_date, entropy_source, nonce,"
            " nonce_commitment, pool_digest, pool_size, year_cap, prepared_by, prepared_at)"
            " VALUES (?, 'prepared', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (plan_id, values["draw_date"], values["entropy_source"], values["nonce"],
             values["nonce_commitment"], values["pool_digest"], values["pool_size"],
             values["year_cap"], actor, to_db_time(now)))

    async def mark_run(self, draw_id: int, entropy: str, seed: str, record: str,
                       inspectors_sha256: str, recusals_sha256: str, actor: str,
                       now: datetime) -> bool:
        changed = await self.execute(
            "UPDATE draws SET status = 'run', entropy = ?, seed = ?, record = ?,"
            " inspectors_sha256 = ?, recusals_sha256 = ?, run_by = ?, run_at = ?"
            " WHERE id = ? AND status = 'prepared'",
            (entropy, seed, record, inspectors_sha256, recusals_sha256, actor, to_db_time(now),
             draw_id))
        return changed == 1

    async def add_tasks(self, draw_id: int, plan_id: int, orders: Sequence[tuple[str, int]],
                        window: tuple[str, str], year: str, now: datetime) -> dict[str, int]:
        """One task per selected target; return task ids by target code."""
        stamp = to_db_time(now)
        await self.conn.executemany(
            "INSERT INTO tasks (draw_id, plan_id, target_id, target_code, batch_order,"
            " window_start, window_due, draw_year, created_at)"
            " SELECT ?, ?, id, code, ?, ?, ?, ?, ? FROM targets WHERE code = ?",
            [(draw_id, plan_id, order, window[0], window[1], year, stamp, code)
             for code, order in orders])
        rows = await self.all("SELECT id, target_code FROM tasks WHERE draw_id = ?", (draw_id,))
        return {r["target_code"]: r["id"] for r in rows}

    async def add_members(self, rows: Iterable[tuple[int, int, int, str, bool, int]],
                          now: datetime) -> None:
        """(task, person, department, cert, leader, position) per member."""
        stamp = to_db_time(now)
        await self.conn.executemany(
            "INSERT INTO task_members (task_id, person_id, department_id, cert_no, leader,"
            " position, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(t, p, d, c, int(leader), pos, stamp) for t, p, d, c, leader, pos in rows])
