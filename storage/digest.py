"""Aggregates for the office's daily digest and the plan summary (one query each)."""

from __future__ import annotations

from typing import Any

from bot.rules.records import (
    DuePublication,
    FlaggedCheckin,
    Noncooperation,
    OpenRequest,
    OverdueGroup,
    PlanTasks,
    TaskLine,
)
from storage.base import Repo


class DigestRepo(Repo):
    async def count_between(self, table: str, column: str, start: str, end: str) -> int:
        """Rows of `table` whose time `column` falls in [start, end) (names are ours)."""
        assert (table, column) in {("draws", "run_at"), ("live_tasks", "created_at"),
                                   ("task_members", "accepted_at"), ("visits", "started_at"),
                                   ("live_tasks", "finished_at"), ("live_tasks", "published_at")}
        return int(await self.scalar(
            f"SELECT COUNT(*) FROM {table} WHERE {column} >= ? AND {column} < ?",
            (start, end)))

    async def statuses(self, plan_id: int | None = None) -> dict[str, int]:
        where, args = ("WHERE plan_id = ?", (plan_id,)) if plan_id else ("", ())
        return {r[0]: int(r[1]) for r in await self.all(
            f"SELECT status, COUNT(*) FROM live_tasks {where} GROUP BY status", args)}

    async def results(self, start: str | None = None, end: str | None = None,
                      plan_id: int | None = None) -> dict[str, int]:
        """Item results of submitted visits (submitted in [start, end) when given)."""
        sql = ("SELECT i.result, COUNT(*) FROM visit_items i JOIN visits v ON v.id = i.visit_id"
               " JOIN live_tasks k ON k.id = v.task_id WHERE v.status = 'submitted'")
        args: list[Any] = []
        if start and end:
            sql += " AND v.submitted_at >= ? AND v.submitted_at < ?"
            args += [start, end]
        if plan_id:
            sql += " AND k.plan_id = ?"
            args.append(plan_id)
        return {r[0]: int(r[1]) for r in await self.all(sql + " GROUP BY i.result",
                                                        tuple(args))}

    async def overdue(self, today: str, plan_id: int | None = None) -> list[OverdueGroup]:
        """Open tasks past their window, by the leader's department and the leader."""
        plan = " AND k.plan_id = ?" if plan_id else ""
        args: tuple[Any, ...] = (today, plan_id) if plan_id else (today,)
        return await self.all_as(
            OverdueGroup,
            "SELECT d.name AS department, p.name AS leader, COUNT(*) AS tasks,"
            " MIN(k.window_due) AS oldest FROM live_tasks k JOIN task_members m ON m.task_id = k.id"
            " AND m.leader = 1 AND m.active = 1 JOIN people p ON p.id = m.person_id"
            " JOIN departments d ON d.id = m.department_id"
            " WHERE k.status IN ('assigned', 'in_progress') AND k.window_due < ?" + plan +
            " GROUP BY d.name, p.name ORDER BY tasks DESC, oldest", args)

    async def open_replacements(self) -> list[OpenRequest]:
        return await self.all_as(
            OpenRequest,
            "SELECT r.created_at, p.name, t.name AS target FROM replacement_requests r"
            " JOIN people p ON p.id = r.person_id JOIN live_tasks k ON k.id = r.task_id"
            " JOIN targets t ON t.id = k.target_id WHERE r.status = 'open' ORDER BY r.id")

    async def finished_unpublished(self, plan_id: int | None = None) -> list[DuePublication]:
        plan = " AND k.plan_id = ?" if plan_id else ""
        return await self.all_as(
            DuePublication,
            "SELECT k.id, k.finished_at, t.name AS target, t.code AS target_code FROM live_tasks k"
            " JOIN targets t ON t.id = k.target_id WHERE k.status = 'submitted'"
            " AND k.published_at IS NULL" + plan + " ORDER BY k.finished_at",
            (plan_id,) if plan_id else ())

    async def noncooperation(self, start: str, end: str) -> list[Noncooperation]:
        return await self.all_as(
            Noncooperation,
            "SELECT t.name AS target, i.detail, v.submitted_at FROM visit_items i"
            " JOIN visits v ON v.id = i.visit_id JOIN live_tasks k ON k.id = v.task_id"
            " JOIN targets t ON t.id = k.target_id WHERE i.result = 'noncooperation'"
            " AND v.status = 'submitted' AND v.submitted_at >= ? AND v.submitted_at < ?"
            " ORDER BY v.submitted_at", (start, end))

    async def flagged_checkins(self, start: str, end: str) -> list[FlaggedCheckin]:
        """Check-ins with an implausible location between `start` and `end`."""
        return await self.all_as(
            FlaggedCheckin,
            "SELECT t.name AS target, p.name AS person, c.flag, c.at FROM visit_checkins c"
            " JOIN visits v ON v.id = c.visit_id JOIN live_tasks k ON k.id = v.task_id"
            " JOIN targets t ON t.id = k.target_id JOIN people p ON p.id = c.person_id"
            " WHERE c.flag IS NOT NULL AND c.at >= ? AND c.at < ? ORDER BY c.at",
            (start, end))

    async def sheet_rows(self, since: str) -> list[TaskLine]:
        """Every open task and every task finished since `since`, for the spreadsheet."""
        return await self.all_as(
            TaskLine,
            "SELECT k.id, p.name AS plan, t.code AS target_code, t.name AS target, k.status,"
            " k.window_start, k.window_due, k.finished_at, k.published_at,"
            " pe.name AS leader, d.name AS department"
            " FROM live_tasks k JOIN plans p ON p.id = k.plan_id"
            " JOIN targets t ON t.id = k.target_id"
            " LEFT JOIN task_members m ON m.task_id = k.id AND m.leader = 1 AND m.active = 1"
            " LEFT JOIN people pe ON pe.id = m.person_id"
            " LEFT JOIN departments d ON d.id = m.department_id"
            " WHERE k.status IN ('assigned', 'in_progress') OR k.finished_at >= ?"
            " ORDER BY k.window_due, k.id", (since,))

    async def plans(self) -> list[PlanTasks]:
        return await self.all_as(
            PlanTasks,
            "SELECT p.id, p.name, COUNT(k.id) AS tasks FROM plans p JOIN live_tasks k"
            " ON k.plan_id = p.id GROUP BY p.id ORDER BY p.id")
