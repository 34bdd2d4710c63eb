"""After the visit (003 第二十七条, “谁管辖、谁负责”): follow-ups carried to closure with
evidence or handed over with a reason, and the 行政处罚决定 or referral of each item found
in violation, recorded within 7 working days of the decision.

Who: a follow-up is handled by its owner, a supervisor of its item's department or the
office; a decision is recorded by the member who answered the item, a supervisor of its
department or the office. The views per department are the supervisors' and the office's.
"""

from __future__ import annotations

import asyncio
import functools
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from bot.core import Core
from bot.formats.tabular import xlsx_bytes
from bot.rules import aftercare as rules
from bot.rules import visit as vrules
from bot.rules.models import AuditAction, Person, Role
from bot.rules.records import DecisionOwed, FollowUpLine, FollowUpStatus, Handover
from bot.services.access import require_office
from bot.services.chasing import calendar
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import enqueue_text
from bot.texts import aftercare as aftercare_words
from bot.texts import notices
from storage.files import write_blob

MAX_EVIDENCE = 20 * 1024 * 1024


def _departments(person: Person) -> list[int] | None:
    """The departments `person` oversees: None for the office (every one)."""
    if person.is_office:
        return None
    return sorted({g.department_id for g in person.roles
                   if g.role == Role.SUPERVISOR and g.department_id is not None})


def supervises(person: Person) -> bool:
    return bool(_departments(person))


def _may_handle(person: Person, line: FollowUpLine) -> bool:
    return (person.id == line.owner or person.is_office
            or person.has_role(Role.SUPERVISOR, line.department_id))


def clean_text(text: str, least: int = 2, most: int = 1000) -> str:
    found = typed_line(text)
    if len(found) < least:
        raise Refused(Refusal.REASON_REQUIRED)
    return found[:most]


def parse_day(text: str, today: date) -> date:
    """A day as typed (full-width digits allowed); not in the future."""
    try:
        day = date.fromisoformat(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        raise Refused(Refusal.BAD_DATE) from None
    if day > today:
        raise Refused(Refusal.BAD_DATE)
    return day


# ------------------------------------------------------------------------- follow-ups

async def mine(core: Core, person: Person) -> list[FollowUpLine]:
    """The open follow-ups `person` owns.
    Access: the person's own."""
    async with core.db.read() as rtx:
        return await rtx.aftercare.follow_ups(owner=person.id, open_only=True)


@dataclass(frozen=True)
class DepartmentCount:
    department: str
    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class FollowUpOverview:
    counts: list[DepartmentCount]
    open: list[FollowUpLine]  # overdue first, then by due date


async def overview(core: Core, person: Person, today: date) -> FollowUpOverview:
    """Follow-ups per department (open, overdue, closed) and the open ones, for the office
    (every department) or a supervisor (theirs).
    Access: the office and supervisors (checked below: `not_allowed`)."""
    departments = _departments(person)
    if departments == []:
        raise Refused(Refusal.NOT_ALLOWED)
    async with core.db.read() as rtx:
        lines = await rtx.aftercare.follow_ups(departments=departments)
    counts: dict[str, list[int]] = {}
    for line in lines:
        c = counts.setdefault(line.department, [0, 0, 0])
        if line.status == FollowUpStatus.DONE:
            c[2] += 1
        else:
            c[0] += 1
            c[1] += line.overdue(today)
    still = [line for line in lines if line.status == FollowUpStatus.OPEN]
    still.sort(key=lambda line: (not line.overdue(today), line.due_date, line.id))
    return FollowUpOverview([DepartmentCount(d, *c) for d, c in sorted(counts.items())], still)


async def follow_up(core: Core, person: Person, follow_up_id: int) -> FollowUpLine:
    """One follow-up, for someone who may handle it.
    Access: its owner, a supervisor of its department or the office (checked below)."""
    async with core.db.read() as rtx:
        line = await rtx.aftercare.follow_up(follow_up_id)
    if line is None:
        raise Refused(Refusal.STALE)
    if not _may_handle(person, line):
        raise Refused(Refusal.NOT_YOURS)
    if line.status != FollowUpStatus.OPEN:
        raise Refused(Refusal.FOLLOW_UP_CLOSED)
    return line


@dataclass(frozen=True)
class EvidenceIn:
    data: bytes
    name: str  # the file's name as sent, or "photo.jpg"
    mime: str


async def close(core: Core, person: Person, follow_up_id: int, outcome: str, day: date,
                evidence: EvidenceIn | None, now: datetime) -> FollowUpLine:
    """Record what was done, on which day, with a photo or document as evidence: the
    follow-up is closed and its chase stops.
    Access: its owner, a supervisor of its department or the office (`follow_up`)."""
    line = await follow_up(core, person, follow_up_id)
    outcome = clean_text(outcome, 4)
    if day > now.astimezone(core.settings.tz).date():
        raise Refused(Refusal.BAD_DATE)
    stored = None
    if evidence is not None:
        if len(evidence.data) > MAX_EVIDENCE:
            raise Refused(Refusal.TOO_LARGE)
        sha = await asyncio.to_thread(write_blob, core.files_root, evidence.data)
        stored = (sha, evidence.name[:120])
    async with core.db.transaction() as tx:
        if stored is not None:
            await tx.files.remember(stored[0], len(evidence.data) if evidence else 0,
                                    evidence.mime if evidence else "", now)
        if not await tx.aftercare.close_follow_up(follow_up_id, outcome, day, stored,
                                                  person.id, now):
            raise Refused(Refusal.FOLLOW_UP_CLOSED)
        await tx.audit.append(f"person:{person.id}", AuditAction.FOLLOW_UP_CLOSED,
                              f"task:{line.task_id}",
                              {"follow_up": follow_up_id, "item": line.item_code,
                               "outcome_date": day.isoformat(),
                               "evidence_sha256": stored[0] if stored else None}, now)
        closed = await tx.aftercare.follow_up(follow_up_id)
    assert closed is not None
    return closed


async def successors(core: Core, person: Person,
                     follow_up_id: int) -> tuple[FollowUpLine, list[Person]]:
    """The follow-up, and who it may be handed to: the active inspectors and supervisors of
    its department, other than its owner.
    Access: as `follow_up`."""
    line = await follow_up(core, person, follow_up_id)
    return line, await _successors(core, line)


async def _successors(core: Core, line: FollowUpLine) -> list[Person]:
    async with core.db.read() as rtx:
        found = {p.id: p for role in (Role.INSPECTOR, Role.SUPERVISOR)
                 for p in await rtx.people.with_role(role, line.department_id)}
    return [p for p in found.values() if p.id != line.owner]


async def hand_over(core: Core, person: Person, follow_up_id: int, to_person: int,
                    reason: str, now: datetime) -> FollowUpLine:
    """Give a follow-up to another person of its department, with a reason; they are told.
    Access: as `follow_up`."""
    line = await follow_up(core, person, follow_up_id)
    reason = clean_text(reason, 4, 300)
    if to_person not in {p.id for p in await _successors(core, line)}:
        raise Refused(Refusal.UNKNOWN_PERSON)
    async with core.db.transaction() as tx:
        if not await tx.aftercare.hand_over(follow_up_id, line.owner, to_person, reason,
                                            person.id, now):
            raise Refused(Refusal.FOLLOW_UP_CLOSED)
        await tx.audit.append(f"person:{person.id}", AuditAction.FOLLOW_UP_HANDED_OVER,
                              f"task:{line.task_id}",
                              {"follow_up": follow_up_id, "from": line.owner,
                               "to": to_person, "reason": reason}, now)
        receiver = await tx.people.person(to_person)
        handed = await tx.aftercare.follow_up(follow_up_id)
        assert handed is not None and receiver is not None

        render = functools.partial(aftercare_words.handed_to_you_text,
                                   name=person.name, line=line, reason=reason)

        await enqueue_text(tx, receiver, f"handover:{follow_up_id}:{to_person}:{now.isoformat()}",
                           render, now, reply_markup=notices.follow_ups)
    return handed


async def handovers(core: Core, person: Person, follow_up_id: int) -> list[Handover]:
    """Access: as `follow_up` (checked by the caller's `follow_up`)."""
    async with core.db.read() as rtx:
        return await rtx.aftercare.handovers(follow_up_id)


# -------------------------------------------------------------------------- decisions

def _may_decide(person: Person, row: DecisionOwed) -> bool:
    return (person.is_office or person.has_role(Role.SUPERVISOR, row.department_id)
            or row.answerer == person.id)


async def decisions(core: Core, person: Person, owed_only: bool) -> list[DecisionOwed]:
    """Items found in violation with their decision or none yet, for who may record them:
    the office (all), supervisors (their departments), an inspector (the items they
    answered).
    Access: chosen below."""
    async with core.db.read() as rtx:
        rows = await rtx.aftercare.decisions(owed_only)
    return [r for r in rows if _may_decide(person, r)]


async def decision_item(core: Core, person: Person, task_id: int,
                        position: int) -> DecisionOwed:
    """One item owing a decision, for someone who may record it.
    Access: checked below (`not_yours`)."""
    async with core.db.read() as rtx:
        rows = await rtx.aftercare.decisions(item=(task_id, position))
    if not rows:
        raise Refused(Refusal.STALE)
    row = rows[0]
    if not _may_decide(person, row):
        raise Refused(Refusal.NOT_YOURS)
    if row.decision_id is not None:
        raise Refused(Refusal.DECIDED)
    return row


@dataclass(frozen=True)
class DecisionIn:
    kind: rules.DecisionKind
    decided_on: date
    doc_no: str | None = None
    penalty: str | None = None
    amount_fen: int | None = None
    authority: str | None = None


@dataclass(frozen=True)
class Recorded:
    row: DecisionOwed
    late: bool
    due: date  # the last day it could be recorded on in time


async def record_decision(core: Core, person: Person, task_id: int, position: int,
                          given: DecisionIn, now: datetime) -> Recorded:
    """Record the 行政处罚决定 (文书号, date, kind, amount) or the referral (authority,
    date) of an item; flagged late when recorded more than 7 working days after the
    decision (第二十七条).
    Access: as `decision_item`."""
    row = await decision_item(core, person, task_id, position)
    today = now.astimezone(core.settings.tz).date()
    if given.decided_on > today:
        raise Refused(Refusal.BAD_DATE)
    if given.kind == rules.DecisionKind.PENALTY and (
            not given.doc_no or given.penalty not in rules.PENALTIES):
        raise Refused(Refusal.REQUIRED)
    if given.kind == rules.DecisionKind.REFERRAL and not given.authority:
        raise Refused(Refusal.REQUIRED)
    async with core.db.transaction() as tx:
        cal = await calendar(tx)
        late = rules.recorded_late(cal, given.decided_on, today)
        decision_id = await tx.aftercare.add_decision(
            task_id, row.item_code, given.kind, given.decided_on, person.id, now, late,
            doc_no=given.doc_no, penalty=given.penalty, amount_fen=given.amount_fen,
            authority=given.authority)
        if decision_id is None:
            raise Refused(Refusal.DECIDED)
        await tx.audit.append(f"person:{person.id}", AuditAction.DECISION_RECORDED,
                              f"task:{task_id}",
                              {"decision": decision_id, "item": row.item_code,
                               "kind": given.kind, "decided_on": given.decided_on.isoformat(),
                               "late": late}, now)
        return Recorded(row, late, rules.decision_due(cal, given.decided_on))


DECISION_HEADERS = ["统一社会信用代码", "企业名称", "抽查事项", "检查部门", "检查结果", "处理方式",
                    "行政处罚决定书文号", "处罚种类", "罚款金额（元）", "决定或移送日期",
                    "移送机关", "录入日期", "是否超过7个工作日"]


async def decisions_xlsx(core: Core, person: Person) -> bytes:
    """The recorded decisions and referrals, one row per item, for the 部门协同监管平台
    (第二十七条), in a sheet of their own.
    Access: the office (checked below)."""
    require_office(person)
    async with core.db.read() as rtx:
        rows = [r for r in await rtx.aftercare.decisions() if r.decision_id is not None]
    tz = core.settings.tz
    return xlsx_bytes("行政处罚及移送", DECISION_HEADERS, [
        [r.target_code, r.target, r.item, r.department, vrules.RESULTS[r.result][0],
         "行政处罚" if r.kind == rules.DecisionKind.PENALTY else "移送",
         r.doc_no or "", rules.PENALTIES[r.penalty][0] if r.penalty else "",
         r.amount_fen / 100 if r.amount_fen is not None else "",
         r.decided_on.isoformat() if r.decided_on else "", r.authority or "",
         r.recorded_at.astimezone(tz).date().isoformat() if r.recorded_at else "",
         "是" if r.late else "否"] for r in rows])
