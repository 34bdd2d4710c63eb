"""The scheduler's chase: what is due is read from the database on every run, so a restart
loses nothing; each reminder is recorded with its reason (never twice for the same step on
the same day) and goes out through the outbox, on working days within office hours."""

from __future__ import annotations

import asyncio
import functools
import hashlib
from datetime import datetime
from typing import Any

from bot.core import Core
from bot.i18n import Translator
from bot.rules import chase as rules
from bot.rules.chase import Due, Group, Owed, Reminder, Roles, group_of
from bot.rules.models import AuditAction, Role
from bot.rules.workdays import Calendar, parse_arrangement
from bot.services.access import Actor, label, require_office
from bot.services.notify import Letter, letter, post, tell_office
from bot.texts import chasing as words
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
# (the groups in the order of bot/rules/chase.py Group)
GROUP_ORDER = {group: n for n, group in enumerate(Group)}
KEPT = 20  # items kept with the reminder (for /reminders and the record)
# Reminders per transaction (rendered before, written in two statements): the writer is
# held briefly; 500 rows of 7 values stay far below SQLite's 32,766 bound variables.
BATCH = 500


class _Gather:
    """Collects what is owed per person and group, keeping a count and the first items
    (memory bounded by people, not by tasks); lets the event loop breathe meanwhile."""

    def __init__(self) -> None:
        self.owed: dict[tuple[int, Group], Owed] = {}
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
                                                                       GROUP_ORDER[k[1]]))]


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
    year = rules.PlanYear(local.year, await tx.listings.plan_published_for(local.year),
                          await tx.listings.any_plan())
    found += rules.annual_plan(year, cal, settings, local, roles)
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
                    words.unknown_year_text, year=year), now)
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
            words.owed_text, owed=owed_now), markup)))
    return out


def _buttons(owed_now: Owed, t: Translator) -> dict[str, Any]:
    """A button per task listed first (at most three), to open it."""
    tasks: dict[int, str] = {}
    for due in owed_now.items:
        if due.task_id is not None and due.task_id not in tasks:
            tasks[due.task_id] = one_line(due.reason.target, 28) or "—"
    return notices.open_tasks(t, list(tasks.items()), owed_now.count)


async def my_reminders(core: Core, person_id: int) -> list[Reminder]:
    """A person's own latest reminders.
    Access: the person themselves (the handler passes the sender's own id)."""
    async with core.db.read() as rtx:
        return await rtx.chasing.reminders_of(person_id)
