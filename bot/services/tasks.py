"""Drawn tasks as inspectors meet them: the notification after a draw, the card, Accept."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import html
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.clock import now as clock_now
from bot.core import Core
from bot.i18n import Translator
from bot.logs import mask_phone
from bot.rules.models import AuditAction, Person, Role
from bot.rules.records import (
    Correction,
    EarlierTask,
    FollowUpLine,
    PersonTask,
    PlanItem,
    Task,
    TaskStatus,
    TeamMember,
)
from bot.services.errors import Refusal, Refused
from bot.services.notify import enqueue_text, tell_office
from bot.services.personal import phone_reader
from bot.texts import notices
from bot.texts.aftercare import history_line
from bot.texts.labels import task_status, window_mark
from storage import ReadTx, Tx

LISTED = 30  # tasks named with a button in one notification; /tasks shows them all


def mask_code(code: str) -> str:
    """91533103****5Q7X: enough to recognise, not enough to copy."""
    return f"{code[:8]}****{code[-4:]}" if len(code) > 12 else code


def new_tasks_text(t: Translator, tasks: list[PersonTask],
                   total: int | None = None) -> str:
    """The new tasks of one person: `tasks` (at least the first LISTED) of `total`."""
    total = len(tasks) if total is None else total
    lines = [t.ngettext("🗂 You have been drawn for {n} spot-check task:",
                        "🗂 You have been drawn for {n} spot-check tasks:",
                        total).format(n=total)]
    for index, task in enumerate(tasks[:LISTED], start=1):
        role = t._("leader") if task.leader else t._("member")
        lines.append(f"{index}. <b>{html.escape(task.target_name)}</b> ·"
                     f" {task.window_start} – {task.window_due} · {role}")
    if total > LISTED:
        lines.append(t._("…and {more} more: send /tasks.").format(more=total - LISTED))
    lines.append("")
    lines.append(t._("Open each task to accept it."))
    return "\n".join(lines)


@dataclass(frozen=True)
class DrawNotices:
    """Who a draw's notification goes to: per drawn person, how many tasks and the first
    LISTED; the names of those who have no chat yet."""

    people: list[tuple[Person, int, list[PersonTask]]]  # (person, total, first tasks)
    unreachable: list[str] = field(default_factory=list)


async def draw_notices(core: Core, draw_id: int,
                       by_person: dict[int, tuple[int, list[tuple[int, bool]]]]) -> DrawNotices:
    """Each drawn person's message: their count of tasks and the first LISTED ((order,
    leader) as the draw made them), read from a snapshot once the tasks are visible.
    Access: inside the office's draw (`draws.run` checks)."""
    async with core.db.read() as rtx:
        tasks = await rtx.tasks.of_draw_by_order(
            draw_id, [order for _, listed in by_person.values() for order, _ in listed])
        people = await rtx.people.people(sorted(by_person))
    def each() -> list[tuple[Person, int, list[PersonTask]]]:  # thousands: in a thread
        return [(person, by_person[person.id][0],
                 [PersonTask(**vars(tasks[order]), leader=leader)
                  for order, leader in by_person[person.id][1]]) for person in people]

    return DrawNotices(await asyncio.to_thread(each),
                       [p.name for p in people if p.tg_user_id is None])


async def queue_draw_notices(tx: Tx, draw_id: int,
                             people: list[tuple[Person, int, list[PersonTask]]],
                             now: datetime, unreachable: list[str] | None = None) -> int:
    """One message per drawn inspector, listing all their new tasks, through the outbox
    (a message queued before is not queued again); with `unreachable`, the office is told
    who could not be. Access: inside the office's draw (`draws.run` checks)."""
    sent = 0
    for person, total, tasks in people:
        if person.tg_user_id is None:
            continue
        markup = notices.task_cards(tasks[:LISTED])
        if await enqueue_text(tx, person, f"tasks:{draw_id}:{person.id}",
                              functools.partial(new_tasks_text, tasks=tasks, total=total), now,
                              reply_markup=markup):
            sent += 1
    if unreachable:
        names = "、".join(html.escape(n) for n in unreachable)
        await tell_office(tx, f"tasks-unreachable:{draw_id}", lambda t: t.ngettext(
            "⚠️ {count} drawn inspector is not registered in Choucha yet and was not told of"
            " their tasks: {names}. Their team cannot work in Choucha until they register:"
            " send them their invite.",
            "⚠️ {count} drawn inspectors are not registered in Choucha yet and were not told"
            " of their tasks: {names}. Their teams cannot work in Choucha until they"
            " register: send them their invites.", len(unreachable)).format(
            count=len(unreachable), names=names), now,
            reply_markup=lambda t: notices.invite_draw(t, draw_id))
    return sent


@dataclass(frozen=True)
class Card:
    task: Task
    members: list[TeamMember]
    items: list[PlanItem]
    correction: Correction | None = None  # open: the submitted record is being corrected
    follow_ups: list[FollowUpLine] = field(default_factory=list)  # of the submitted record

    def member(self, person_id: int) -> TeamMember | None:
        return next((m for m in self.members if m.person_id == person_id), None)

    @property
    def all_accepted(self) -> bool:
        return all(m.accepted_at for m in self.members)


def replaceable_by(person: Person, card: Card) -> list[TeamMember]:
    """The members `person` may ask to replace on their behalf while the task is not under
    way: all of them for the office, those of their own department for a supervisor."""
    if card.task.status != TaskStatus.ASSIGNED:
        return []
    return [m for m in card.members if m.person_id != person.id and (
        person.is_office or person.has_role(Role.SUPERVISOR, m.department_id))]


def _may_view(person: Person, card: Card) -> bool:
    """The team, the office, and the supervisors of the team's departments."""
    return card.member(person.id) is not None or person.is_office or any(
        person.has_role(Role.SUPERVISOR, m.department_id) for m in card.members)


async def _card(tx: ReadTx | Tx, task_id: int) -> Card:
    task = await tx.tasks.task(task_id)
    if task is None:
        raise Refused(Refusal.UNKNOWN_TASK)
    return Card(task, await tx.tasks.members(task_id), await tx.tasks.items(task.plan_id),
                await tx.visits.correction(task_id),
                await tx.aftercare.follow_ups(task_id=task_id))


def _readable(core: Core, card: Card) -> Card:
    """The card with its members' phone numbers decrypted (shown masked)."""
    cipher = phone_reader(core.settings)
    if cipher is None:
        return card
    return dataclasses.replace(card, members=[
        dataclasses.replace(m, phone=cipher.open(m.phone)) for m in card.members])


async def card(core: Core, person: Person, task_id: int) -> Card:
    async with core.db.read() as rtx:
        found = await _card(rtx, task_id)
    if not _may_view(person, found):
        raise Refused(Refusal.NOT_MEMBER)
    return _readable(core, found)


async def accept(core: Core, person: Person, task_id: int) -> Card:
    """Record that a member accepts; when the whole team has, everyone is told.
    Access: a member of the team (checked below: `not_member`)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        found = await _card(tx, task_id)
        if found.member(person.id) is None:
            raise Refused(Refusal.NOT_MEMBER)
        if found.task.status != "assigned":
            raise Refused(Refusal.TASK_CLOSED)
        if not await tx.tasks.accept(task_id, person.id, now):
            raise Refused(Refusal.ALREADY_ACCEPTED)
        await tx.audit.append(f"person:{person.id}", AuditAction.TASK_ACCEPTED, f"task:{task_id}",
                              {},
                              now)
        found = await _card(tx, task_id)
        if found.all_accepted:
            name = html.escape(found.task.target_name)
            start = found.task.window_start
            for member in found.members:
                if member.person_id == person.id:
                    continue
                other = await tx.people.person(member.person_id)
                if other is not None:
                    await enqueue_text(
                        tx, other, f"accepted-all:{task_id}:{other.id}",
                        lambda t: t._("✅ Everyone on the team for {target} has accepted."
                                      " The visit can start from {start}: /tasks opens it.")
                        .format(target=name, start=start), now)
    return _readable(core, found)


async def my_tasks(core: Core, person: Person) -> list[PersonTask]:
    """Access: the person's own tasks."""
    async with core.db.read() as rtx:
        return await rtx.tasks.of_person(person.id)


async def earlier_checks(core: Core, card: Card) -> list[EarlierTask]:
    """Access: of a card the caller was allowed to open (`card` checks)."""
    async with core.db.read() as rtx:
        return await rtx.tasks.earlier(card.task.target_code, card.task.id)


def card_text(t: Translator, card: Card, viewer: Person, today: date | None = None) -> str:
    """A task's card; `today` marks a window not open yet or ended while the task is owed."""
    task = card.task
    mark = window_mark(t, task.window_start, task.window_due, today,
                       task.status in TaskStatus.open()) if today else ""
    lines = [
        t._("📋 <b>{target}</b>").format(target=html.escape(task.target_name)),
        t._("统一社会信用代码: {code}").format(code=mask_code(task.target_code)),
        t._("Address: {address}").format(address=html.escape(task.address or "—")),
        t._("Plan: {plan}").format(plan=html.escape(task.plan)),
        t._("Inspection window: {start} – {due}").format(start=task.window_start,
                                                          due=task.window_due),
        *([mark] if mark else []),
        "",
        t._("Items to check:"),
    ]
    for item in card.items:
        lines.append(f"• {html.escape(item.name)} ({html.escape(item.department)})")
        basis = t._("Basis:")
        lines.append(f"  {basis} {html.escape(item.basis)}")
    lines.append("")
    lines.append(t._("Team:"))
    for member in card.members:
        state = "✅" if member.accepted_at else "⏳"
        leader = f" · {t._('leader')}" if member.leader else ""
        phone = f" · {mask_phone(member.phone)}" if member.phone else ""
        lines.append(f"{state} {html.escape(member.name)} · {html.escape(member.department)}"
                     f"{leader}{phone}")
    mine = card.member(viewer.id)
    if mine is not None and mine.accepted_at:
        lines.append("")
        lines.append(t._("You have accepted this task."))
    if task.status == TaskStatus.IN_PROGRESS:
        lines.append(t._("🟢 The visit is under way."))
    elif task.status == TaskStatus.SUBMITTED and card.correction is not None:
        lines.append(t._("✏️ The check record (version {version}) is being corrected: {reason}"
                         ).format(version=card.correction.version,
                                  reason=html.escape(card.correction.reason)))
    elif task.status == TaskStatus.SUBMITTED:
        lines.append(t._("📤 The check record is submitted."))
    lines += [history_line(t, line) for line in card.follow_ups]
    return "\n".join(lines)


def details_text(t: Translator, card: Card, earlier: list[EarlierTask]) -> str:
    """预查比对: registration data, credit class, risk flags, earlier checks."""
    task = card.task
    yes, no = t._("yes"), t._("no")
    lines = [
        t._("🔎 Pre-check of <b>{target}</b>").format(target=html.escape(task.target_name)),
        t._("Registration status: {status}").format(
            status=html.escape(task.registration_status)),
        t._("Type: {type} · legal representative: {rep} · established: {date}").format(
            type=html.escape(task.entity_type or "—"),
            rep=html.escape(task.legal_rep or "—"), date=task.established or "—"),
        t._("Business scope: {scope}").format(scope=html.escape(task.scope or "—")),
        t._("Credit class: {credit} · abnormal list: {abnormal} · serious dishonesty:"
            " {dishonest} · complaints: {complaints}").format(
            credit=task.credit_class or "—", abnormal=yes if task.abnormal else no,
            dishonest=yes if task.dishonest else no, complaints=task.complaints),
        "",
    ]
    if earlier:
        lines.append(t._("Earlier checks in Choucha:"))
        lines.extend(f"• {html.escape(e.plan)} · {e.window_due} · {task_status(t, e.status)}"
                     for e in earlier)
    else:
        lines.append(t._("No earlier check in Choucha."))
    return "\n".join(lines)
