"""Tasks as their members see them: lists, cards, acceptance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.rules.records import (
    DepartmentTasks,
    EarlierTask,
    OverdueTask,
    PersonTask,
    PlanItem,
    Task,
    TaskStatus,
    TeamMember,
)
from storage.base import REACHABLE, Repo, placeholders, to_db_time

_TASK = (
    "SELECT k.id, k.status, k.window_start, k.window_due, k.batch_order, k.target_code,"
    " p.name AS plan, t.name AS target_name, t.address, t.credit_class, t.abnormal,"
    " t.dishonest, t.complaints, t.status AS registration_status, t.legal_rep,"
    " t.entity_type, t.established, t.scope, t.industry, t.region, k.plan_id, k.draw_id"
    " FROM live_tasks k JOIN plans p ON p.id = k.plan_id JOIN targets t ON t.id = k.target_id"
)


# Of a member's tasks: their items of a visit under way that still have no result.
_WAITING = (
    "(SELECT COUNT(*) FROM visit_items vi JOIN visits v ON v.id = vi.visit_id"
    " WHERE v.task_id = k.id AND v.status = 'open' AND vi.answerer = m.person_id"
    " AND vi.result IS NULL) AS my_waiting_items, "
)


def _of_departments(departments: list[int]) -> str:
    return ("EXISTS (SELECT 1 FROM task_members d WHERE d.task_id = k.id AND d.active = 1"
            f" AND d.department_id IN ({placeholders(departments)}))")


class TaskRepo(Repo):
    async def of_departments(self, departments: list[int], today: date) -> DepartmentTasks:
        """How the tasks with a member of these departments stand."""
        return await self.one_as(DepartmentTasks,
            "SELECT COALESCE(SUM(k.status IN ('assigned', 'in_progress') AND k.window_due < ?),"
            " 0) AS overdue, COALESCE(SUM(k.status = 'assigned'), 0) AS assigned,"
            " COALESCE(SUM(k.status = 'in_progress'), 0) AS in_progress,"
            " COALESCE(SUM(k.status = 'submitted'), 0) AS submitted FROM live_tasks k WHERE "
            + _of_departments(departments), (today.isoformat(), *departments)) \
            or DepartmentTasks(0, 0, 0, 0)

    async def overdue_of_departments(self, departments: list[int], today: date,
                                     limit: int) -> list[OverdueTask]:
        """Owed tasks whose window ended, the longest overdue first."""
        return await self.all_as(OverdueTask,
            "SELECT k.id, t.name AS target, k.window_due, (SELECT p.name FROM task_members l"
            " JOIN people p ON p.id = l.person_id WHERE l.task_id = k.id AND l.leader = 1"
            " AND l.active = 1) AS leader FROM live_tasks k JOIN targets t ON t.id = k.target_id"
            " WHERE k.status IN ('assigned', 'in_progress') AND k.window_due < ? AND "
            + _of_departments(departments) + " ORDER BY k.window_due, k.id LIMIT ?",
            (today.isoformat(), *departments, limit))

    async def move_window(self, plan_id: int, start: str, due: str) -> dict[int, list[str]]:
        """The plan's tasks not begun yet get the window `start`–`due` (ISO dates): a visit
        under way keeps its window, which its record and signatures hold. Returns, for
        each person on the team of a task that changed, the targets of those tasks."""
        ids = [int(r["id"]) for r in await self.all(
            "SELECT id FROM live_tasks WHERE plan_id = ? AND status = 'assigned'"
            " AND (window_start != ? OR window_due != ?)",
            (plan_id, start, due))]
        told: dict[int, list[str]] = {}
        for first in range(0, len(ids), 500):
            chunk = ids[first:first + 500]
            marks = ",".join("?" * len(chunk))
            await self.execute(f"UPDATE tasks SET window_start = ?, window_due = ?"
                               f" WHERE id IN ({marks})",
                               (start, due, *chunk))
            for row in await self.all(
                    f"SELECT m.person_id, t.name FROM task_members m JOIN live_tasks k ON k.id ="
                    f" m.task_id JOIN targets t ON t.id = k.target_id WHERE m.active = 1"
                    f" AND m.task_id IN ({marks}) ORDER BY m.person_id, k.batch_order",
                    tuple(chunk)):
                told.setdefault(int(row["person_id"]), []).append(str(row["name"]))
        return told

    async def task(self, task_id: int) -> Task | None:
        return await self.one_as(Task, f"{_TASK} WHERE k.id = ?", (task_id,))

    async def members(self, task_id: int) -> list[TeamMember]:
        return await self.all_as(TeamMember,
            "SELECT m.person_id, m.leader, m.accepted_at, m.position, m.cert_no, p.name,"
            " m.department_id,"
            " d.name AS department, d.code AS department_code, i.phone,"
            f" a.tg_user_id, a.blocked_at, {REACHABLE} AS reachable, p.active"
            " FROM task_members m"
            " JOIN people p ON p.id = m.person_id JOIN departments d ON d.id = m.department_id"
            " LEFT JOIN inspectors i ON i.person_id = m.person_id"
            " LEFT JOIN telegram_accounts a ON a.person_id = m.person_id"
            " WHERE m.task_id = ? AND m.active = 1 ORDER BY m.position", (task_id,))

    async def items(self, plan_id: int) -> list[PlanItem]:
        """The plan's items with their department and current checklist."""
        return await self.all_as(PlanItem,
            "SELECT i.code, i.name, i.basis, i.department_id, i.checklist_id,"
            " d.name AS department, i.method AS method_text, pi.method AS planned"
            " FROM plan_items pi"
            " JOIN items i ON i.id = pi.item_id JOIN departments d ON d.id = i.department_id"
            " WHERE pi.plan_id = ? ORDER BY i.code", (plan_id,))

    async def of_person(self, person_id: int, open_only: bool = True) -> list[PersonTask]:
        """A person's tasks, the latest deadline first."""
        status = (" AND (k.status IN ('assigned', 'in_progress') OR EXISTS (SELECT 1 FROM"
                  " corrections c WHERE c.task_id = k.id AND c.closed_at IS NULL))"
                  if open_only else "")
        return await self.all_as(PersonTask,
            f"{_TASK.replace('SELECT ', 'SELECT m.leader, ' + _WAITING, 1)}"
            f" JOIN task_members m ON m.task_id = k.id AND m.active = 1"
            f" WHERE m.person_id = ?{status} ORDER BY k.window_due DESC, k.batch_order",
            (person_id,))

    async def of_draw_by_order(self, draw_id: int, orders: Sequence[int]) -> dict[int, Task]:
        """The draw's tasks with these batch orders, by order."""
        found: dict[int, Task] = {}
        wanted = sorted(set(orders))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for task in await self.all_as(
                    Task, f"{_TASK} WHERE k.draw_id = ? AND k.batch_order IN"
                    f" ({','.join('?' * len(chunk))})", (draw_id, *chunk)):
                found[task.batch_order] = task
        return found

    async def count_of_draw(self, draw_id: int) -> int:
        return int(await self.scalar("SELECT COUNT(*) FROM live_tasks WHERE draw_id = ?",
                                     (draw_id,)))

    async def unregistered_members(self, draw_id: int) -> list[int]:
        """People on the draw's open tasks who have no Telegram account yet."""
        rows = await self.all(
            "SELECT DISTINCT m.person_id FROM task_members m JOIN live_tasks k ON k.id = m.task_id"
            " LEFT JOIN telegram_accounts a ON a.person_id = m.person_id"
            " WHERE k.draw_id = ? AND m.active = 1 AND a.tg_user_id IS NULL"
            " AND k.status IN ('assigned', 'in_progress') ORDER BY m.person_id", (draw_id,))
        return [int(r["person_id"]) for r in rows]

    async def earlier(self, target_code: str, task_id: int) -> list[EarlierTask]:
        return await self.all_as(EarlierTask,
            "SELECT k.id, k.status, k.window_due, p.name AS plan FROM live_tasks k"
            " JOIN plans p ON p.id = k.plan_id WHERE k.target_code = ? AND k.id != ?"
            " ORDER BY k.window_due DESC", (target_code, task_id))

    async def accept(self, task_id: int, person_id: int, now: datetime) -> bool:
        changed = await self.execute(
            "UPDATE task_members SET accepted_at = ? WHERE task_id = ? AND person_id = ?"
            " AND active = 1 AND accepted_at IS NULL", (to_db_time(now), task_id, person_id))
        return changed == 1

    async def begin(self, task_id: int) -> None:
        """The visit opened: the task is under way."""
        await self.execute("UPDATE tasks SET status = ? WHERE id = ? AND status = ?",
                           (TaskStatus.IN_PROGRESS, task_id, TaskStatus.ASSIGNED))

    async def finish(self, task_id: int, now: datetime) -> None:
        """The record was submitted."""
        await self.execute("UPDATE tasks SET status = ?, finished_at = ? WHERE id = ?",
                           (TaskStatus.SUBMITTED, to_db_time(now), task_id))
