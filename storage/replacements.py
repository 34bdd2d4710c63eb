"""Replacement requests (the team changed after the draw), withdrawals from drawing, and
the draw rows a replacement draw needs."""

from __future__ import annotations

from datetime import datetime

from bot.rules.records import ReplacementRequest, RequestStatus, Withdrawal
from storage.base import REACHABLE, Repo, to_db_time

# A request with its requester's name and department and the decider's name.
_REQUEST = ("SELECT r.*, p.name AS person_name, p.department_id, d.name AS decided_by_name"
            " FROM replacement_requests r JOIN people p ON p.id = r.person_id"
            " LEFT JOIN people d ON d.id = r.decided_by")


class ReplacementRepo(Repo):
    async def add(self, task_id: int, person_id: int, reason: str, note: str | None,
                  now: datetime, filed_by: int | None = None) -> int:
        return await self.insert(
            "INSERT INTO replacement_requests (task_id, person_id, reason, note, created_at,"
            " filed_by) VALUES (?, ?, ?, ?, ?, ?)",
            (task_id, person_id, reason, note, to_db_time(now), filed_by))

    async def get(self, request_id: int) -> ReplacementRequest | None:
        return await self.one_as(ReplacementRequest, f"{_REQUEST} WHERE r.id = ?",
                                 (request_id,))

    async def undecided(self, department_id: int) -> list[ReplacementRequest]:
        """Open requests of members of the department that nobody has approved yet."""
        return await self.all_as(ReplacementRequest,
            f"{_REQUEST} WHERE r.status = 'open' AND r.decided_by IS NULL"
            " AND p.department_id = ? ORDER BY r.id", (department_id,))

    async def open_for(self, task_id: int, person_id: int) -> int | None:
        value = await self.scalar(
            "SELECT id FROM replacement_requests WHERE task_id = ? AND person_id = ?"
            " AND status = 'open'", (task_id, person_id))
        return None if value is None else int(value)

    async def decide(self, request_id: int, status: RequestStatus, decided_by: int, now: datetime,
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
            "SELECT m.cert_no, COUNT(*) FROM task_members m JOIN live_tasks k ON k.id = m.task_id"
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

    async def reachable_certs(self) -> set[str]:
        """The 执法证号 of inspectors Choucha can reach now (storage.base.REACHABLE)."""
        return {str(r["cert_no"]) for r in await self.all(
            "SELECT i.cert_no FROM inspectors i JOIN people p ON p.id = i.person_id"
            f" JOIN telegram_accounts a ON a.person_id = i.person_id WHERE {REACHABLE}")}

    async def person_by_cert(self, cert: str) -> int | None:
        value = await self.scalar("SELECT person_id FROM inspectors WHERE cert_no = ?", (cert,))
        return None if value is None else int(value)

    async def add_withdrawal(self, person_id: int, cert: str, from_date: str, reason: str,
                             note: str | None, recorded_by: int | None, now: datetime) -> int:
        return await self.insert(
            "INSERT INTO withdrawals (person_id, cert_no, from_date, reason, note, recorded_by,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (person_id, cert, from_date, reason, note, recorded_by, to_db_time(now)))

    async def withdrawn(self, person_id: int) -> Withdrawal | None:
        return await self.one_as(Withdrawal, "SELECT * FROM withdrawals WHERE person_id = ?"
                                 " ORDER BY id DESC LIMIT 1", (person_id,))

    async def leader_may_approve(self, plan_id: int) -> bool:
        return bool(await self.scalar("SELECT leader_may_approve FROM plans WHERE id = ?",
                                      (plan_id,)))
