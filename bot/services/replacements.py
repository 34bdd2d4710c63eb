"""Replacing a drawn inspector: only for the four reasons of 003 第十八条, only with the
approval of a supervisor of their department, and by a fresh random draw."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.i18n import Translator, translator_for
from bot.rules import approval
from bot.rules import draw as algo
from bot.rules.approval import ON_BEHALF_REASONS, REASONS
from bot.rules.models import AuditAction, Person, Role
from bot.rules.records import ReplacementRequest, RequestStatus, Task, TaskStatus
from bot.services import draws
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import enqueue_text, reachable, tell_office
from bot.texts import notices
from bot.texts import replacements as words
from bot.texts.labels import one_line
from storage import Tx


@dataclass(frozen=True)
class Decision:
    request_id: int
    approved: bool
    joined: str | None  # the new member's name
    nobody: bool = False  # approved, but nobody could be drawn: the request stays open
    told: tuple[str, ...] = ()  # who of those concerned got the news in Choucha
    untold: tuple[str, ...] = ()  # who could not be told (not registered, blocked)


@dataclass(frozen=True)
class Asked:
    """Where a request went: to `approvers` (those who may decide it and can be reached in
    Choucha); when there are none, to the office, with `waiting` the approvers who
    cannot be reached yet."""

    approvers: list[Person]
    waiting: list[Person]


@dataclass(frozen=True)
class Filed:
    """A request asked on a member's behalf: decided at once (the filer is their
    supervisor) or waiting for those who may approve it."""

    request_id: int
    member: str
    decision: Decision | None
    asked: Asked


async def _approvers(tx: Tx, requester: Person, task_id: int, plan_id: int) -> list[Person]:
    """Supervisors of the requester's department; the team leader of the same department
    where the office allows it for the plan; never the requester."""
    leader_may_approve = await tx.replacements.leader_may_approve(plan_id)
    leaders = [p for m in await tx.tasks.members(task_id) if m.leader and leader_may_approve
               and (p := await tx.people.person(m.person_id)) is not None]
    return approval.approvers(
        requester, await tx.people.with_role(Role.SUPERVISOR, requester.department_id),
        leaders, leader_may_approve)


async def request(core: Core, person: Person, task_id: int, reason: str,
                  note: str | None) -> Asked:
    """File a request; it goes to those who may approve it (or the office). Returns where
    it went."""
    if reason not in REASONS:
        raise Refused(Refusal.BAD_REASON)
    note = one_line(typed_line(note or ""))
    now = clock_now()
    async with core.db.transaction() as tx:
        task = await _open_task(tx, task_id, person)
        request_id = await tx.replacements.add(task_id, person.id, reason, note, now)
        await tx.audit.append(f"person:{person.id}", AuditAction.REPLACEMENT_REQUESTED,
                              f"request:{request_id}", {"task": task_id, "reason": reason},
                              now)
        return await _ask_approvers(tx, request_id, person, task, reason, note, None, now)


async def request_for(core: Core, filer: Person, task_id: int, person_id: int, reason: str,
                      note: str | None) -> Filed:
    """A supervisor of the member's department or the office asks on the member's behalf
    (未在岗 / 未注册 besides the four reasons). The member's supervisor approves by asking:
    the replacement is drawn at once; the office's request goes to the supervisors."""
    if reason not in ON_BEHALF_REASONS:
        raise Refused(Refusal.BAD_REASON)
    note = one_line(typed_line(note or ""))
    now = clock_now()
    async with core.db.transaction() as tx:
        member = await tx.people.person(person_id)
        if member is None:
            raise Refused(Refusal.NOT_MEMBER)
        if not approval.may_file_for(filer, member):
            raise Refused(Refusal.NOT_APPROVER)
        task = await _open_task(tx, task_id, member)
        request_id = await tx.replacements.add(task_id, member.id, reason, note, now,
                                               filed_by=filer.id)
        await tx.audit.append(f"person:{filer.id}", AuditAction.REPLACEMENT_REQUESTED,
                              f"request:{request_id}", {"task": task_id, "reason": reason,
                                                        "on_behalf_of": member.id}, now)
        target, name = html.escape(task.target_name), html.escape(filer.name)
        await enqueue_text(tx, member, f"rep-for:{request_id}", functools.partial(
            words.asked_for_you_text, name=name, target=target, reason=reason), now)
        if member.department_id is not None and filer.has_role(Role.SUPERVISOR,
                                                               member.department_id):
            row = await tx.replacements.get(request_id)
            assert row is not None
            decision = await _approve(core, tx, task, row, filer, member, now)
            return Filed(request_id, member.name, decision, Asked([filer], []))
        asked = await _ask_approvers(tx, request_id, member, task, reason, note, filer, now)
        return Filed(request_id, member.name, None, asked)


async def alert_absent(core: Core, reporter: Person, task_id: int,
                       person_id: int) -> list[Person]:
    """A teammate cannot take part (not registered, blocked the bot): their supervisors
    (the office where there is none) are asked whether to replace them, with a button
    that asks on the member's behalf. Returns who was told.
    Access: a member of the task's team (checked below: `not_member`)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        task = await tx.tasks.task(task_id)
        if task is None:
            raise Refused(Refusal.UNKNOWN_TASK)
        if task.status != TaskStatus.ASSIGNED:
            raise Refused(Refusal.TASK_CLOSED)
        members = await tx.tasks.members(task_id)
        if not any(m.person_id == reporter.id for m in members):
            raise Refused(Refusal.NOT_MEMBER)
        absent = next((m for m in members if m.person_id == person_id), None)
        member = await tx.people.person(person_id)
        if absent is None or member is None or person_id == reporter.id:
            raise Refused(Refusal.NOT_MEMBER)
        supervisors = [p for p in await tx.people.with_role(Role.SUPERVISOR,
                                                            member.department_id)
                       if p.id != person_id]
        await tx.audit.append(f"person:{reporter.id}", AuditAction.REPLACEMENT_SUGGESTED,
                              f"task:{task_id}", {"member": person_id}, now)
        names = {"by": html.escape(reporter.name), "name": html.escape(member.name),
                 "target": html.escape(task.target_name)}
        unreachable = absent.unreachable

        render = functools.partial(words.absent_text, unreachable=unreachable,
                                   start=task.window_start, due=task.window_due,
                                   by=names["by"], name=names["name"], target=names["target"])

        def markup(t: Translator) -> dict[str, Any]:
            return notices.replace_member(t, task_id, person_id, member.name)

        day = now.date().isoformat()
        told = []
        for supervisor in supervisors:
            if await enqueue_text(tx, supervisor, f"rep-absent:{task_id}:{person_id}:{day}:"
                                  f"{supervisor.id}", render, now, reply_markup=markup):
                told.append(supervisor)
        if not told:
            await tell_office(tx, f"rep-absent:{task_id}:{person_id}:{day}", render, now,
                              reply_markup=markup)
            told = await tx.people.with_role(Role.OFFICE)
    return told


async def _open_task(tx: Tx, task_id: int, member: Person) -> Task:
    """The task, while a replacement can still be asked for, with `member` on its team."""
    task = await tx.tasks.task(task_id)
    if task is None:
        raise Refused(Refusal.UNKNOWN_TASK)
    if task.status != TaskStatus.ASSIGNED:
        raise Refused(Refusal.TASK_CLOSED)
    if not any(m.person_id == member.id for m in await tx.tasks.members(task_id)):
        raise Refused(Refusal.NOT_MEMBER)
    if await tx.replacements.open_for(task_id, member.id) is not None:
        raise Refused(Refusal.ALREADY_REQUESTED)
    return task


async def _ask_approvers(tx: Tx, request_id: int, person: Person, task: Task,
                         reason: str, note: str | None, filer: Person | None,
                         now: datetime) -> Asked:
    """The request to each supervisor who may approve it and can be reached in Choucha;
    where none can, to the office, told who may decide it and how to reach them (003
    第十八条: the department's supervisor decides, never the office)."""
    everyone = [a for a in await _approvers(tx, person, task.id, task.plan_id)
                if filer is None or a.id != filer.id]
    approvers = [a for a in everyone if await reachable(tx, a)]
    waiting = [a for a in everyone if a not in approvers]
    render = await _request_text(tx, person, task, reason, note, filer)
    for approver in approvers:
        await _send_request(tx, approver, request_id, render, now)
    if not approvers:
        names = "、".join(html.escape(a.name) for a in waiting)

        def to_office(t: Translator) -> str:
            return render(t) + "\n\n" + words.no_approver_text(t, names if waiting else None)

        # An invite helps only who has not registered; who blocked the bot is reached
        # again (the request with them) as soon as they write to it.
        unregistered = [a for a in waiting if a.tg_user_id is None]

        def buttons(t: Translator) -> dict[str, Any]:
            return notices.invite_each(t, [(a.id, a.name) for a in unregistered])

        await tell_office(tx, f"rep-none:{request_id}", to_office, now,
                          reply_markup=buttons if unregistered else None)
    return Asked(approvers, waiting)


async def _request_text(tx: Tx, person: Person, task: Task, reason: str, note: str | None,
                        filer: Person | None) -> Callable[[Translator], str]:
    """The request as an approver reads it."""
    name, target = html.escape(person.name), html.escape(task.target_name)
    extra = html.escape(note) if note else ""
    by = html.escape(filer.name) if filer else ""
    team = "、".join(f"{html.escape(m.name)}（{html.escape(m.department)}）"
                    for m in await tx.tasks.members(task.id) if m.person_id != person.id)

    return functools.partial(words.request_text, name=name, target=target, by=by,
                             reason=reason, note=extra, start=task.window_start,
                             due=task.window_due, team=team)


def _request_key(request_id: int, approver_id: int) -> str:
    """The outbox key of a request sent to one approver (its buttons closed once decided)."""
    return f"rep:{request_id}:{approver_id}"


async def _send_request(tx: Tx, approver: Person, request_id: int,
                        render: Callable[[Translator], str], now: datetime) -> bool:
    """The request to one approver, with Approve / Reject; False when not queued."""
    return await enqueue_text(tx, approver, _request_key(request_id, approver.id), render, now,
                              reply_markup=functools.partial(notices.decide,
                                                             request_id=request_id))


async def ask_new_approver(tx: Tx, person: Person, now: datetime) -> int:
    """Someone just registered (or wrote to the bot again after blocking it): the open
    requests that wait for them as approver reach them now (once: the outbox keys them).
    Returns how many.
    Access: inside onboarding's or the account's transaction, for that person."""
    if person.department_id is None:  # every approver (supervisor, leader) has one
        return 0
    sent = 0
    for row in await tx.replacements.undecided(person.department_id):
        task = await tx.tasks.task(row.task_id)
        requester = await tx.people.person(row.person_id)
        if task is None or requester is None or task.status != TaskStatus.ASSIGNED:
            continue
        if not any(a.id == person.id for a in await _approvers(tx, requester, task.id,
                                                               task.plan_id)):
            continue
        filer = await tx.people.person(row.filed_by) if row.filed_by else None
        render = await _request_text(tx, requester, task, row.reason, row.note, filer)
        if await _send_request(tx, person, int(row.id), render, now):
            sent += 1
    return sent


async def _may_decide(tx: Tx, approver: Person, row: ReplacementRequest, plan_id: int,
                      task_id: int) -> bool:
    requester = await tx.people.person(row.person_id)
    if requester is None:
        return False
    return approval.may_decide(approver, requester,
                               await _approvers(tx, requester, task_id, plan_id),
                               approved_before=row.decided_by is not None)


async def _close_buttons(tx: Tx, request_id: int, requester: Person, task_id: int,
                         plan_id: int, decider: Person, approved: bool, now: datetime) -> None:
    """Every approver's copy of the request now says who decided it, without buttons."""
    name = html.escape(decider.name)
    for other in await _approvers(tx, requester, task_id, plan_id):
        key = _request_key(request_id, other.id)
        if await tx.outbox.withdraw(key, "decided before it was sent"):
            continue
        queued = await tx.outbox.by_key(key)
        sent_id = await tx.outbox.sent_message_id(key)
        if queued is None or sent_id is None:
            continue

        account = await tx.people.account_of_person(other.id)
        t = translator_for(account, other)
        text = words.closed_text(t, queued.payload["text"], name, approved)
        await tx.outbox.enqueue(f"rep-closed:{request_id}:{other.id}", queued.chat_id,
                                "editMessageText", {"message_id": sent_id,
                                                    "text": text, "parse_mode": "HTML"},
                                now, person_id=other.id)


async def decide(core: Core, approver: Person, request_id: int, approve: bool,
                 reject_reason: str | None = None) -> Decision:
    """The first decision wins. Approval draws the replacement (docs/draw.md)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        row = await tx.replacements.get(request_id)
        if row is None:
            raise Refused(Refusal.UNKNOWN_REQUEST)
        task = await tx.tasks.task(row.task_id)
        assert task is not None
        if not await _may_decide(tx, approver, row, task.plan_id, task.id):
            raise Refused(Refusal.NOT_APPROVER)
        if row.status != RequestStatus.OPEN:
            raise Refused(Refusal.DECIDED, by=row.decided_by_name or "")
        if task.status != TaskStatus.ASSIGNED:
            raise Refused(Refusal.TASK_CLOSED)
        requester = await tx.people.person(row.person_id)
        assert requester is not None
        target = html.escape(task.target_name)
        if not approve:
            reason = typed_line(reject_reason or "")
            if not reason:
                raise Refused(Refusal.REASON_REQUIRED)
            await tx.replacements.decide(request_id, RequestStatus.REJECTED, approver.id, now,
                                         reason)
            await _close_buttons(tx, request_id, requester, task.id, task.plan_id,
                                 approver, False, now)
            await tx.audit.append(f"person:{approver.id}", AuditAction.REPLACEMENT_REJECTED,
                                  f"request:{request_id}", {"reason": reason}, now)
            on_behalf = row.filed_by is not None
            await enqueue_text(tx, requester, f"rep-rejected:{request_id}", functools.partial(
                words.rejected_text, target=target, name=html.escape(approver.name),
                reason=html.escape(reason), on_behalf=on_behalf), now)
            return Decision(request_id, False, None)
        return await _approve(core, tx, task, row, approver, requester, now)


async def _approve(core: Core, tx: Tx, task: Task, row: ReplacementRequest,
                   approver: Person, requester: Person, now: datetime) -> Decision:
    """Draw the replacement (docs/draw.md); where nobody can be drawn the approval stands
    and the request stays open for the office."""
    request_id = int(row.id)
    target = html.escape(task.target_name)
    drawn = await _redraw(core, tx, task, row, approver, now)
    if drawn is not None:
        joined, told, untold = drawn
        await _close_buttons(tx, request_id, requester, task.id, task.plan_id,
                             approver, True, now)
        return Decision(request_id, True, joined.name, told=told, untold=untold)
    # The approval stands; the request stays open for the office, which can reject it
    # (the draw's inspector list is frozen and published, so drawing again would find
    # nobody either).
    if row.decided_by is None:
        await tx.replacements.note_approval(request_id, approver.id, now)
        await tx.audit.append(f"person:{approver.id}", AuditAction.REPLACEMENT_APPROVED,
                              f"request:{request_id}", {"drawn": None}, now)
    name = html.escape(requester.name)
    await tell_office(tx, f"rep-nobody:{request_id}", functools.partial(
        words.nobody_drawable_text, approver=html.escape(approver.name), name=name,
        target=target), now, reply_markup=lambda t: notices.decide(t, request_id))
    return Decision(request_id, True, None, nobody=True)


async def _redraw(core: Core, tx: Tx, task: Task, row: ReplacementRequest, approver: Person,
                  now: datetime) -> tuple[Person, tuple[str, ...], tuple[str, ...]] | None:
    """The replacement drawn, and who of those concerned was told and who could not be
    (None: nobody could be drawn)."""
    draw = await tx.draws.draw_by_id(task.draw_id)
    assert draw is not None  # a task exists only once its draw has run
    run = await draws.drawn(core, tx, draw)
    members = await tx.tasks.members(task.id)
    team = [algo.Member(m.cert_no, m.department_code, bool(m.leader))
            for m in members]
    out = next(m.cert_no for m in members if m.person_id == row.person_id)
    n = sum(1 for r in run.events.replacements if r["target"] == task.target_code) + 1
    # Nobody is drawn who could not act: when the draw lands on someone Choucha cannot
    # reach at this moment, it passes them over and draws again; the record lists those
    # it landed on (docs/draw.md), so that verification replays the same draw.
    reachable = await tx.replacements.reachable_certs()
    try:
        joined, passed = algo.replace_member(run.rules, run.seed, task.target_code, team,
                                             out, n, reachable=reachable.__contains__)
    except algo.DrawRefused:
        return None
    skipped = list(passed)
    person_id = await tx.replacements.person_by_cert(joined.inspector)
    departments = await tx.directory.department_ids()
    assert person_id is not None
    await tx.replacements.leave(task.id, row.person_id, now)
    await tx.replacements.join(task.id, person_id, departments[joined.department],
                               joined.inspector, joined.leader, now)
    await tx.draws.append_event(task.draw_id, "replacements", {
        "target": task.target_code, "n": n, "out": out, "in": joined.inspector,
        "reason": row.reason, "approved_by": f"person:{row.decided_by or approver.id}",
        **({"skipped": skipped} if skipped else {})})
    await tx.replacements.decide(row.id, RequestStatus.APPROVED, row.decided_by or approver.id, now,
                                 replacement=person_id)
    await tx.audit.append(f"person:{approver.id}", AuditAction.REPLACEMENT_APPROVED,
                          f"request:{row.id}", {"out": out, "in": joined.inspector, "n": n,
                                                "skipped": skipped}, now)
    newcomer = await tx.people.person(person_id)
    leaving = await tx.people.person(row.person_id)
    assert newcomer is not None and leaving is not None
    target = html.escape(task.target_name)
    names = {"out": html.escape(leaving.name), "in": html.escape(newcomer.name)}
    told: list[str] = []
    untold: list[str] = []

    async def tell(person: Person, key: str, render: Callable[[Translator], str],
                   markup: dict[str, Any] | None = None) -> None:
        sent = await enqueue_text(tx, person, key, render, now, reply_markup=markup)
        (told if sent else untold).append(person.name)

    await tell(newcomer, f"rep-joined:{row.id}", functools.partial(
        words.joined_text, out=names["out"], target=target), notices.task_cards([task]))
    await tell(leaving, f"rep-released:{row.id}", functools.partial(
        words.released_text, joined=names["in"], target=target))
    for member in members:
        if member.person_id == row.person_id:
            continue
        other = await tx.people.person(member.person_id)
        if other is not None:
            await tell(other, f"rep-team:{row.id}:{other.id}", functools.partial(
                words.team_change_text, target=target, out=names["out"], joined=names["in"]))
    return newcomer, tuple(told), tuple(untold)

