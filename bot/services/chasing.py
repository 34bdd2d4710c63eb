"""The scheduler's chase: what is due is read from the database on every run, so a restart
loses nothing; each reminder is recorded with its reason (never twice for the same step on
the same day) and goes out through the outbox, on working days within office hours."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core import Core
from bot.i18n import Translator
from bot.rules import chase as rules
from bot.rules.chase import Due, Reminder, Roles
from bot.rules.models import AuditAction, Role
from bot.rules.workdays import Calendar, parse_arrangement
from bot.services.access import Actor, label, require_office
from bot.services.notify import Letter, letter, post, tell_office
from bot.texts import notices
from bot.texts.labels import one_line
from storage import ReadTx, Tx


async def calendar(tx: ReadTx | Tx) -> Calendar:
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
        await tx.audit.append(label(actor), AuditAction.CALENDAR_LOADED, f"year:{year}",
                              {"days": len(days), "source": source}, now)
    return year, len(days)


# One message per person per day per group, listing what is owed (a supervisor of a large
# county owes thousands of reminders a day: one message with a count, not thousands).
GROUPS = ("accept", "window", "overdue", "approvals", "publish", "follow_up", "decision")
LISTED = 8  # lines in a message; the rest are counted
KEPT = 20  # items kept with the reminder (for /reminders and the record)
# Reminders per transaction (rendered before, written in two statements): the writer is
# held briefly; 500 rows of 7 values stay far below SQLite's 32,766 bound variables.
BATCH = 500


def group_of(due: Due) -> str:
    if due.kind == "accept":
        return "accept"
    if due.kind == "task":
        return "overdue" if due.step == "overdue" else "window"
    return {"replacement": "approvals", "publish": "publish",
            "decision": "decision"}.get(due.kind, "follow_up")


@dataclass
class Owed:
    """What one person is reminded of in one message: a group, how many, the first few."""

    person_id: int
    group: str
    count: int = 0
    items: list[Due] = field(default_factory=list)

    def reason(self) -> dict[str, Any]:
        return {"group": self.group, "count": self.count, "items": [
            {"kind": d.kind, "subject": d.subject, "step": d.step, "reason": d.reason,
             "task": d.task_id} for d in self.items]}


class _Gather:
    """Collects what is owed per person and group, keeping a count and the first items
    (memory bounded by people, not by tasks); lets the event loop breathe meanwhile."""

    def __init__(self) -> None:
        self.owed: dict[tuple[int, str], Owed] = {}
        self._since_breath = 0

    def append(self, due: Due) -> None:
        key = (due.person_id, group_of(due))
        owed = self.owed.get(key)
        if owed is None:
            owed = self.owed[key] = Owed(*key)
        owed.count += 1
        if len(owed.items) < KEPT:
            owed.items.append(due)
        self._since_breath += 1

    def __iadd__(self, dues: list[Due]) -> _Gather:
        for due in dues:
            self.append(due)
        return self

    async def breathe(self) -> None:
        if self._since_breath >= 2000:
            self._since_breath = 0
            await asyncio.sleep(0)

    def result(self) -> list[Owed]:
        return [self.owed[k] for k in sorted(self.owed, key=lambda k: (k[0],
                                                                       GROUPS.index(k[1])))]


async def _roles(tx: ReadTx | Tx) -> Roles:
    """Supervisors per department and the office, read once per run."""
    supervisors: dict[int, list[int]] = {}
    for person in await tx.people.with_role(Role.SUPERVISOR):
        for grant in person.roles:
            if grant.role == Role.SUPERVISOR and grant.department_id is not None:
                supervisors.setdefault(grant.department_id, []).append(person.id)
    return Roles({d: tuple(sorted(ids)) for d, ids in supervisors.items()},
                 tuple(p.id for p in await tx.people.with_role(Role.OFFICE)))


async def owed(tx: ReadTx | Tx, core: Core, cal: Calendar, now: datetime) -> list[Owed]:
    """Every reminder the ladder (bot/rules/chase.py) asks for right now, per person and
    group (before the once-a-day filter).
    Access: the scheduler, as the system (inside its own transaction)."""
    settings = core.settings.chase
    local = now.astimezone(core.settings.tz)
    found = _Gather()
    roles = await _roles(tx)
    for unaccepted in await tx.chasing.unaccepted():
        await found.breathe()
        found += rules.accept(unaccepted, cal, settings, local, roles)
    for task in await tx.chasing.open_tasks(cal.add(local.date(), max(settings.due_remind))):
        await found.breathe()
        found += rules.window(task, cal, settings, local, roles)
    for request in await tx.chasing.open_replacements():
        await found.breathe()
        found += rules.replacement(request, cal, settings, local, roles)
    for finished in await tx.chasing.unpublished():
        await found.breathe()
        found += rules.publish(finished, cal, settings, local, roles)
    for follow_up in await tx.chasing.overdue_follow_ups(local.date()):
        await found.breathe()
        found += rules.follow_up(follow_up, roles)
    for owed_decision in await tx.aftercare.decisions(owed_only=True):
        await found.breathe()
        found += rules.decision(owed_decision, cal, local, roles)
    return found.result()


def in_office_hours(core: Core, cal: Calendar, now: datetime) -> bool:
    local = now.astimezone(core.settings.tz)
    chase = core.settings.chase
    return cal.is_workday(local.date()) and chase.opens <= local.time() < chase.closes


async def chase(core: Core, now: datetime) -> int:
    """One run of the scheduler: queue what is owed today and not yet sent, one message per
    person and group, in short transactions; how many messages.
    Access: the scheduler, as the system."""
    today = now.astimezone(core.settings.tz).date()
    async with core.db.read() as rtx:  # what is owed is read in a snapshot, not the writer
        cal = await calendar(rtx)
        if not in_office_hours(core, cal, now):
            return 0
        already = await rtx.chasing.reminded(today)
        owing = [o for o in await owed(rtx, core, cal, now)
                 if (o.person_id, o.group) not in already]
        # Rendered here too: the writes below only insert rows that change.
        letters = await _letters(rtx, owing)
    unknown = cal.unknown_years([today])
    if unknown:
        async with core.db.transaction(record_update=False) as tx:
            for year in unknown:
                await tell_office(tx, f"calendar-unknown:{year}:{today}", functools.partial(
                    _unknown_year_text, year=year), now)
    if not letters:
        return 0  # nothing new today: the writer is not taken at all
    sent = 0
    for start in range(0, len(letters), BATCH):
        batch = letters[start:start + BATCH]
        async with core.db.transaction(record_update=False) as tx:
            new = await tx.chasing.remember_many(
                [(o.person_id, o.group, o.reason()) for o, _ in batch], today, now)
            sent += await post(tx, [(f"remind:{o.group}:{today}:{o.person_id}", prepared)
                                    for o, prepared in batch
                                    if (o.person_id, o.group) in new], now)
        await asyncio.sleep(0)
    return sent


async def _letters(rtx: ReadTx, owing: list[Owed]) -> list[tuple[Owed, Letter]]:
    """Each reminder rendered in its person's language, off the writer."""
    out = []
    for owed_now in owing:
        person = await rtx.people.person(owed_now.person_id)
        if person is None:
            continue
        markup = functools.partial(_buttons, owed_now) if any(
            d.task_id is not None for d in owed_now.items) else None
        out.append((owed_now, await letter(rtx, person, functools.partial(
            owed_text, owed=owed_now), markup)))
    return out


def _buttons(owed_now: Owed, t: Translator) -> dict[str, Any]:
    """A button per task listed first (at most three), to open it."""
    tasks: dict[int, str] = {}
    for due in owed_now.items:
        if due.task_id is not None and due.task_id not in tasks:
            tasks[due.task_id] = one_line(str(due.reason.get("target", "")), 28) or "—"
    return notices.open_tasks(t, list(tasks.items()), owed_now.count)


def _unknown_year_text(t: Translator, year: int) -> str:
    return t._("⚠️ The working-day calendar does not know {year} yet, so only weekends are"
               " taken as days off. Load the State Council's arrangement for {year} with"
               " <code>choucha calendar load FILE</code>.").format(year=year)


def owed_text(t: Translator, owed: Owed) -> str:
    """One person's reminder of a group: a single item as a sentence with its reason; more
    as a count, the first few, where to see the rest, and why."""
    if owed.count == 1 and owed.items:
        return reminder_text(t, owed.items[0])
    headers = {
        "accept": t._("⏰ Tasks waiting for acceptance: {n}"),
        "window": t._("⏰ Inspection windows closing soon: {n}"),
        "overdue": t._("🔴 Overdue tasks: {n}"),
        "approvals": t._("⏰ Replacement requests waiting for a decision: {n}"),
        "publish": t._("📢 Results due for publication: {n}"),
        "follow_up": t._("🔴 Follow-ups past their due date: {n}"),
        "decision": t._("⚖️ Violations without a recorded penalty decision or referral: {n}"),
    }
    lines = ["<b>" + headers[owed.group].format(n=owed.count) + "</b>"]
    lines += ["• " + line_text(t, due) for due in owed.items[:LISTED]]
    rest = owed.count - min(len(owed.items), LISTED)
    if rest > 0:
        where = {"approvals": "/tasks", "publish": "/publish", "follow_up": "/followups",
                 "decision": "/decisions"}.get(owed.group, "/tasks")
        lines.append(t.ngettext("…and {n} more: see {where}.", "…and {n} more: see {where}.",
                                rest).format(n=rest, where=where))
    whys = dict.fromkeys(why_text(t, d.kind, d.step, d.reason) for d in owed.items)
    lines += ["<i>" + why + "</i>" for why in whys]
    return "\n".join(lines)


def stored_text(t: Translator, kind: str, step: str, reason: dict[str, Any]) -> str:
    """A kept reminder (/reminders), grouped or (before grouping) single."""
    if "items" in reason:
        owed_now = Owed(0, str(reason.get("group", kind)), int(reason.get("count", 0)), [
            Due(0, i["kind"], i["subject"], i["step"], i["reason"], i.get("task"))
            for i in reason["items"]])
        return owed_text(t, owed_now)
    return reminder_text(t, Due(0, kind, "", step, reason))


def reminder_text(t: Translator, due: Due) -> str:
    """The reminder, then a line saying why this person gets it."""
    return line_text(t, due) + "\n<i>" + why_text(t, due.kind, due.step, due.reason) + "</i>"


def line_text(t: Translator, due: Due) -> str:
    """What is owed, in one sentence."""
    r = due.reason
    target = html.escape(str(r.get("target", "")))
    name = html.escape(str(r.get("name", "")))
    texts = {
        ("accept", "remind"): t._("⏰ Please accept your task <b>{target}</b>: it was"
                                  " assigned {ago}."),
        ("accept", "escalate"): t._("⏰ {name} has not accepted the task <b>{target}</b>"
                                    " for {days} working days."),
        ("task", "overdue"): t._("🔴 <b>{target}</b> is overdue: the inspection window ended"
                                 " on {due}, {ago}."),
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
        ("decision", "owed"): t._("⚖️ <b>{target}</b> ({item}) was found in violation {ago}"
                                  " and no penalty decision or referral is recorded yet:"
                                  " /decisions."),
    }
    if due.kind == "task" and due.step.startswith("due-"):
        text = t._("⏰ <b>{target}</b>: the inspection window ends on {due}, in {days}"
                   " working days.")
    else:
        text = texts[(due.kind, due.step)]
    return text.format(target=target, name=name, days=r.get("days", ""),
                       ago=_ago(t, r.get("days")),
                       due=r.get("due", ""), hours=r.get("hours", ""),
                       item=html.escape(str(r.get("item", ""))))


def _ago(t: Translator, days: object) -> str:
    """How long ago, in working days, as a person says it ("today" for none)."""
    n = days if isinstance(days, int) else 0
    if n <= 0:
        return t._("today")
    return t.ngettext("{n} working day ago", "{n} working days ago", n).format(n=n)


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
    if kind == "decision":
        return t._("Why: a penalty decision is recorded within 7 working days of being made"
                   " (003 第二十七条); you supervise the item's department or are the office.")
    return t._("Why: you own this follow-up, or you are the office.")


async def my_reminders(core: Core, person_id: int) -> list[Reminder]:
    """A person's own latest reminders.
    Access: the person themselves (the handler passes the sender's own id)."""
    async with core.db.read() as rtx:
        return await rtx.chasing.reminders_of(person_id)
