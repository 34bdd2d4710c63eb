"""Tasks as their members see them: lists, cards, acceptance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.base import Repo, to_db_time

_TASK = (
    "SELECT k.id, k.status, k.window_start, k.window_due, k.batch_order, k.target_code,"
    " p.name AS plan, t.name AS target_name, t.address, t.credit_class, t.abnormal,"
    " t.dishonest, t.complaints, t.status AS registration_status, t.legal_rep,"
    " t.entity_type, t.established, t.scope, t.industry, t.region, k.plan_id, k.draw_id"
    " FROM tasks k JOIN plans p ON p.id = k.plan_id JOIN targets t ON t.id = k.target_id"
)


# Of a member's tasks: their items of a visit under way that still have no result.
_WAITING = (
    "(SELECT COUNT(*) FROM visit_items vi JOIN visits v ON v.id = vi.visit_id"
    " WHERE v.task_id = k.id AND v.status = 'open' AND vi.answerer = m.person_id"
    " AND vi.result IS NULL) AS my_waiting_items, "
)


class TaskRepo(Repo):
    async def task(self, task_id: int) -> dict[str, Any] | None:
        row = await self.one(f"{_TASK} WHERE k.id = ?", (task_id,))
        return dict(row) if row else None

    async def members(self, task_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.all(
            "SELECT m.person_id, m.leader, m.accepted_at, m.position, m.cert_no, p.name,"
            " m.department_id,"
            " d.name AS department, d.code AS department_code, i.phone,"
            " a.tg_user_id, a.blocked_at FROM task_members m"
            " JOIN people p ON p.id = m.person_id JOIN departments d ON d.id = m.department_id"
            " LEFT JOIN inspectors i ON i.person_id = m.person_id"
            " LEFT JOIN telegram_accounts a ON a.person_id = m.person_id"
            " WHERE m.task_id = ? AND m.active = 1 ORDER BY m.position", (task_id,))]

    async def items(self, plan_id: int) -> list[dict[str, Any]]:
        """The plan's items with their department and current checklist."""
        return [dict(r) for r in await self.all(
            "SELECT i.code, i.name, i.basis, i.department_id, i.checklist_id,"
            " d.name AS department FROM plan_items pi"
            " JOIN items i ON i.id = pi.item_id JOIN departments d ON d.id = i.department_id"
            " WHERE pi.plan_id = ? ORDER BY i.code", (plan_id,))]

    async def of_person(self, person_id: int, open_only: bool = True) -> list[dict[str, Any]]:
        """A person's tasks, the latest deadline first."""
        status = " AND k.status IN ('assigned', 'in_progress')" if open_only else ""
        return [dict(r) for r in await self.all(
            f"{_TASK.replace('SELECT ', 'SELECT m.leader, ' + _WAITING, 1)}"
            f" JOIN task_members m ON m.task_id = k.id AND m.active = 1"
            f" WHERE m.person_id = ?{status} ORDER BY k.window_due DESC, k.batch_order",
            (person_id,))]

    async def new_by_person(self, draw_id: int,
                            listed: int) -> dict[int, tuple[int, list[dict[str, Any]]]]:
        """Per member of the draw: how many tasks, and the first `listed` in batch order.

        Counted and cut in SQL: a county's draw has a hundred thousand members' rows and
        this runs inside the draw's write transaction."""
        numbered = (
            "SELECT m.task_id, m.person_id AS member, m.leader,"
            " COUNT(*) OVER (PARTITION BY m.person_id) AS total,"
            " ROW_NUMBER() OVER (PARTITION BY m.person_id ORDER BY k.batch_order) AS n"
            " FROM task_members m JOIN tasks k ON k.id = m.task_id"
            " WHERE k.draw_id = ? AND m.active = 1")
        rows = await self.all(
            f"{_TASK.replace('SELECT ', 'SELECT w.member, w.leader, w.total, w.n, ', 1)}"
            f" JOIN ({numbered}) w ON w.task_id = k.id WHERE w.n <= ?"
            f" ORDER BY w.member, w.n", (draw_id, listed))
        found: dict[int, tuple[int, list[dict[str, Any]]]] = {}
        for row in rows:
            found.setdefault(row["member"], (int(row["total"]), []))[1].append(dict(row))
        return found

    async def unregistered_members(self, draw_id: int) -> list[int]:
        """People on the draw's open tasks who have no Telegram account yet."""
        rows = await self.all(
            "SELECT DISTINCT m.person_id FROM task_members m JOIN tasks k ON k.id = m.task_id"
            " LEFT JOIN telegram_accounts a ON a.person_id = m.person_id"
            " WHERE k.draw_id = ? AND m.active = 1 AND a.tg_user_id IS NULL"
            " AND k.status IN ('assigned', 'in_progress') ORDER BY m.person_id", (draw_id,))
        return [int(r["person_id"]) for r in rows]

    async def earlier(self, target_code: str, task_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.all(
            "SELECT k.id, k.status, k.window_due, p.name AS plan FROM tasks k"
            " JOIN plans p ON p.id = k.plan_id WHERE k.target_code = ? AND k.id != ?"
            " ORDER BY k.window_due DESC", (target_code, task_id))]

    async def accept(self, task_id: int, person_id: int, now: datetime) -> bool:
        changed = await self.execute(
            "UPDATE task_members SET accepted_at = ? WHERE task_id = ? AND person_id = ?"
            " AND active = 1 AND accepted_at IS NULL", (to_db_time(now), task_id, person_id))
        return changed == 1


class ReplacementRepo(Repo):
    async def add(self, task_id: int, person_id: int, reason: str, note: str | None,
                  now: datetime, filed_by: int | None = None) -> int:
        return await self.insert(
            "INSERT INTO replacement_requests (task_id, person_id, reason, note, created_at,"
            " filed_by) VALUES (?, ?, ?, ?, ?, ?)",
            (task_id, person_id, reason, note, to_db_time(now), filed_by))

    async def get(self, request_id: int) -> dict[str, Any] | None:
        row = await self.one(
            "SELECT r.*, p.name AS person_name, p.department_id, d.name AS decided_by_name"
            " FROM replacement_requests r JOIN people p ON p.id = r.person_id"
            " LEFT JOIN people d ON d.id = r.decided_by WHERE r.id = ?", (request_id,))
        return dict(row) if row else None

    async def open_for(self, task_id: int, person_id: int) -> int | None:
        value = await self.scalar(
            "SELECT id FROM replacement_requests WHERE task_id = ? AND person_id = ?"
            " AND status = 'open'", (task_id, person_id))
        return None if value is None else int(value)

    async def decide(self, request_id: int, status: str, decided_by: int, now: datetime,
                     reject_reason: str | None = None, replacement: int | None = None) -> bool:
        changed = await self.execute(
            "UPDATE replacement_requests SET status = ?, decided_by = ?, decided_at = ?,"
            " reject_reason = ?, replacement = ? WHERE id = ? AND status = 'open'",
            (status, decided_by, to_db_time(now), reject_reason, replacement, request_id))
        return changed == 1

    async def note_approval(self, request_id: int, approver: int, now: datetime) -> None:
        """A supervisor approved, but nobody could be drawn: the request stays open."""
        await self.execute(
            "UPDATE replacement_requests SET decided_by = ?, decided_at = ? WHERE id = ?"
            " AND status = 'open'", (approver, to_db_time(now), request_id))

    async def draw_loads(self, draw_id: int) -> dict[str, int]:
        """Current assignments per 执法证号 in one draw (the loads "as they stand")."""
        rows = await self.all(
            "SELECT m.cert_no, COUNT(*) FROM task_members m JOIN tasks k ON k.id = m.task_id"
            " WHERE k.draw_id = ? AND m.active = 1 GROUP BY m.cert_no", (draw_id,))
        return {r[0]: int(r[1]) for r in rows}

    async def leave(self, task_id: int, person_id: int, now: datetime) -> None:
        await self.execute(
            "UPDATE task_members SET active = 0, left_at = ? WHERE task_id = ?"
            " AND person_id = ? AND active = 1", (to_db_time(now), task_id, person_id))

    async def join(self, task_id: int, person_id: int, department_id: int, cert: str,
                   leader: bool, now: datetime) -> None:
        position = int(await self.scalar(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM task_members WHERE task_id = ?",
            (task_id,)))
        await self.execute(
            "INSERT INTO task_members (task_id, person_id, department_id, cert_no, leader,"
            " position, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (task_id, person_id, department_id, cert, int(leader), position, to_db_time(now)))

    async def person_by_cert(self, cert: str) -> int | None:
        value = await self.scalar("SELECT person_id FROM inspectors WHERE cert_no = ?", (cert,))
        return None if value is None else int(value)

    async def open_run_draws(self) -> list[dict[str, Any]]:
        """Run draws with tasks not yet under way (where a replacement may still be drawn)."""
        return [dict(r) for r in await self.all(
            "SELECT * FROM draws d WHERE d.status = 'run' AND EXISTS (SELECT 1 FROM tasks k"
            " WHERE k.draw_id = d.id AND k.status = 'assigned') ORDER BY d.id")]

    async def add_withdrawal(self, person_id: int, cert: str, from_date: str, reason: str,
                             note: str | None, recorded_by: int | None, now: datetime) -> int:
        return await self.insert(
            "INSERT INTO withdrawals (person_id, cert_no, from_date, reason, note, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (person_id, cert, from_date, reason, note, recorded_by, to_db_time(now)))

    async def withdrawn(self, person_id: int) -> dict[str, Any] | None:
        row = await self.one("SELECT * FROM withdrawals WHERE person_id = ?"
                             " ORDER BY id DESC LIMIT 1", (person_id,))
        return dict(row) if row else None

    async def update_record(self, draw_id: int, record: str) -> None:
        await self.execute("UPDATE draws SET record = ? WHERE id = ?", (record, draw_id))

    async def draw_row(self, draw_id: int) -> dict[str, Any] | None:
        row = await self.one("SELECT * FROM draws WHERE id = ?", (draw_id,))
        return dict(row) if row else None

    async def leader_may_approve(self, plan_id: int) -> bool:
        return bool(await self.scalar("SELECT leader_may_approve FROM plans WHERE id = ?",
                                      (plan_id,)))
