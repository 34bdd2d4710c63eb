"""What the scheduler reads: the working-day arrangements, what is due, reminders sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.rules.chase import (
    LateFollowUp,
    OpenTask,
    Reminder,
    Seat,
    Unaccepted,
    Unpublished,
    WaitingRequest,
)
from storage.base import Repo, dumps, to_db_time
from storage.rows import to_record


class ChasingRepo(Repo):
    # ----------------------------------------------------------------- calendar
    async def calendar(self) -> tuple[dict[date, bool], frozenset[int]]:
        days = {date.fromisoformat(r[0]): bool(r[1])
                for r in await self.all("SELECT day, workday FROM calendar_days")}
        years = frozenset(int(r[0]) for r in await self.all("SELECT year FROM calendar_years"))
        return days, years

    async def load_year(self, year: int, days: dict[date, bool], source: str, sha256: str,
                        by: str, now: datetime) -> None:
        await self.execute("DELETE FROM calendar_days WHERE day LIKE ?", (f"{year}-%",))
        for day, workday in sorted(days.items()):
            await self.execute("INSERT INTO calendar_days (day, workday) VALUES (?, ?)",
                               (day.isoformat(), int(workday)))
        await self.execute(
            "INSERT INTO calendar_years (year, source, sha256, loaded_by, loaded_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (year) DO UPDATE SET source = excluded.source,"
            " sha256 = excluded.sha256, loaded_by = excluded.loaded_by,"
            " loaded_at = excluded.loaded_at", (year, source, sha256, by, to_db_time(now)))

    # --------------------------------------------------------------- reminders
    async def remember(self, person_id: int, kind: str, subject: str, step: str, day: date,
                       reason: dict[str, Any], now: datetime) -> bool:
        """Record a reminder; False when this step was sent to this person today already."""
        changed = await self.execute(
            "INSERT INTO reminders (person_id, kind, subject, step, day, reason, sent_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (person_id, kind, subject, step, day.isoformat(), dumps(reason), to_db_time(now)))
        return changed == 1

    async def remember_many(self, owed: list[tuple[int, str, dict[str, Any]]], day: date,
                            now: datetime) -> set[tuple[int, str]]:
        """Record grouped reminders (person, group, reason) on `day` in one statement; the
        (person, group) of those recorded now (not by another run before)."""
        if not owed:
            return set()
        params: list[Any] = []
        for person_id, group, reason in owed:
            params += [person_id, group, group, day.isoformat(), dumps(reason),
                       to_db_time(now)]
        values = ",".join(["(?, ?, 'all', ?, ?, ?, ?)"] * len(owed))
        return {(int(r[0]), str(r[1])) for r in await self.all(
            "INSERT INTO reminders (person_id, kind, subject, step, day, reason, sent_at)"
            f" VALUES {values} ON CONFLICT DO NOTHING RETURNING person_id, kind",
            tuple(params))}

    async def reminded(self, day: date) -> set[tuple[int, str]]:
        """(person, group) of the grouped reminders recorded on `day`."""
        return {(int(r[0]), str(r[1])) for r in await self.all(
            "SELECT person_id, kind FROM reminders WHERE day = ? AND subject = 'all'",
            (day.isoformat(),))}

    async def reminders_of(self, person_id: int, limit: int = 10) -> list[Reminder]:
        return await self.all_as(Reminder, "SELECT * FROM reminders WHERE person_id = ?"
                                 " ORDER BY sent_at DESC, id DESC LIMIT ?", (person_id, limit))

    # --------------------------------------------------------------- what is due
    async def unaccepted(self) -> list[Unaccepted]:
        """Members who have not accepted a task that is still waiting."""
        return await self.all_as(Unaccepted,
            "SELECT k.id AS task_id, k.created_at, t.name AS target, m.person_id,"
            " m.department_id, p.name, (SELECT l.person_id FROM task_members l WHERE"
            " l.task_id = k.id AND l.leader = 1 AND l.active = 1) AS leader"
            " FROM task_members m JOIN live_tasks k ON k.id = m.task_id"
            " JOIN targets t ON t.id = k.target_id JOIN people p ON p.id = m.person_id"
            " WHERE m.active = 1 AND m.accepted_at IS NULL AND k.status = 'assigned'"
            " ORDER BY k.id, m.position")

    async def open_tasks(self, due_until: date) -> list[OpenTask]:
        """Open tasks whose window ends by `due_until` (or has ended), with their teams."""
        rows = await self.all(
            "SELECT k.id AS task_id, k.window_due, t.name AS target, m.person_id,"
            " m.department_id, m.leader FROM live_tasks k JOIN targets t ON t.id = k.target_id"
            " JOIN task_members m ON m.task_id = k.id AND m.active = 1"
            " WHERE k.status IN ('assigned', 'in_progress') AND k.window_due <= ?"
            " ORDER BY k.id, m.position", (due_until.isoformat(),))
        teams: dict[int, list[Seat]] = {}
        first: dict[int, aiosqlite.Row] = {}
        for row in rows:
            first.setdefault(row["task_id"], row)
            teams.setdefault(row["task_id"], []).append(to_record(Seat, row))
        return [OpenTask(task_id, row["target"], date.fromisoformat(row["window_due"]),
                         tuple(teams[task_id])) for task_id, row in first.items()]

    async def open_replacements(self) -> list[WaitingRequest]:
        return await self.all_as(
            WaitingRequest,
            "SELECT r.id, r.task_id, r.created_at, p.name, p.department_id, t.name AS target"
            " FROM replacement_requests r JOIN people p ON p.id = r.person_id"
            " JOIN live_tasks k ON k.id = r.task_id JOIN targets t ON t.id = k.target_id"
            " WHERE r.status = 'open' ORDER BY r.id")

    async def unpublished(self) -> list[Unpublished]:
        return await self.all_as(Unpublished,
            "SELECT k.id AS task_id, k.finished_at, t.name AS target FROM live_tasks k"
            " JOIN targets t ON t.id = k.target_id WHERE k.status = 'submitted'"
            " AND k.published_at IS NULL ORDER BY k.finished_at")

    async def overdue_follow_ups(self, today: date) -> list[LateFollowUp]:
        return await self.all_as(LateFollowUp,
            "SELECT f.id, f.item_code, f.due_date, f.owner, v.task_id, t.name AS target"
            " FROM follow_ups f JOIN visits v ON v.id = f.visit_id JOIN live_tasks k ON k.id ="
            " v.task_id JOIN targets t ON t.id = k.target_id WHERE f.status = 'open'"
            " AND f.due_date < ? ORDER BY f.due_date", (today.isoformat(),))
