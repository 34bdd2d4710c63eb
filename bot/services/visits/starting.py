"""Starting a visit from its task card, telling the team, and checking in on site."""

from __future__ import annotations

import functools
import html
from datetime import datetime

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules import visit as rules
from bot.rules.models import AuditAction, Conversation, Person
from bot.rules.records import TaskStatus, VisitStatus
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import enqueue_text
from bot.services.visits.state import (
    Absent,
    Screen,
    State,
    View,
    VisitStep,
    _at,
    _open_state,
    _put,
    load,
    unreachable,
)
from bot.texts import notices
from bot.texts import visits as words
from storage import Tx


async def start(core: Core, person: Person, tg_user_id: int, task_id: int,
                anyway: bool = False) -> View | Absent:
    """Open (or join) the visit of a task from its card; ask for the check-in first.
    Where a teammate cannot be reached in Choucha, say so first (`Absent`) and open the
    visit only when the person starts `anyway`.
    Access: members of the team (checked below: `not_member`)."""
    now = clock_now()
    today = core.today()
    async with core.db.transaction() as tx:
        task = await tx.tasks.task(task_id)
        if task is None:
            raise Refused(Refusal.UNKNOWN_TASK)
        members = await tx.tasks.members(task_id)
        member = next((m for m in members if m.person_id == person.id), None)
        if member is None:
            raise Refused(Refusal.NOT_MEMBER)
        visit = await tx.visits.of_task(task_id)
        if visit is not None and visit.status == VisitStatus.SUBMITTED:
            raise Refused(Refusal.SUBMITTED)
        # A submitted task's visit is open again only while its record is corrected.
        if task.status not in TaskStatus.open() and visit is None:
            raise Refused(Refusal.TASK_CLOSED)
        if today < task.window_start:
            raise Refused(Refusal.NOT_YET, start=task.window_start.isoformat())
        if not member.accepted_at:
            await tx.tasks.accept(task_id, person.id, now)
            await tx.audit.append(f"person:{person.id}", AuditAction.TASK_ACCEPTED,
                                  f"task:{task_id}",
                                  {"by": "visit"}, now)
        absent = unreachable(members, person.id)
        if visit is None and absent and not anyway:
            return Absent(task, absent)
        if visit is None:
            # Begun after the window ended: allowed, said now and on the record.
            late = today > task.window_due
            visit_id = await tx.visits.open(task_id, person.id, now, late)
            await tx.tasks.begin(task_id)
            # Who answers an item: the member of its department (第二十四条); where that
            # member cannot be reached in Choucha, or the team has none of it, whoever acts
            # for the team (the leader, or the first reachable member while the leader
            # cannot be reached: rules.visit.acting).
            reachable = [m for m in members if m not in absent]
            fallback = rules.acting(members) or member
            for position, item in enumerate(await tx.tasks.items(task.plan_id),
                                            start=1):
                answerer = next((m.person_id for m in reachable
                                 if m.department_id == item.department_id),
                                fallback.person_id)
                await tx.visits.add_item(visit_id, item.code, position,
                                         item.department_id, answerer,
                                         item.checklist_id, item.method)
            await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_STARTED,
                                  f"task:{task_id}",
                                  {"visit": visit_id, "started_late": late,
                                   "absent": [m.person_id for m in absent]}, now)
            # Read before the team is told: nothing after the notice can refuse (and roll
            # it back, tests/test_architecture.py).
            state = await load(tx, visit_id, today, core.settings.tz)
            await _tell_team_started(tx, state, person, now)
        else:
            state = await load(tx, visit.id, today, core.settings.tz)
        # A check-in where the team is on the party's premises (not for a desk or online
        # check: bot/rules/methods.py).
        if state.on_site and not any(c.person_id == person.id for c in state.checkins):
            await _at(tx, tg_user_id, state, VisitStep.CHECKIN)
            return View(Screen.CHECKIN, state)
        await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)


async def _tell_team_started(tx: Tx, state: State, starter: Person, now: datetime) -> None:
    """Every other member learns the visit began: their items and a button to their part."""
    target = html.escape(state.task.target_name)
    for member in state.members:
        if member.person_id == starter.id:
            continue
        other = await tx.people.person(member.person_id)
        if other is None:
            continue
        items = [html.escape(i.row.name) for i in state.mine(member.person_id)]

        render = functools.partial(words.started_text, name=html.escape(starter.name),
                                   target=target, items=items)

        await enqueue_text(tx, other, f"visit-started:{state.id}:{other.id}", render, now,
                           reply_markup=lambda t: notices.my_part(t, state.task.id))


async def checkin(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                  latitude: float | None, longitude: float | None,
                  reason: str | None) -> View:
    now = clock_now()
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        if reason is not None:
            reason = typed_line(reason)[:300]
            if not reason:
                raise Refused(Refusal.REASON_REQUIRED)
        flag = (rules.checkin_flag(latitude, longitude, core.settings.area)
                if latitude is not None and longitude is not None else None)
        code = flag.code if flag else None
        if await tx.visits.checkin(state.id, person.id, now, latitude, longitude, reason,
                                   code):
            await tx.audit.append(
                f"person:{person.id}", AuditAction.VISIT_CHECKED_IN, f"visit:{state.id}",
                {"latitude": latitude, "longitude": longitude, "skip_reason": reason,
                 "flag": code}, now)
        state = await load(tx, state.id, state.today, state.tz)
        await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)


async def ask_checkin_reason(core: Core, person: Person, tg_user_id: int,
                             conversation: Conversation) -> View:
    """No location to share: ask why (第二十条 wants the place recorded, or why not)."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        await _put(tx, tg_user_id, VisitStep.CHECKIN_REASON, dict(conversation.data))
        return View(Screen.CHECKIN_REASON, state)


async def home(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """Access: members of the team (checked below: `not_member`)."""
    async with core.db.transaction() as tx:
        state = await load(tx, visit_id, core.today(), core.settings.tz)
        if state.member(person.id) is None:
            raise Refused(Refusal.NOT_MEMBER)
        if state.open:
            await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)
