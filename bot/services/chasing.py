"""The scheduler's chase: what is due is read from the database on every run, so a restart
loses nothing; each reminder is recorded with its reason (never twice for the same step on
the same day) and goes out through the outbox, on working days within office hours."""

from __future__ import annotations

import functools
import hashlib
import html
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot import callbacks
from bot.core import Core
from bot.i18n import Translator
from bot.models import Role
from bot.services.access import Actor, label, require_office
from bot.services.notify import enqueue_text, tell_office
from bot.workdays import Calendar, parse_arrangement
from storage import from_db_time


async def calendar(tx: Any) -> Calendar:
    """The working-day calendar with the loaded arrangements, inside a transaction.
    Access: public facts (the State Council's holiday arrangements)."""
    days, years = await tx.chasing.calendar()
    return Calendar(days, years)


async def load_calendar(core: Core, actor: Actor, text: str, source: str,
                        now: datetime) -> tuple[int, int]:
    """Load a year's holiday arrangement; (year, days listed). ArrangementError if bad."""
    require_office(actor)
    year, days = parse_arrangement(text)
    async with core.db.transaction(record_update=False) as tx:
        await tx.chasing.load_year(year, days, source,
                                   hashlib.sha256(text.encode()).hexdigest(),
                                   label(actor), now)
        await tx.audit.append(label(actor), "calendar.loaded", f"year:{year}",
                              {"days": len(days), "source": source}, now)
    return year, len(days)


@dataclass(frozen=True)
class Due:
    """One reminder owed to one person: the thing, the step of the ladder, why."""

    person_id: int
    kind: str
    subject: str
    step: str
    reason: dict[str, Any]
    task_id: int | None = None


def _local_day(value: str | None, core: Core) -> date | None:
    moment = from_db_time(value)
    return moment.astimezone(core.settings.tz).date() if moment else None


class _People:
    """Supervisors per department and the office, read once per run."""

    def __init__(self, tx: Any) -> None:
        self.tx = tx
        self._supervisors: dict[int, list[int]] = {}
        self._office: list[int] | None = None

    async def supervisors(self, department_id: int) -> list[int]:
        if department_id not in self._supervisors:
            self._supervisors[department_id] = [
                p.id for p in await self.tx.people.with_role(Role.SUPERVISOR, department_id)]
        return self._supervisors[department_id]

    async def office(self) -> list[int]:
        if self._office is None:
            self._office = [p.id for p in await self.tx.people.with_role(Role.OFFICE)]
        return self._office


async def owed(tx: Any, core: Core, cal: Calendar, now: datetime) -> list[Due]:
    """Every reminder the ladder asks for right now (before the once-a-day filter).
    Access: the scheduler, as the system (inside its own transaction)."""
    chase = core.settings.chase
    local = now.astimezone(core.settings.tz)
    today = local.date()
    found: list[Due] = []
    people = _People(tx)
    # A task not accepted: the member after 1 working day; leader and supervisor after 2.
    for row in await tx.chasing.unaccepted():
        drawn = _local_day(row["created_at"], core)
        assert drawn is not None
        waited = cal.between(drawn, today)
        reason = {"rule": "accept", "target": row["target"], "name": row["name"],
                  "days": waited, "since": drawn.isoformat()}
        if waited >= chase.accept_remind:
            found.append(Due(row["person_id"], "accept", f"task:{row['task_id']}:"
                             f"{row['person_id']}", "remind", reason, row["task_id"]))
        if waited >= chase.accept_escalate:
            told = {row["leader"]} if row["leader"] else set()
            told |= set(await people.supervisors(row["department_id"]))
            told.discard(row["person_id"])
            found += [Due(p, "accept", f"task:{row['task_id']}:{row['person_id']}", "escalate",
                          reason, row["task_id"]) for p in sorted(told)]
    # The inspection window: the team before the due date; overdue → leader, supervisors,
    # office, every working day until done.
    for row in await tx.chasing.open_tasks(cal.add(today, max(chase.due_remind))):
        due = date.fromisoformat(row["window_due"])
        left = cal.between(today, due) if due >= today else 0
        team = row["team"]
        reason = {"rule": "due", "target": row["target"], "due": row["window_due"],
                  "days": left}
        if today > due:
            told = {m["person_id"] for m in team if m["leader"]}
            for department in {m["department_id"] for m in team}:
                told |= set(await people.supervisors(department))
            told |= set(await people.office())
            reason = {**reason, "rule": "overdue", "days": cal.between(due, today)}
            found += [Due(p, "task", f"task:{row['task_id']}", "overdue", reason,
                          row["task_id"]) for p in sorted(told)]
        elif left in chase.due_remind:
            found += [Due(m["person_id"], "task", f"task:{row['task_id']}", f"due-{left}",
                          reason, row["task_id"]) for m in team]
    # Replacement requests waiting: supervisors after 4 working hours, office after 1 day.
    for row in await tx.chasing.open_replacements():
        created = from_db_time(row["created_at"])
        assert created is not None
        since = created.astimezone(core.settings.tz)
        hours = cal.hours_between(since, local, chase.opens, chase.closes)
        days = cal.between(since.date(), today)
        reason = {"rule": "replacement", "target": row["target"], "name": row["name"],
                  "hours": round(hours, 1), "days": days}
        subject = f"replacement:{row['id']}"
        if hours >= chase.replacement_hours:
            found += [Due(p, "replacement", subject, "remind", reason, row["task_id"])
                      for p in await people.supervisors(row["department_id"])]
        if days >= chase.replacement_escalate:
            found += [Due(p, "replacement", subject, "escalate", reason, row["task_id"])
                      for p in await people.office()]
    # Publication within 20 working days of finishing (003 第二十五条).
    for row in await tx.chasing.unpublished():
        finished = _local_day(row["finished_at"], core)
        assert finished is not None
        due = cal.add(finished, chase.publish_within)
        left = cal.between(today, due)
        reason = {"rule": "publish", "target": row["target"], "due": due.isoformat(),
                  "days": left}
        if today > due:
            found += [Due(p, "publish", f"task:{row['task_id']}", "late",
                          {**reason, "rule": "publish_late"}, row["task_id"])
                      for p in await people.office()]
        elif left <= chase.publish_warn:
            found += [Due(p, "publish", f"task:{row['task_id']}", "soon", reason,
                          row["task_id"]) for p in await people.office()]
    # Follow-ups past their due date: the owner and the office.
    for row in await tx.chasing.overdue_follow_ups(today):
        reason = {"rule": "follow_up", "target": row["target"], "item": row["item_code"],
                  "due": row["due_date"]}
        told = {row["owner"], *await people.office()}
        found += [Due(p, "follow_up", f"follow_up:{row['id']}", "overdue", reason,
                      row["task_id"]) for p in sorted(told)]
    return found


def in_office_hours(core: Core, cal: Calendar, now: datetime) -> bool:
    local = now.astimezone(core.settings.tz)
    chase = core.settings.chase
    return cal.is_workday(local.date()) and chase.opens <= local.time() < chase.closes


async def chase(core: Core, now: datetime) -> int:
    """One run of the scheduler: queue what is owed today and not yet sent; how many.
    Access: the scheduler, as the system."""
    today = now.astimezone(core.settings.tz).date()
    async with core.db.read() as rtx:  # what is owed is read in a snapshot, not the writer
        cal = await calendar(rtx)
        if not in_office_hours(core, cal, now):
            return 0
        owing = await owed(rtx, core, cal, now)
    async with core.db.transaction(record_update=False) as tx:
        unknown = cal.unknown_years([today])
        for year in unknown:
            await tell_office(tx, f"calendar-unknown:{year}:{today}", functools.partial(
                _unknown_year_text, year=year), now)
        sent = 0
        for due in owing:
            if not await tx.chasing.remember(due.person_id, due.kind, due.subject, due.step,
                                             today, due.reason, now):
                continue
            person = await tx.people.person(due.person_id)
            if person is None:
                continue
            markup = None
            if due.task_id is not None:
                markup = functools.partial(_open_button, due.task_id)
            if await enqueue_text(tx, person, f"remind:{due.kind}:{due.subject}:{due.step}:"
                                  f"{today}:{person.id}",
                                  functools.partial(reminder_text, due=due), now,
                                  reply_markup=markup):
                sent += 1
        return sent


def _open_button(task_id: int, t: Translator) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": t._("📋 Open the task"),
                                  "callback_data": callbacks.encode("task", "c", task_id)}]]}


def _unknown_year_text(t: Translator, year: int) -> str:
    return t._("⚠️ The working-day calendar does not know {year} yet, so only weekends are"
               " taken as days off. Load the State Council's arrangement for {year} with"
               " <code>choucha calendar load FILE</code>.").format(year=year)


def reminder_text(t: Translator, due: Due) -> str:
    """The reminder, then a line saying why this person gets it."""
    r = due.reason
    target = html.escape(str(r.get("target", "")))
    name = html.escape(str(r.get("name", "")))
    texts = {
        ("accept", "remind"): t._("⏰ Please accept your task <b>{target}</b>: it was"
                                  " assigned {days} working days ago."),
        ("accept", "escalate"): t._("⏰ {name} has not accepted the task <b>{target}</b>"
                                    " for {days} working days."),
        ("task", "overdue"): t._("🔴 <b>{target}</b> is overdue: the inspection window ended"
                                 " on {due}, {days} working days ago."),
        ("replacement", "remind"): t._("⏰ {name}'s replacement request for <b>{target}</b>"
                                       " has waited {hours} working hours for a decision."),
        ("replacement", "escalate"): t._("⏰ {name}'s replacement request for <b>{target}</b>"
                                         " is still undecided after {days} working days."),
        ("publish", "soon"): t._("📢 The results of <b>{target}</b> must be published by"
                                 " {due}: {days} working days left."),
        ("publish", "late"): t._("🔴 The results of <b>{target}</b> were due for publication"
                                 " on {due} and are late."),
        ("follow_up", "overdue"): t._("🔴 The follow-up of <b>{target}</b> ({item}) was due on"
                                      " {due}."),
    }
    if due.kind == "task" and due.step.startswith("due-"):
        text = t._("⏰ <b>{target}</b>: the inspection window ends on {due}, in {days}"
                   " working days.")
    else:
        text = texts[(due.kind, due.step)]
    body = text.format(target=target, name=name, days=r.get("days", ""),
                       due=r.get("due", ""), hours=r.get("hours", ""),
                       item=html.escape(str(r.get("item", ""))))
    return body + "\n<i>" + why_text(t, due.kind, due.step, r) + "</i>"


def why_text(t: Translator, kind: str, step: str, reason: dict[str, Any]) -> str:
    """Why this person got this reminder: the rule of the ladder that applied."""
    if kind == "accept":
        return t._("Why: a task not accepted is reminded to the member and then told to the"
                   " team leader and the member's supervisor; you are one of them.") \
            if step == "escalate" else t._("Why: you are on the team and have not accepted"
                                           " yet.")
    if kind == "task":
        return t._("Why: you are on the team, its leader, a supervisor of a member or the"
                   " office, and the task is not submitted.") if step == "overdue" else \
            t._("Why: you are on the team and the record is not submitted yet.")
    if kind == "replacement":
        return t._("Why: you may decide this request, or the office is told when nobody"
                   " has for a working day.")
    if kind == "publish":
        return t._("Why: results are published within 20 working days after the task is"
                   " finished (003 第二十五条), and you are the office.")
    return t._("Why: you own this follow-up, or you are the office.")


async def my_reminders(core: Core, person_id: int) -> list[dict[str, Any]]:
    """A person's own latest reminders.
    Access: the person themselves (the handler passes the sender's own id)."""
    async with core.db.read() as rtx:
        found: list[dict[str, Any]] = await rtx.chasing.reminders_of(person_id)
        return found
