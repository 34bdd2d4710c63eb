"""Visits on site: check-ins, answers, evidence, results, follow-ups, signatures, records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.rules.methods import CheckMethod
from bot.rules.models import PartySigner
from bot.rules.records import (
    Checkin,
    Correctable,
    Correction,
    Evidence,
    EvidenceKind,
    FollowUp,
    Record,
    Signature,
    SignatureKind,
    SignToken,
    TokenKind,
    Visit,
    VisitAnswer,
    VisitItem,
    VisitStatus,
)
from storage.base import Repo, dumps, to_db_time


class VisitRepo(Repo):
    # ------------------------------------------------------------------ the visit
    async def of_task(self, task_id: int) -> Visit | None:
        return await self.one_as(Visit, "SELECT * FROM visits WHERE task_id = ?", (task_id,))

    async def get(self, visit_id: int) -> Visit | None:
        return await self.one_as(Visit, "SELECT * FROM visits WHERE id = ?", (visit_id,))

    async def open(self, task_id: int, person_id: int, now: datetime,
                   started_late: bool = False) -> int:
        """A new visit of the task (the task's status is the service's to change)."""
        return await self.insert(
            "INSERT INTO visits (task_id, started_by, started_at, started_late)"
            " VALUES (?, ?, ?, ?)", (task_id, person_id, to_db_time(now), int(started_late)))

    async def add_item(self, visit_id: int, code: str, position: int, department_id: int,
                       answerer: int | None, checklist_id: int | None,
                       method: CheckMethod) -> None:
        await self.execute(
            "INSERT INTO visit_items (visit_id, item_code, position, department_id, answerer,"
            " checklist_id, method) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (visit_id, code, position, department_id, answerer, checklist_id, str(method)))

    async def items(self, visit_id: int) -> list[VisitItem]:
        return await self.all_as(VisitItem,
            "SELECT v.*, i.name, i.basis, d.name AS department, p.name AS answerer_name,"
            " c.form, c.version AS checklist_version, c.sha256 AS checklist_sha256"
            " FROM visit_items v JOIN items i ON i.code = v.item_code"
            " JOIN departments d ON d.id = v.department_id"
            " LEFT JOIN people p ON p.id = v.answerer"
            " LEFT JOIN checklists c ON c.id = v.checklist_id"
            " WHERE v.visit_id = ? ORDER BY v.position", (visit_id,))

    async def submit(self, visit_id: int, person_id: int, now: datetime) -> bool:
        """Close an open visit (the task's status is the service's to change)."""
        changed = await self.execute(
            "UPDATE visits SET status = ?, submitted_by = ?, submitted_at = ?"
            " WHERE id = ? AND status = ?",
            (VisitStatus.SUBMITTED, person_id, to_db_time(now), visit_id, VisitStatus.OPEN))
        return changed == 1

    async def set_shortcut(self, visit_id: int, shortcut: str) -> None:
        await self.execute("UPDATE visits SET shortcut = ? WHERE id = ?", (shortcut, visit_id))

    # ---------------------------------------------------------------- check-ins
    async def checkin(self, visit_id: int, person_id: int, now: datetime,
                      latitude: float | None, longitude: float | None,
                      skip_reason: str | None, flag: str | None = None) -> bool:
        changed = await self.execute(
            "INSERT INTO visit_checkins (visit_id, person_id, at, latitude, longitude,"
            " skip_reason, flag) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (visit_id, person_id, to_db_time(now), latitude, longitude, skip_reason, flag))
        return changed == 1

    async def checkins(self, visit_id: int) -> list[Checkin]:
        return await self.all_as(Checkin,
            "SELECT c.*, p.name FROM visit_checkins c JOIN people p ON p.id = c.person_id"
            " WHERE c.visit_id = ? ORDER BY c.at, c.id", (visit_id,))

    # ------------------------------------------------------------------ answers
    async def answers(self, visit_id: int) -> list[VisitAnswer]:
        return await self.all_as(VisitAnswer,
            "SELECT a.*, p.name AS answered_by_name FROM visit_answers a"
            " JOIN people p ON p.id = a.answered_by WHERE a.visit_id = ?"
            " ORDER BY a.answered_at", (visit_id,))

    async def answer(self, visit_id: int, item: str, question: str, value: str, skipped: bool,
                     person_id: int, now: datetime) -> None:
        await self.execute(
            "INSERT INTO visit_answers (visit_id, item_code, question, value, skipped,"
            " answered_by, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (visit_id, item_code, question) DO UPDATE SET value = excluded.value,"
            " skipped = excluded.skipped, answered_by = excluded.answered_by,"
            " answered_at = excluded.answered_at",
            (visit_id, item, question, value, int(skipped), person_id, to_db_time(now)))

    async def unanswer(self, visit_id: int, item: str, question: str) -> None:
        await self.execute("DELETE FROM visit_answers WHERE visit_id = ? AND item_code = ?"
                           " AND question = ?", (visit_id, item, question))

    # ----------------------------------------------------------------- evidence
    async def add_evidence(self, visit_id: int, kind: EvidenceKind, item: str | None,
                           question: str | None, file_id: str, file_unique_id: str,
                           sha256: str, person_id: int, now: datetime,
                           mime_type: str | None = None, file_name: str | None = None,
                           file_size: int | None = None) -> int:
        """A photo, document or recording kept as evidence; its type, name and size as it
        came (a photo: image/jpeg, no name)."""
        return await self.insert(
            "INSERT INTO evidence (visit_id, kind, item_code, question, file_id, file_unique_id,"
            " sha256, taken_by, taken_at, mime_type, file_name, file_size)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (visit_id, kind, item, question, file_id, file_unique_id, sha256, person_id,
             to_db_time(now), mime_type, file_name, file_size))

    async def evidence(self, visit_id: int) -> list[Evidence]:
        return await self.all_as(Evidence,
            "SELECT e.*, p.name AS taken_by_name FROM evidence e"
            " JOIN people p ON p.id = e.taken_by WHERE e.visit_id = ? AND e.removed_at IS NULL"
            " ORDER BY e.id", (visit_id,))

    async def has_evidence(self, visit_id: int, file_unique_id: str, kind: EvidenceKind,
                           item: str | None, question: str | None) -> bool:
        return await self.scalar(
            "SELECT 1 FROM evidence WHERE visit_id = ? AND file_unique_id = ? AND kind = ?"
            " AND item_code IS ? AND question IS ? AND removed_at IS NULL",
            (visit_id, file_unique_id, kind, item, question)) is not None

    async def remove_evidence(self, visit_id: int, item: str, question: str,
                              now: datetime) -> int:
        return await self.execute(
            "UPDATE evidence SET removed_at = ? WHERE visit_id = ? AND item_code = ?"
            " AND question = ? AND removed_at IS NULL", (to_db_time(now), visit_id, item,
                                                         question))

    # ------------------------------------------------------------------ results
    async def set_result(self, visit_id: int, item: str, result: str,
                         detail: dict[str, Any], person_id: int, now: datetime) -> None:
        await self.execute(
            "UPDATE visit_items SET result = ?, detail = ?, result_by = ?, result_at = ?"
            " WHERE visit_id = ? AND item_code = ?",
            (result, dumps(detail), person_id, to_db_time(now), visit_id, item))

    async def add_follow_up(self, visit_id: int, item: str, kind: str, due: str, owner: int,
                            person_id: int, now: datetime) -> None:
        await self.execute(
            "INSERT INTO follow_ups (visit_id, item_code, kind, due_date, owner, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (visit_id, item_code)"
            " DO UPDATE SET kind = excluded.kind, due_date = excluded.due_date,"
            " owner = excluded.owner, created_by = excluded.created_by,"
            " created_at = excluded.created_at",
            (visit_id, item, kind, due, owner, person_id, to_db_time(now)))

    async def drop_follow_up(self, visit_id: int, item: str) -> None:
        await self.execute("DELETE FROM follow_ups WHERE visit_id = ? AND item_code = ?"
                           " AND status = 'open'", (visit_id, item))

    async def follow_ups(self, visit_id: int) -> list[FollowUp]:
        return await self.all_as(FollowUp,
            "SELECT f.*, p.name AS owner_name FROM follow_ups f JOIN people p ON p.id = f.owner"
            " WHERE f.visit_id = ? ORDER BY f.item_code", (visit_id,))

    # --------------------------------------------------------------- signatures
    async def sign(self, visit_id: int, kind: SignatureKind, name: str, content_hash: str,
                   now: datetime, person_id: int | None = None, tg_user_id: int | None = None,
                   evidence_sha256: str | None = None, reason: str | None = None,
                   witness: str | None = None, witness_sha256: str | None = None,
                   recorded_by: int | None = None, party: PartySigner | None = None,
                   png_sha256: str | None = None, strokes_sha256: str | None = None) -> int:
        return await self.insert(
            "INSERT INTO signatures (visit_id, kind, person_id, tg_user_id, name, content_hash,"
            " signed_at, evidence_sha256, reason, witness, witness_sha256, recorded_by,"
            " party_role, id_last4, opinion, opinion_text, png_sha256, strokes_sha256)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (visit_id, kind, person_id, tg_user_id, name, content_hash, to_db_time(now),
             evidence_sha256, reason, witness, witness_sha256, recorded_by,
             party.role.value if party else None, party.id_last4 if party else None,
             party.opinion.value if party else None, party.opinion_text if party else None,
             png_sha256, strokes_sha256))

    async def signatures(self, visit_id: int, content_hash: str) -> list[Signature]:
        """The signatures given to this content (older ones are of an earlier version)."""
        return await self.all_as(Signature,
            "SELECT s.*, r.name AS recorded_by_name FROM signatures s"
            " LEFT JOIN people r ON r.id = s.recorded_by"
            " WHERE s.visit_id = ? AND s.content_hash = ? ORDER BY s.id",
            (visit_id, content_hash))

    async def add_token(self, visit_id: int, code_sha256: str, content_hash: str,
                        person_id: int, now: datetime, expires: datetime,
                        kind: TokenKind = TokenKind.QR, opened_by: int | None = None) -> int:
        return await self.insert(
            "INSERT INTO sign_tokens (visit_id, code_sha256, content_hash, created_by,"
            " created_at, expires_at, kind, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (visit_id, code_sha256, content_hash, person_id, to_db_time(now),
             to_db_time(expires), kind, opened_by))

    async def token_by_code(self, code_sha256: str) -> SignToken | None:
        return await self.one_as(SignToken, "SELECT * FROM sign_tokens WHERE code_sha256 = ?",
                                 (code_sha256,))

    async def token(self, token_id: int) -> SignToken | None:
        return await self.one_as(SignToken, "SELECT * FROM sign_tokens WHERE id = ?",
                                 (token_id,))

    async def open_token(self, token_id: int, tg_user_id: int) -> bool:
        """The first account to open a QR link holds it."""
        changed = await self.execute(
            "UPDATE sign_tokens SET opened_by = ? WHERE id = ? AND used_at IS NULL"
            " AND (opened_by IS NULL OR opened_by = ?)", (tg_user_id, token_id, tg_user_id))
        return changed == 1

    async def use_token(self, token_id: int, tg_user_id: int, now: datetime) -> bool:
        changed = await self.execute(
            "UPDATE sign_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL"
            " AND opened_by = ?", (to_db_time(now), token_id, tg_user_id))
        return changed == 1

    # ------------------------------------------------------------------ records
    async def add_record(self, visit_id: int, task_id: int, content: dict[str, Any],
                         content_hash: str, record_hash: str, pdf_sha256: str,
                         person_id: int, now: datetime) -> int:
        previous = await self.one(
            "SELECT id, version FROM records WHERE task_id = ? ORDER BY version DESC LIMIT 1",
            (task_id,))
        return await self.insert(
            "INSERT INTO records (visit_id, task_id, version, content, content_hash,"
            " record_hash, pdf_sha256, created_by, created_at, supersedes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (visit_id, task_id, (previous["version"] + 1) if previous else 1,
             dumps(content), content_hash, record_hash, pdf_sha256, person_id,
             to_db_time(now), previous["id"] if previous else None))

    async def record(self, record_id: int) -> Record | None:
        return await self.one_as(Record, "SELECT * FROM records WHERE id = ?", (record_id,))

    async def latest_record(self, task_id: int) -> Record | None:
        return await self.one_as(Record, "SELECT * FROM records WHERE task_id = ?"
                                 " ORDER BY version DESC LIMIT 1", (task_id,))

    # -------------------------------------------------------------- corrections
    async def open_correction(self, record: Record, reason: str, person_id: int,
                              now: datetime) -> int | None:
        """Open a correction of `record` and reopen its visit; None when one is open."""
        if await self.correction(record.task_id) is not None:
            return None
        opened = await self.insert(
            "INSERT INTO corrections (task_id, visit_id, record_id, reason, opened_by,"
            " opened_at) VALUES (?, ?, ?, ?, ?, ?)",
            (record.task_id, record.visit_id, record.id, reason, person_id, to_db_time(now)))
        await self.execute("UPDATE visits SET status = ? WHERE id = ?",
                           (VisitStatus.OPEN, record.visit_id))
        return opened

    async def correction(self, task_id: int) -> Correction | None:
        """The task's open correction."""
        return await self.one_as(Correction, _CORRECTION + " WHERE c.task_id = ?"
                                 " AND c.closed_at IS NULL", (task_id,))

    async def corrections(self, task_id: int) -> list[Correction]:
        return await self.all_as(Correction, _CORRECTION + " WHERE c.task_id = ?"
                                 " ORDER BY c.id", (task_id,))

    async def correctable(self, leader: int | None, limit: int) -> list[Correctable]:
        """Tasks with a submitted record, the latest first: those `leader` leads (None:
        every one, for the office)."""
        sql = ("SELECT k.id AS task_id, t.name AS target, p.name AS plan, r.version,"
               " r.created_at AS submitted_at, EXISTS (SELECT 1 FROM corrections c"
               " WHERE c.task_id = k.id AND c.closed_at IS NULL) AS correcting"
               " FROM records r JOIN live_tasks k ON k.id = r.task_id"
               " JOIN targets t ON t.id = k.target_id JOIN plans p ON p.id = k.plan_id"
               " WHERE r.version = (SELECT MAX(version) FROM records WHERE task_id = k.id)")
        args: tuple[Any, ...] = ()
        if leader is not None:
            sql += (" AND EXISTS (SELECT 1 FROM task_members m WHERE m.task_id = k.id"
                    " AND m.person_id = ? AND m.leader = 1 AND m.active = 1)")
            args = (leader,)
        return await self.all_as(Correctable, sql + " ORDER BY r.created_at DESC, k.id DESC"
                                 " LIMIT ?", (*args, limit))

    async def close_correction(self, correction_id: int, record_id: int,
                               now: datetime) -> None:
        await self.execute("UPDATE corrections SET new_record_id = ?, closed_at = ?"
                           " WHERE id = ? AND closed_at IS NULL",
                           (record_id, to_db_time(now), correction_id))


_CORRECTION = ("SELECT c.*, r.version, r.record_hash, p.name AS opened_by_name"
               " FROM corrections c JOIN records r ON r.id = c.record_id"
               " JOIN people p ON p.id = c.opened_by")
