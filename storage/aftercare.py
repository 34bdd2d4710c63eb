"""After the visit: follow-ups to closure or hand-over, and the penalty decisions or
referrals of the items found in violation (003 第二十七条)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.rules.aftercare import CALLS_FOR_DECISION
from bot.rules.records import DecisionOwed, FollowUpLine, Handover
from storage.base import Repo, placeholders, to_db_time

_FOLLOW_UP = (
    "SELECT f.id, v.task_id, t.name AS target, f.item_code, i.name AS item,"
    " vi.department_id, d.name AS department, f.kind, f.due_date, f.owner,"
    " p.name AS owner_name, f.status, f.outcome, f.outcome_date, f.evidence_sha256,"
    " f.evidence_name, f.closed_at"
    " FROM follow_ups f JOIN visits v ON v.id = f.visit_id JOIN live_tasks k ON k.id = v.task_id"
    " JOIN targets t ON t.id = k.target_id"
    " JOIN visit_items vi ON vi.visit_id = f.visit_id AND vi.item_code = f.item_code"
    " JOIN items i ON i.code = f.item_code JOIN departments d ON d.id = vi.department_id"
    " JOIN people p ON p.id = f.owner"
    # Follow-ups of a submitted record only: while on site they are still being set.
    " WHERE v.status = 'submitted'"
)

# Items found in violation on a task's latest submitted record, with their decision if any.
_OWED = (
    "SELECT k.id AS task_id, t.name AS target, t.code AS target_code, vi.item_code,"
    " vi.position, vi.answerer,"
    " i.name AS item, vi.department_id, d.name AS department, vi.result, k.finished_at,"
    " x.id AS decision_id, x.kind, x.doc_no, x.decided_on, x.penalty, x.amount_fen,"
    " x.authority, x.recorded_at, x.late"
    " FROM visit_items vi JOIN visits v ON v.id = vi.visit_id JOIN live_tasks k ON k.id = v.task_id"
    " JOIN targets t ON t.id = k.target_id JOIN items i ON i.code = vi.item_code"
    " JOIN departments d ON d.id = vi.department_id"
    " LEFT JOIN decisions x ON x.task_id = k.id AND x.item_code = vi.item_code"
    " WHERE k.status = 'submitted' AND v.status = 'submitted'"
)


class AftercareRepo(Repo):
    # --------------------------------------------------------------- follow-ups
    async def follow_up(self, follow_up_id: int) -> FollowUpLine | None:
        return await self.one_as(FollowUpLine, _FOLLOW_UP + " AND f.id = ?", (follow_up_id,))

    async def follow_ups(self, owner: int | None = None,
                         departments: list[int] | None = None,
                         open_only: bool = False,
                         task_id: int | None = None) -> list[FollowUpLine]:
        """Follow-ups of an owner, of departments or of a task (None: every one), open or
        all; the open ones first, the earliest due first."""
        sql, args = _FOLLOW_UP, []
        if task_id is not None:
            sql += " AND v.task_id = ?"
            args.append(task_id)
        if owner is not None:
            sql += " AND f.owner = ?"
            args.append(owner)
        if departments is not None:
            sql += f" AND vi.department_id IN ({placeholders(departments)})"
            args += departments
        if open_only:
            sql += " AND f.status = 'open'"
        return await self.all_as(FollowUpLine, sql + " ORDER BY f.status = 'done', f.due_date,"
                                 " f.id", tuple(args))

    async def close_follow_up(self, follow_up_id: int, outcome: str, outcome_date: date,
                              evidence: tuple[str, str] | None, person_id: int,
                              now: datetime) -> bool:
        """Record the outcome; False when it was closed already."""
        changed = await self.execute(
            "UPDATE follow_ups SET status = 'done', outcome = ?, outcome_date = ?,"
            " evidence_sha256 = ?, evidence_name = ?, closed_by = ?, closed_at = ?"
            " WHERE id = ? AND status = 'open'",
            (outcome, outcome_date.isoformat(), evidence[0] if evidence else None,
             evidence[1] if evidence else None, person_id, to_db_time(now), follow_up_id))
        return changed == 1

    async def hand_over(self, follow_up_id: int, from_person: int, to_person: int,
                        reason: str, person_id: int, now: datetime) -> bool:
        """A new owner, the hand-over kept; False when it is closed or owned by another."""
        changed = await self.execute(
            "UPDATE follow_ups SET owner = ? WHERE id = ? AND status = 'open' AND owner = ?",
            (to_person, follow_up_id, from_person))
        if changed != 1:
            return False
        await self.execute(
            "INSERT INTO follow_up_handovers (follow_up_id, from_person, to_person, reason,"
            " by_person, at) VALUES (?, ?, ?, ?, ?, ?)",
            (follow_up_id, from_person, to_person, reason, person_id, to_db_time(now)))
        return True

    async def handovers(self, follow_up_id: int) -> list[Handover]:
        return await self.all_as(Handover,
            "SELECT h.reason, h.at, a.name AS from_name, b.name AS to_name"
            " FROM follow_up_handovers h JOIN people a ON a.id = h.from_person"
            " JOIN people b ON b.id = h.to_person WHERE h.follow_up_id = ? ORDER BY h.id",
            (follow_up_id,))

    # ---------------------------------------------------------------- decisions
    async def decisions(self, owed_only: bool = False,
                        item: tuple[int, int] | None = None) -> list[DecisionOwed]:
        """Items found in violation with their decision (or none yet): every one, or one
        (task, position of the item in its visit); the oldest finished first."""
        sql = _OWED + f" AND vi.result IN ({placeholders(list(CALLS_FOR_DECISION))})"
        args: list[Any] = list(CALLS_FOR_DECISION)
        if item is not None:
            sql += " AND k.id = ? AND vi.position = ?"
            args += item
        if owed_only:
            sql += " AND x.id IS NULL"
        return await self.all_as(DecisionOwed, sql + " ORDER BY k.finished_at, k.id,"
                                 " vi.position", tuple(args))

    async def add_decision(self, task_id: int, item_code: str, kind: str, decided_on: date,
                           person_id: int, now: datetime, late: bool,
                           doc_no: str | None = None, penalty: str | None = None,
                           amount_fen: int | None = None,
                           authority: str | None = None) -> int | None:
        """Record a decision; None when the item has one already."""
        exists = await self.scalar("SELECT id FROM decisions WHERE task_id = ? AND"
                                   " item_code = ?", (task_id, item_code))
        if exists is not None:
            return None
        return await self.insert(
            "INSERT INTO decisions (task_id, item_code, kind, doc_no, decided_on, penalty,"
            " amount_fen, authority, recorded_by, recorded_at, late)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (task_id, item_code, kind, doc_no, decided_on.isoformat(), penalty, amount_fen,
             authority, person_id, to_db_time(now), int(late)))
