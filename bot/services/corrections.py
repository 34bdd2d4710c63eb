"""更正: a submitted record is never edited. A correction reopens the visit for its team
with a reason; the answers and results are changed through the same steps, everyone signs
the changed content again (or the leader records why the party does not), and the next
submission is a new version of the record that supersedes the old one. Both versions stay,
frozen, with their PDFs; a result already published owes a 更正 publication
(bot/services/publication.py `correct`)."""

from __future__ import annotations

import functools
import html
from datetime import datetime

from bot.core import Core
from bot.rules.models import AuditAction, Person
from bot.rules.records import Correctable, Correction, Record, Task
from bot.rules.visit import acting
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import enqueue_text, tell_office
from bot.texts import corrections as words
from bot.texts import notices
from storage import ReadTx, Tx

LISTED = 10  # records offered for correction at once, the latest first


async def correctable(core: Core, person: Person) -> list[Correctable]:
    """The submitted records `person` may correct: those of the tasks they lead, or every
    one for the office (the latest first).
    Access: leaders see their own tasks; the office sees all (chosen below)."""
    async with core.db.read() as rtx:
        return await rtx.visits.correctable(None if person.is_office else person.id, LISTED)


async def check(core: Core, person: Person, task_id: int) -> None:
    """Whether `person` may open a correction of the task now (asked before the reason,
    so that nobody types a reason for nothing).
    Access: who acts for the team (its leader, or a member while the leader cannot be
    reached) or the office (checked below: `leader_only`)."""
    async with core.db.read() as rtx:
        await _may_open(rtx, person, task_id)


async def _may_open(tx: ReadTx | Tx, person: Person, task_id: int) -> Record:
    if await tx.tasks.task(task_id) is None:
        raise Refused(Refusal.UNKNOWN_TASK)
    members = await tx.tasks.members(task_id)
    actor = acting(members)
    if not person.is_office and (actor is None or actor.person_id != person.id):
        raise Refused(Refusal.LEADER_ONLY)
    record = await tx.visits.latest_record(task_id)
    if record is None:
        raise Refused(Refusal.NO_RECORD)
    if await tx.visits.correction(task_id) is not None:
        raise Refused(Refusal.CORRECTION_OPEN)
    return record


def clean_reason(text: str) -> str:
    reason = typed_line(text)
    if len(reason) < 4:
        raise Refused(Refusal.REASON_REQUIRED)
    return reason[:500]


async def open_correction(core: Core, person: Person, task_id: int, reason: str,
                          now: datetime) -> Correction:
    """Open a correction of the task's latest record: its visit opens again for the team.
    Access: who acts for the team (its leader, or a member while the leader cannot be
    reached) or the office (checked below: `leader_only`)."""
    reason = clean_reason(reason)
    async with core.db.transaction() as tx:
        record = await _may_open(tx, person, task_id)
        task = await tx.tasks.task(task_id)
        assert task is not None
        members = await tx.tasks.members(task_id)
        correction_id = await tx.visits.open_correction(record, reason, person.id, now)
        if correction_id is None:
            raise Refused(Refusal.CORRECTION_OPEN)
        await tx.audit.append(f"person:{person.id}", AuditAction.RECORD_CORRECTION_OPENED,
                              f"task:{task_id}",
                              {"correction": correction_id, "record": record.id,
                               "version": record.version, "reason": reason}, now)
        correction = await tx.visits.correction(task_id)
        assert correction is not None
        target = html.escape(task.target_name)
        for member in members:
            other = await tx.people.person(member.person_id)
            if other is None or other.id == person.id:
                continue

            render = functools.partial(words.opened_text, name=html.escape(person.name),
                                       target=target, version=record.version,
                                       reason=html.escape(reason))
            await enqueue_text(tx, other, f"correction:{correction_id}:{other.id}", render,
                               now, reply_markup=lambda t: notices.my_part(t, task_id))
        return correction


async def tell_office_to_republish(tx: Tx, task: Task, correction: Correction,
                                   now: datetime) -> None:
    """A published result's record was corrected: the office owes a 更正 publication.
    Access: inside the submission's transaction (the leader's checked step)."""
    target = html.escape(task.target_name)
    await tell_office(
        tx, f"republish:{correction.id}",
        functools.partial(words.republish_text, target=target, version=correction.version,
                          reason=html.escape(correction.reason)),
        now, reply_markup=notices.corrections_due)
