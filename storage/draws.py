"""Draws: the plan as its draw reads it, the draw rows (prepared, cancelled, being
written, run), the tasks and members written in chunks, the events appended later."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.rules.records import (
    DepartmentInspector,
    Draw,
    DrawEvents,
    DrawnSeat,
    PlanForDraw,
    PlanItemRule,
    PlanLine,
    Withdrawal,
)
from storage.base import Repo, dumps, placeholders, to_db_time

_LIVE = "status != 'cancelled'"  # a plan's one draw that counts (migration 0016)


class DrawRepo(Repo):
    async def plan(self, name: str) -> PlanForDraw | None:
        return await self._plan("p.name = ?", (name,))

    async def plan_by_id(self, plan_id: int) -> PlanForDraw | None:
        return await self._plan("p.id = ?", (plan_id,))

    async def _plan(self, where: str, params: tuple[Any, ...]) -> PlanForDraw | None:
        plan = await self.one_as(
            PlanForDraw, "SELECT p.*, d.code AS initiator_code FROM plans p"
            f" JOIN departments d ON d.id = p.initiator_id WHERE {where}", params)
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
            f" LEFT JOIN draws d ON d.plan_id = p.id AND d.{_LIVE} WHERE p.active = 1"
            " ORDER BY p.draw_date, p.name")

    async def department_inspectors(self, department_code: str) -> list[DepartmentInspector]:
        """Every active inspector of a department, drawable or not (to explain a refusal)."""
        return await self.all_as(
            DepartmentInspector,
            "SELECT i.cert_no, i.cert_valid_until, i.expertise FROM inspectors i"
            " JOIN people p ON p.id = i.person_id JOIN departments d ON d.id = p.department_id"
            " JOIN person_roles r ON r.person_id = p.id AND r.role = 'inspector'"
            "  AND r.department_id = p.department_id"
            " WHERE p.active = 1 AND i.active = 1 AND d.code = ?", (department_code,))

    async def unavailable_members(self, draw_id: int) -> list[tuple[str, str, bool]]:
        """(member's name, target's name, withdrawn) for each member of the draw's teams
        who is withdrawn, or no longer active in the directory."""
        rows = await self.all(
            "SELECT p.name, t.name, EXISTS (SELECT 1 FROM withdrawals w"
            " WHERE w.person_id = p.id) FROM live_tasks k JOIN task_members m"
            " ON m.task_id = k.id AND m.active = 1 JOIN people p ON p.id = m.person_id"
            " JOIN inspectors i ON i.person_id = p.id JOIN targets t ON t.id = k.target_id"
            " WHERE k.draw_id = ? AND (p.active = 0 OR i.active = 0 OR EXISTS (SELECT 1"
            " FROM withdrawals w WHERE w.person_id = p.id)) ORDER BY k.batch_order",
            (draw_id,))
        return [(r[0], r[1], bool(r[2])) for r in rows]

    async def withdrawals_of(self, certs: Sequence[str]) -> list[Withdrawal]:
        """The withdrawals recorded for these 执法证号, the earliest first."""
        found: list[Withdrawal] = []
        for start in range(0, len(certs), 500):
            chunk = list(certs[start:start + 500])
            found += await self.all_as(
                Withdrawal, f"SELECT * FROM withdrawals WHERE cert_no IN ({placeholders(chunk)})"
                " ORDER BY id", tuple(chunk))
        return found

    async def drawn(self, draw_id: int) -> list[DrawnSeat]:
        """Every team of a draw (its current members), in the
        draw's order: one row per member, the leader first."""
        return await self.all_as(
            DrawnSeat,
            "SELECT k.id AS task_id, k.batch_order, k.target_code, t.name AS target_name,"
            " t.credit_class, p.name, d.name AS department, m.leader FROM live_tasks k"
            " JOIN targets t ON t.id = k.target_id JOIN task_members m ON m.task_id = k.id"
            " JOIN people p ON p.id = m.person_id JOIN departments d ON d.id = m.department_id"
            " WHERE k.draw_id = ? AND m.active = 1 ORDER BY k.batch_order, m.position",
            (draw_id,))

    # --- the draw rows ------------------------------------------------------------------------
    async def draw(self, plan_id: int) -> Draw | None:
        """The plan's draw that is not cancelled, if any."""
        return await self.one_as(Draw, f"SELECT * FROM draws WHERE plan_id = ? AND {_LIVE}",
                                 (plan_id,))

    async def draw_by_id(self, draw_id: int) -> Draw | None:
        return await self.one_as(Draw, "SELECT * FROM draws WHERE id = ?", (draw_id,))

    async def cancelled(self, plan_id: int) -> list[Draw]:
        """The plan's cancelled preparations, the earliest first."""
        return await self.all_as(Draw, "SELECT * FROM draws WHERE plan_id = ?"
                                 " AND status = 'cancelled' ORDER BY id", (plan_id,))

    async def add_draw(self, plan_id: int, values: dict[str, Any], actor: str,
                       now: datetime) -> int:
        return await self.insert(
            "INSERT INTO draws (plan_id, algorithm, status, draw_date, entropy_source, nonce,"
            " nonce_commitment, pool_digest, pool_size, announcement_sha256,"
            " inspectors_sha256, recusals_sha256, people, prepared_by, prepared_at)"
            " VALUES (?, ?, 'prepared', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (plan_id, values["algorithm"], values["draw_date"], values["entropy_source"],
             values["nonce"], values["nonce_commitment"], values["pool_digest"],
             values["pool_size"], values["announcement_sha256"], values["inspectors_sha256"],
             values["recusals_sha256"], dumps(values["people"]), actor, to_db_time(now)))

    async def cancel(self, draw_id: int, actor: str, reason: str, now: datetime) -> bool:
        return await self.execute(
            "UPDATE draws SET status = 'cancelled', cancelled_by = ?, cancelled_at = ?,"
            " cancel_reason = ? WHERE id = ? AND status = 'prepared'",
            (actor, to_db_time(now), reason, draw_id)) == 1

    async def begin_writing(self, draw_id: int, entropy: str, seed: str, actor: str,
                            now: datetime) -> bool:
        """The draw's commit point: drawn; its tasks follow in chunks."""
        return await self.execute(
            "UPDATE draws SET status = 'writing', entropy = ?, seed = ?, run_by = ?,"
            " run_at = ? WHERE id = ? AND status = 'prepared'",
            (entropy, seed, actor, to_db_time(now), draw_id)) == 1

    async def written(self, draw_id: int, count: int) -> None:
        await self.execute("UPDATE draws SET written = ? WHERE id = ? AND status = 'writing'",
                           (count, draw_id))

    async def finish_writing(self, draw_id: int, record_sha256: str) -> bool:
        """Every task written and the record stored: the draw's tasks become visible at
        once."""
        return await self.execute(
            "UPDATE draws SET status = 'run', record_sha256 = ? WHERE id = ?"
            " AND status = 'writing'", (record_sha256, draw_id)) == 1

    async def tasks_of(self, draw_id: int) -> int:
        """How many tasks of the draw are written (seen or not)."""
        return int(await self.scalar("SELECT COUNT(*) FROM tasks WHERE draw_id = ?",
                                     (draw_id,)))

    async def record_v1(self, draw_id: int) -> str | None:
        """A choucha-draw-v1 record as drawn (kept in its row)."""
        value = await self.scalar("SELECT record FROM draws WHERE id = ?", (draw_id,))
        return None if value is None else str(value)

    async def events(self, draw_id: int) -> DrawEvents:
        row = await self.one_as(DrawEvents,
                                "SELECT json_extract(events, '$.replacements') AS replacements,"
                                " json_extract(events, '$.withdrawals') AS withdrawals,"
                                " json_extract(events, '$.before_run') AS before_run"
                                " FROM draws WHERE id = ?", (draw_id,))
        return row or DrawEvents([], [], [])

    async def set_events(self, draw_id: int, events: dict[str, list[Any]]) -> None:
        await self.execute("UPDATE draws SET events = ? WHERE id = ?", (dumps(events), draw_id))

    async def append_event(self, draw_id: int, kind: str, event: dict[str, Any]) -> None:
        """Append a replacement or a withdrawal to a draw's events (never rewriting the
        record)."""
        assert kind in ("replacements", "withdrawals")
        await self.execute(f"UPDATE draws SET events = json_insert(events, '$.{kind}[#]',"
                           " json(?)) WHERE id = ?", (dumps(event), draw_id))

    async def open_run_draws(self) -> list[Draw]:
        """Draws being written, or run with tasks not yet under way: where a replacement
        may still be drawn."""
        return await self.all_as(Draw,
            "SELECT * FROM draws d WHERE d.status = 'writing' OR (d.status = 'run' AND EXISTS"
            " (SELECT 1 FROM tasks k WHERE k.draw_id = d.id AND k.status = 'assigned'))"
            " ORDER BY d.id")

    async def add_tasks(self, draw_id: int, plan_id: int,
                        rows: Sequence[tuple[int, str, int]], window: tuple[str, str],
                        year: str, now: datetime) -> dict[int, int]:
        """One task per (target id, code, order); their ids by order."""
        stamp = to_db_time(now)
        before = int(await self.scalar("SELECT COALESCE(MAX(id), 0) FROM tasks"))
        await self.conn.executemany(
            "INSERT INTO tasks (draw_id, plan_id, target_id, target_code, batch_order,"
            " window_start, window_due, draw_year, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(draw_id, plan_id, target_id, code, order, window[0], window[1], year, stamp)
             for target_id, code, order in rows])
        found = await self.all("SELECT id, batch_order FROM tasks WHERE id > ?"
                               " AND draw_id = ?", (before, draw_id))
        return {int(r[1]): int(r[0]) for r in found}

    async def add_members(self, rows: Iterable[tuple[int, int, int, str, bool, int]],
                          now: datetime) -> None:
        """(task, person, department, cert, leader, position) per member."""
        stamp = to_db_time(now)
        await self.conn.executemany(
            "INSERT INTO task_members (task_id, person_id, department_id, cert_no, leader,"
            " position, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(t, p, d, c, int(leader), pos, stamp) for t, p, d, c, leader, pos in rows])

    async def recused_members(self, draw_id: int) -> list[tuple[str, str]]:
        """(member's name, target's name) where a recusal recorded now pairs a member of
        the draw's teams with their target (one recorded after prepare: the frozen
        recusals were never drawn together). Read from the recusals, which are few."""
        rows = await self.all(
            "SELECT p.name, t.name FROM recusals r CROSS JOIN live_tasks k"
            " ON k.target_code = r.target_code AND k.draw_id = ?"
            " JOIN task_members m ON m.task_id = k.id AND m.cert_no = r.cert_no"
            " AND m.active = 1 JOIN people p ON p.id = m.person_id"
            " JOIN targets t ON t.id = k.target_id ORDER BY k.batch_order", (draw_id,))
        return [(r[0], r[1]) for r in rows]
