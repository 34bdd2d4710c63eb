"""The chase's ladder as rules: for one thing waiting (a task not accepted, a window closing,
a replacement request, a result to publish, a follow-up), who is reminded today and why.

Pure: each rule takes the waiting thing, the working-day calendar, the ladder's settings,
the local time now and who holds which role, and returns the reminders owed. Stored
times are UTC; each rule reads them in the time zone of `now`. The
scheduler (bot/services/chasing.py) reads what waits, asks these rules, groups the answers
into one message per person and records what it sends."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from bot.rules.records import DecisionOwed
from bot.rules.workdays import Calendar


@dataclass(frozen=True)
class Chase:
    """When the scheduler reminds and escalates (working days unless said otherwise)."""

    opens: time = time(8, 30)
    closes: time = time(18, 0)
    digest_at: time = time(8, 30)
    interval: float = 300.0  # seconds between scheduler runs
    accept_remind: int = 1
    accept_escalate: int = 2
    due_remind: tuple[int, ...] = (3, 1)
    replacement_hours: float = 4.0
    replacement_escalate: int = 1
    publish_within: int = 20  # 003 第二十五条
    publish_warn: int = 5
    plan_by: tuple[int, int] = (3, 30)  # (month, day): the year's plan published (003 第十一条)
    plan_warn: int = 10  # working days before it the office is reminded


class DueKind(enum.StrEnum):
    """What a reminder is about (one of the seven rules below)."""

    ACCEPT = "accept"
    TASK = "task"  # its inspection window: closing soon, or over
    REPLACEMENT = "replacement"
    PUBLISH = "publish"
    FOLLOW_UP = "follow_up"
    DECISION = "decision"
    PLAN = "plan"  # the year's plan, to publish by its date


class Group(enum.StrEnum):
    """The reminders one message gathers for one person."""

    ACCEPT = "accept"
    WINDOW = "window"
    OVERDUE = "overdue"
    APPROVALS = "approvals"
    PUBLISH = "publish"
    FOLLOW_UP = "follow_up"
    DECISION = "decision"
    PLAN = "plan"


class Rule(enum.StrEnum):
    """Which rule of the ladder a reminder follows (kept with it, so that /reminders says
    why)."""

    ACCEPT = "accept"
    DUE = "due"  # a window closing
    OVERDUE = "overdue"
    REPLACEMENT = "replacement"
    PUBLISH = "publish"
    PUBLISH_LATE = "publish_late"
    FOLLOW_UP = "follow_up"
    DECISION = "decision"
    PLAN = "plan"  # the year's plan, not published and due soon
    PLAN_LATE = "plan_late"


class Step(enum.StrEnum):
    """The step of the ladder: reminded, escalated, or the state of a window or a
    deadline."""

    REMIND = "remind"
    ESCALATE = "escalate"
    CLOSING = "due"  # a window closing in n working days, kept as `due-<n>`
    OVERDUE = "overdue"
    SOON = "soon"
    LATE = "late"
    OWED = "owed"

    @classmethod
    def of(cls, stored: str) -> Step:
        return cls.CLOSING if stored.startswith("due-") else cls(stored)


@dataclass(frozen=True)
class Why:
    """Why a reminder is owed: its rule and the facts its sentence names."""

    rule: Rule
    target: str
    name: str | None = None
    days: int | None = None  # working days waited, left, or late
    since: date | None = None
    due: date | None = None
    hours: float | None = None
    item: str | None = None

    def stored(self) -> dict[str, Any]:
        """As kept in the reminders table (JSON): only the facts this rule names."""
        out: dict[str, Any] = {"rule": str(self.rule), "target": self.target}
        for key in ("name", "days", "since", "due", "hours", "item"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.isoformat() if isinstance(value, date) else value
        return out

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Why:
        def day(key: str) -> date | None:
            value = data.get(key)
            return date.fromisoformat(value) if isinstance(value, str) else None

        days, hours = data.get("days"), data.get("hours")
        return cls(Rule(data["rule"]), str(data.get("target", "")),
                   _text(data.get("name")), days if isinstance(days, int) else None,
                   day("since"), day("due"),
                   float(hours) if isinstance(hours, int | float) else None,
                   _text(data.get("item")))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Due:
    """One reminder owed to one person: the thing, the step of the ladder, why."""

    person_id: int
    kind: DueKind
    subject: str
    step: Step
    reason: Why
    task_id: int | None = None

    @property
    def key(self) -> str:
        """The step as kept: `due-<n>` for a window closing in n working days."""
        if self.step is Step.CLOSING:
            return f"due-{self.reason.days}"
        return str(self.step)


LISTED = 8  # lines in a grouped reminder; the rest are counted


@dataclass
class Owed:
    """What one person is reminded of in one message: a group, how many, the first few."""

    person_id: int
    group: Group
    count: int = 0
    items: list[Due] = field(default_factory=list)

    def reason(self) -> dict[str, Any]:
        """As kept in the reminders table (JSON)."""
        return {"group": self.group, "count": self.count, "items": [
            {"kind": d.kind, "subject": d.subject, "step": d.key, "reason": d.reason.stored(),
             "task": d.task_id} for d in self.items]}

    @classmethod
    def from_stored(cls, kind: str, step: str, reason: Mapping[str, Any]) -> Owed:
        """A kept reminder read back: grouped, or (kept before grouping) single."""
        if "items" not in reason:
            due = Due(0, DueKind(kind), "", Step.of(step), Why.from_stored(reason))
            return cls(0, group_of(due), 1, [due])
        return cls(0, Group(str(reason.get("group", kind))), int(reason.get("count", 0)), [
            Due(0, DueKind(i["kind"]), i["subject"], Step.of(i["step"]),
                Why.from_stored(i["reason"]), i.get("task")) for i in reason["items"]])


def group_of(due: Due) -> Group:
    if due.kind == DueKind.TASK:
        return Group.OVERDUE if due.step is Step.OVERDUE else Group.WINDOW
    return {DueKind.ACCEPT: Group.ACCEPT, DueKind.REPLACEMENT: Group.APPROVALS,
            DueKind.PUBLISH: Group.PUBLISH, DueKind.DECISION: Group.DECISION,
            DueKind.FOLLOW_UP: Group.FOLLOW_UP, DueKind.PLAN: Group.PLAN}[due.kind]


@dataclass(frozen=True)
class Roles:
    """Who is told beyond the people named on the thing: supervisors per department and
    the office."""

    supervisors: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    office: tuple[int, ...] = ()

    def supervisors_of(self, *departments: int) -> set[int]:
        return {p for d in departments for p in self.supervisors.get(d, ())}


@dataclass(frozen=True)
class Reminder:
    """A reminder as sent (one message to one person for one group on one day)."""

    id: int
    person_id: int
    kind: str  # its Group (or, kept before grouping, its DueKind)
    subject: str
    step: str
    day: date
    reason: dict[str, Any]
    sent_at: datetime

    def owed(self) -> Owed:
        """What it reminded of, typed again."""
        return Owed.from_stored(self.kind, self.step, self.reason)


# ---------------------------------------------------------------- what waits, typed

@dataclass(frozen=True)
class Unaccepted:
    """A member who has not accepted a task that is still waiting."""

    task_id: int
    target: str
    created_at: datetime  # when the task was drawn
    person_id: int
    name: str
    department_id: int
    leader: int | None  # the task's leader


@dataclass(frozen=True)
class Seat:
    """A member of an open task's team."""

    person_id: int
    department_id: int
    leader: bool


@dataclass(frozen=True)
class OpenTask:
    """A task still owed whose window ends soon or has ended."""

    task_id: int
    target: str
    window_due: date
    team: tuple[Seat, ...]


@dataclass(frozen=True)
class WaitingRequest:
    """A replacement request nobody has decided."""

    id: int
    task_id: int
    target: str
    name: str  # the member to be replaced
    department_id: int
    created_at: datetime


@dataclass(frozen=True)
class Unpublished:
    task_id: int
    target: str
    finished_at: datetime  # when the record was submitted


@dataclass(frozen=True)
class LateFollowUp:
    id: int
    task_id: int
    target: str
    item_code: str
    due_date: date
    owner: int


# --------------------------------------------------------------------------- rules

def _day(moment: datetime, now: datetime) -> date:
    return moment.astimezone(now.tzinfo).date()


def accept(row: Unaccepted, cal: Calendar, chase: Chase, now: datetime,
           roles: Roles) -> list[Due]:
    """A task not accepted: the member after `accept_remind` working days; the leader and
    the member's supervisors after `accept_escalate`."""
    drawn = _day(row.created_at, now)
    waited = cal.between(drawn, now.date())
    reason = Why(Rule.ACCEPT, row.target, name=row.name, days=waited, since=drawn)
    subject = f"task:{row.task_id}:{row.person_id}"
    found = []
    if waited >= chase.accept_remind:
        found.append(Due(row.person_id, DueKind.ACCEPT, subject, Step.REMIND, reason, row.task_id))
    if waited >= chase.accept_escalate:
        told = ({row.leader} if row.leader else set()) | roles.supervisors_of(row.department_id)
        told.discard(row.person_id)
        found += [Due(p, DueKind.ACCEPT, subject, Step.ESCALATE, reason, row.task_id)
                  for p in sorted(told)]
    return found


def window(row: OpenTask, cal: Calendar, chase: Chase, now: datetime,
           roles: Roles) -> list[Due]:
    """The inspection window: the whole team `due_remind` working days before it ends;
    once it has ended, the leader, the team's supervisors and the office, every working day
    until the record is submitted."""
    today, due = now.date(), row.window_due
    left = cal.between(today, due) if due >= today else 0
    reason = Why(Rule.DUE, row.target, due=due, days=left)
    subject = f"task:{row.task_id}"
    if today > due:
        told = {m.person_id for m in row.team if m.leader}
        told |= roles.supervisors_of(*{m.department_id for m in row.team})
        told |= set(roles.office)
        late = replace(reason, rule=Rule.OVERDUE, days=cal.between(due, today))
        return [Due(p, DueKind.TASK, subject, Step.OVERDUE, late, row.task_id)
                for p in sorted(told)]
    if left in chase.due_remind:
        return [Due(m.person_id, DueKind.TASK, subject, Step.CLOSING, reason, row.task_id)
                for m in row.team]
    return []


def replacement(row: WaitingRequest, cal: Calendar, chase: Chase, now: datetime,
                roles: Roles) -> list[Due]:
    """A replacement request waiting: the department's supervisors after
    `replacement_hours` working hours, the office after `replacement_escalate` working
    days."""
    created = row.created_at.astimezone(now.tzinfo)
    hours = cal.hours_between(created, now, chase.opens, chase.closes)
    days = cal.between(created.date(), now.date())
    reason = Why(Rule.REPLACEMENT, row.target, name=row.name, hours=round(hours, 1), days=days)
    subject = f"replacement:{row.id}"
    found = []
    if hours >= chase.replacement_hours:
        found += [Due(p, DueKind.REPLACEMENT, subject, Step.REMIND, reason, row.task_id)
                  for p in sorted(roles.supervisors_of(row.department_id))]
    if days >= chase.replacement_escalate:
        found += [Due(p, DueKind.REPLACEMENT, subject, Step.ESCALATE, reason, row.task_id)
                  for p in roles.office]
    return found


def publish(row: Unpublished, cal: Calendar, chase: Chase, now: datetime,
            roles: Roles) -> list[Due]:
    """Publication within `publish_within` working days of finishing (003 第二十五条): the
    office when `publish_warn` days are left, and every working day once late."""
    today = now.date()
    due = cal.add(_day(row.finished_at, now), chase.publish_within)
    left = cal.between(today, due)
    reason = Why(Rule.PUBLISH, row.target, due=due, days=left)
    subject = f"task:{row.task_id}"
    if today > due:
        return [Due(p, DueKind.PUBLISH, subject, Step.LATE, replace(reason, rule=Rule.PUBLISH_LATE),
                    row.task_id) for p in roles.office]
    if left <= chase.publish_warn:
        return [Due(p, DueKind.PUBLISH, subject, Step.SOON, reason, row.task_id)
                for p in roles.office]
    return []


def follow_up(row: LateFollowUp, roles: Roles) -> list[Due]:
    """A follow-up past its due date: its owner and the office."""
    reason = Why(Rule.FOLLOW_UP, row.target, item=row.item_code, due=row.due_date)
    return [Due(p, DueKind.FOLLOW_UP, f"follow_up:{row.id}", Step.OVERDUE, reason, row.task_id)
            for p in sorted({row.owner, *roles.office})]


def decision(row: DecisionOwed, cal: Calendar, now: datetime, roles: Roles) -> list[Due]:
    """An item found in violation with no 行政处罚决定 or referral recorded yet: the
    supervisors of its department and the office, every working day from the result until
    it is recorded (003 第二十七条)."""
    days = cal.between(_day(row.finished_at, now), now.date())
    reason = Why(Rule.DECISION, row.target, item=row.item, days=days)
    return [Due(p, DueKind.DECISION, f"decision:{row.task_id}:{row.item_code}", Step.OWED, reason,
                row.task_id)
            for p in sorted(roles.supervisors_of(row.department_id) | set(roles.office))]


@dataclass(frozen=True)
class PlanYear:
    """Whether a plan drawn in `year` is published (the year's plan, 一公开), and whether
    the office plans in Choucha at all (a plan of any year loaded)."""

    year: int
    published: bool
    planning: bool = True


def annual_plan(row: PlanYear, cal: Calendar, chase: Chase, now: datetime,
                roles: Roles) -> list[Due]:
    """The year's plan is published by `plan_by` (003 第十一条: 3月30日; 001 (五): the end of
    March; 002: early February, so a setting): the office from `plan_warn` working days
    before, and every working day once late, until a plan of the year is published. Not
    before the office loads its first plan: an office that has just begun (in December,
    say) is shown how to start, not told daily of a deadline it could not have met here."""
    if row.published or not row.planning:
        return []
    today, due = now.date(), date(row.year, *chase.plan_by)
    subject = f"plan:{row.year}"
    if today > due:
        late = Why(Rule.PLAN_LATE, str(row.year), due=due, days=cal.between(due, today))
        return [Due(p, DueKind.PLAN, subject, Step.LATE, late) for p in roles.office]
    left = cal.between(today, due)
    if left > chase.plan_warn:
        return []
    soon = Why(Rule.PLAN, str(row.year), due=due, days=left)
    return [Due(p, DueKind.PLAN, subject, Step.SOON, soon) for p in roles.office]
