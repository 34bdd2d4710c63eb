"""Drawn tasks as inspectors meet them: the notification after a draw, the card, Accept."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import html
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.methods import CheckMethod
from bot.rules.models import AuditAction, Person, Role
from bot.rules.records import (
    Card,
    EarlierTask,
    PersonTask,
    TaskStatus,
    TeamMember,
)
from bot.services.errors import Refusal, Refused
from bot.services.notify import enqueue_text, tell_office
from bot.services.personal import phone_reader
from bot.texts import notices
from bot.texts import tasks as words
from bot.texts.tasks import LISTED
from storage import ReadTx, Tx


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
                              functools.partial(words.new_tasks_text, tasks=tasks,
                                                total=total), now, reply_markup=markup):
            sent += 1
    if unreachable:
        names = "、".join(html.escape(n) for n in unreachable)
        await tell_office(tx, f"tasks-unreachable:{draw_id}", functools.partial(
            words.unreachable_drawn_text, names=names, count=len(unreachable)), now,
            reply_markup=lambda t: notices.invite_draw(t, draw_id))
    return sent


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
    items = await tx.tasks.items(task.plan_id)
    visit = await tx.visits.of_task(task_id)
    if visit is not None:  # begun: each item as the visit fixed it (not as the plan says now)
        # (a visit begun before methods were recorded was on site)
        fixed = {i.item_code: i.method or CheckMethod.ON_SITE
                 for i in await tx.visits.items(visit.id)}
        items = [dataclasses.replace(i, planned=fixed.get(i.code, i.method)) for i in items]
    return Card(task, await tx.tasks.members(task_id), items,
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
        if found.task.status != TaskStatus.ASSIGNED:
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
                        functools.partial(words.all_accepted_text, target=name, start=start),
                        now)
    return _readable(core, found)


async def my_tasks(core: Core, person: Person) -> list[PersonTask]:
    """Access: the person's own tasks."""
    async with core.db.read() as rtx:
        return await rtx.tasks.of_person(person.id)


async def earlier_checks(core: Core, card: Card) -> list[EarlierTask]:
    """Access: of a card the caller was allowed to open (`card` checks)."""
    async with core.db.read() as rtx:
        return await rtx.tasks.earlier(card.task.target_code, card.task.id)
