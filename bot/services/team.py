"""/team: a supervisor's day — the replacement requests waiting for their decision, their
departments' tasks by status (the overdue first), and their people not yet registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.chase import WaitingRequest
from bot.rules.models import Person, Role, RosterEntry
from bot.rules.records import DepartmentTasks, OverdueTask
from bot.services.errors import Refusal, Refused

LISTED = 10


@dataclass(frozen=True)
class TeamView:
    departments: list[str]
    approvals: list[WaitingRequest]
    tasks: DepartmentTasks
    overdue: list[OverdueTask]  # the longest overdue first, at most LISTED
    unregistered: list[RosterEntry]


async def overview(core: Core, person: Person, today: date) -> TeamView:
    """What waits for a supervisor in their departments (the office: every department).
    Access: supervisors and the office (checked below: `not_allowed`)."""
    async with core.db.read() as rtx:
        if person.is_office:
            departments = [d.id for d in await rtx.people.departments()]
        else:
            departments = sorted({g.department_id for g in person.roles
                                  if g.role == Role.SUPERVISOR and g.department_id is not None})
        if not departments:
            raise Refused(Refusal.NOT_ALLOWED)
        names = [d.name for d in await rtx.people.departments() if d.id in departments]
        approvals = [r for r in await rtx.chasing.open_replacements()
                     if r.department_id in departments]
        tasks = await rtx.tasks.of_departments(departments, today)
        overdue = await rtx.tasks.overdue_of_departments(departments, today, LISTED)
        unregistered = [e for d in departments
                        for e in await rtx.people.roster(clock_now(), d, unregistered=True)]
    return TeamView(names, approvals, tasks, overdue, unregistered)
