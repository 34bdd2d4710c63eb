"""Publications (一公开): results posted, withheld with a reason, corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.rules.records import (
    CorrectionDue,
    DuePublication,
    Publication,
    PublicationKind,
    WithheldResult,
)
from storage.base import Repo, dumps, to_db_time


class PublicationRepo(Repo):
    async def due(self) -> list[DuePublication]:
        """Finished tasks not yet published or withheld, the oldest first."""
        return await self.all_as(DuePublication,
            "SELECT k.id, k.finished_at, t.name AS target, t.code AS target_code"
            " FROM live_tasks k JOIN targets t ON t.id = k.target_id WHERE k.status = 'submitted'"
            " AND k.published_at IS NULL ORDER BY k.finished_at, k.id")

    async def add(self, task_id: int, kind: PublicationKind, content: dict[str, Any], by: str,
                  now: datetime, reason: str | None = None,
                  supersedes: int | None = None) -> int:
        publication_id = await self.insert(
            "INSERT INTO publications (task_id, kind, content, reason, supersedes, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (task_id, kind, dumps(content), reason, supersedes, by, to_db_time(now)))
        await self.execute("UPDATE tasks SET published_at = COALESCE(published_at, ?)"
                           " WHERE id = ?", (to_db_time(now), task_id))
        return publication_id

    async def latest(self, task_id: int) -> Publication | None:
        return await self.one_as(Publication, "SELECT * FROM publications WHERE task_id = ?"
                                 " ORDER BY id DESC LIMIT 1", (task_id,))

    async def shown(self, task_id: int) -> Publication | None:
        """The task's latest publication, when it is one the public sees (not withheld)."""
        found = await self.latest(task_id)
        return found if found is not None and found.kind != PublicationKind.WITHHELD else None

    async def to_correct(self, task_id: int | None = None) -> list[CorrectionDue]:
        """Published results (of one task, when given) whose record has a newer version than
        the one published: a 更正 publication is owed. With the reason of the record's
        latest correction."""
        one = "" if task_id is None else " AND p.task_id = ?"
        return await self.all_as(CorrectionDue,
            "SELECT p.task_id, p.id AS publication_id, t.name AS target,"
            " r.version, c.reason FROM publications p JOIN live_tasks k ON k.id = p.task_id"
            " JOIN targets t ON t.id = k.target_id"
            " JOIN records r ON r.task_id = p.task_id AND r.version ="
            " (SELECT MAX(version) FROM records WHERE task_id = p.task_id)"
            " JOIN corrections c ON c.new_record_id = r.id"
            " WHERE p.kind IN ('result', 'correction') AND p.id IN"
            " (SELECT MAX(id) FROM publications GROUP BY task_id)"
            " AND json_extract(p.content, '$.record_hash') <> r.record_hash" + one
            + " ORDER BY c.closed_at, p.task_id", () if task_id is None else (task_id,))

    async def withheld(self, task_id: int | None = None) -> list[WithheldResult]:
        """Results (of one task, when given) kept out of publication, with their reasons
        (latest publication)."""
        one = "" if task_id is None else " AND p.task_id = ?"
        return await self.all_as(WithheldResult,
            "SELECT p.task_id, p.id AS publication_id, t.name AS target, p.reason,"
            " p.created_by, p.created_at FROM publications p JOIN live_tasks k ON k.id = p.task_id"
            " JOIN targets t ON t.id = k.target_id WHERE p.kind = 'withheld' AND p.id IN"
            " (SELECT MAX(id) FROM publications GROUP BY task_id)" + one + " ORDER BY p.id",
            () if task_id is None else (task_id,))

    async def of_target(self, target_code: str) -> list[Publication]:
        """The latest publication of each task of a target (a correction replaces)."""
        return await self.all_as(Publication,
            "SELECT p.* FROM publications p JOIN live_tasks k ON k.id = p.task_id"
            " WHERE k.target_code = ? AND p.id IN (SELECT MAX(id) FROM publications"
            " GROUP BY task_id) ORDER BY p.id", (target_code,))

    async def published(self, since: str | None = None) -> list[Publication]:
        """The latest publication of every published task (withheld ones left out)."""
        sql = ("SELECT p.*, k.target_code FROM publications p JOIN live_tasks k ON k.id = p.task_id"
               " WHERE p.kind IN ('result', 'correction') AND p.id IN"
               " (SELECT MAX(id) FROM publications GROUP BY task_id)")
        args: tuple[Any, ...] = ()
        if since:
            sql += " AND p.created_at >= ?"
            args = (since,)
        return await self.all_as(Publication, sql + " ORDER BY p.id", args)
