"""The office's daily digest: a short text, a chart (Pillow) and a spreadsheet; and the
summary of one plan."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.core import Core
from bot.formats.rendering.chart import bar_charts_png
from bot.formats.tabular import xlsx_bytes
from bot.i18n import Translator, language_of, translator
from bot.rules.models import Role
from bot.rules.records import Digest, PlanTasks, TaskStatus, ToPublish
from bot.rules.workdays import Calendar
from bot.services.access import SYSTEM, Actor, require_office
from bot.services.chasing import calendar
from bot.services.notify import enqueue_document, enqueue_text
from bot.texts import digest as words
from bot.texts.digest import STATUSES
from bot.texts.labels import task_status
from bot.workers import DOCUMENT
from storage import to_db_time
from storage.files import write_blob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_DAYS = 30  # finished tasks listed in the spreadsheet
HEAVY_FROM = 5000  # tasks from which the spreadsheet is built in a worker process


def _bounds(core: Core, day: date) -> tuple[str, str]:
    tz = core.settings.tz
    start = datetime.combine(day, datetime.min.time(), tz)
    return to_db_time(start), to_db_time(start + timedelta(days=1))


def publication_due(core: Core, cal: Calendar, finished: datetime) -> date:
    """The last working day to publish a result finished at `finished` (第二十五条)."""
    return cal.add(finished.astimezone(core.settings.tz).date(),
                   core.settings.chase.publish_within)


async def collect(core: Core, actor: Actor, today: date, plan_id: int | None = None,
                  so_far: bool = False) -> Digest:
    """The digest for the morning of `today`, about the previous day (and what is open);
    `so_far`: asked for during the day, about today so far."""
    require_office(actor)
    day = today if so_far else today - timedelta(days=1)
    start, end = _bounds(core, day)
    async with core.db.read() as rtx:
        cal = await calendar(rtx)
        repo = rtx.digest
        found = Digest(day=day, so_far=so_far)
        if plan_id is None:
            found.draws = await repo.count_between("draws", "run_at", start, end)
            found.drawn = await repo.count_between("live_tasks", "created_at", start, end)
            found.accepted = await repo.count_between("task_members", "accepted_at", start,
                                                      end)
            found.started = await repo.count_between("visits", "started_at", start, end)
            found.finished = await repo.count_between("live_tasks", "finished_at", start, end)
            found.published = await repo.count_between("live_tasks", "published_at", start, end)
            found.results_day = await repo.results(start, end)
            found.replacements = await repo.open_replacements()
            found.noncooperation = await repo.noncooperation(start, end)
            found.flagged_checkins = await repo.flagged_checkins(start, end)
            found.audit_head = await rtx.audit.head()
        found.statuses = await repo.statuses(plan_id)
        found.results_all = await repo.results(plan_id=plan_id)
        found.overdue = await repo.overdue(today.isoformat(), plan_id)
        dues: dict[datetime, tuple[date, int]] = {}  # by finishing hour: many share one
        for row in await repo.finished_unpublished(plan_id):
            key = row.finished_at.replace(minute=0, second=0, microsecond=0)
            if key not in dues:
                due = publication_due(core, cal, row.finished_at)
                dues[key] = due, cal.between(today, due)
            due, left = dues[key]
            entry = ToPublish(row.target, due, left)
            if today > due:
                found.publish_late.append(entry)
            elif left <= core.settings.chase.publish_warn:
                found.publish_soon.append(entry)
    return found


async def plans(core: Core, actor: Actor) -> list[PlanTasks]:
    """The plans that have tasks, for a plan's summary."""
    require_office(actor)
    async with core.db.read() as rtx:
        return await rtx.digest.plans()


STATUS_COLOURS = ("#f0a030", "#3080d0", "#30a060", "#d03030")  # the last: overdue


def chart_png(t: Translator, d: Digest) -> bytes:
    """Two bar charts, readable on a phone: tasks by status, results by category."""
    statuses, results = words.chart_captions(t)
    return bar_charts_png(words.chart_heading(t, d), [
        (statuses, [(name, n, colour) for (name, n), colour
                    in zip(words.status_rows(t, d), STATUS_COLOURS, strict=True)]),
        (results, [(name, n, "#30a060" if key == "no_problem" else "#7060c0")
                   for key, name, n in words.result_rows(t, d)])])


def _local_day(moment: datetime | None, tz: tzinfo) -> str:
    """The office's calendar day of a moment (a task finished at 07:00 Beijing time is
    that day's, not the UTC day before)."""
    return moment.astimezone(tz).date().isoformat() if moment else ""


async def sheet_xlsx(core: Core, actor: Actor, t: Translator, today: date) -> bytes:
    """Every open task and every task finished in the last 30 days."""
    require_office(actor)
    since = to_db_time(datetime.combine(today - timedelta(days=RECENT_DAYS),
                                        datetime.min.time(), core.settings.tz))
    async with core.db.read() as rtx:
        rows = await rtx.digest.sheet_rows(since)
    names = {s: task_status(t, s) for s in STATUSES}
    sheet, headers, yes = words.sheet_words(t)
    tz = core.settings.tz
    cells = [
        [row.id, row.plan, row.target_code, row.target, names.get(row.status, row.status),
         row.window_start.isoformat(), row.window_due.isoformat(),
         _local_day(row.finished_at, tz), _local_day(row.published_at, tz), row.leader,
         row.department,
         yes if row.status != TaskStatus.SUBMITTED and row.window_due < today else ""]
        for row in rows]
    # At 100,000 tasks this takes seconds: built in a worker process, nobody waits.
    return await core.workers.run(DOCUMENT, xlsx_bytes, sheet, headers, cells,
                                  heavy=len(cells) >= HEAVY_FROM)


@dataclass(frozen=True)
class Files:
    text: str
    chart: bytes
    sheet: bytes | None


async def render(core: Core, actor: Actor, t: Translator, today: date,
                 plan_id: int | None = None, plan: str | None = None,
                 so_far: bool = False) -> Files:
    """The digest as the office reads it: text, chart, and (for the whole county) the sheet;
    `so_far`: asked for during the day (about today so far)."""
    require_office(actor)
    found = await collect(core, actor, today, plan_id, so_far)
    found.plan = plan
    sheet = None if plan_id else await sheet_xlsx(core, actor, t, today)
    chart = await asyncio.to_thread(chart_png, t, found)
    return Files(words.digest_text(t, found), chart, sheet)


def _fixed(text: str, _: Translator) -> str:
    return text


async def send_daily(core: Core, now: datetime) -> int:
    """On working days from the digest time on, once a day: each office person gets the
    digest (text, chart, spreadsheet) through the outbox. How many people were queued.
    Access: the scheduler, as the system; it sends only to the office."""
    local = now.astimezone(core.settings.tz)
    today = local.date()
    if local.time() < core.settings.chase.digest_at:
        return 0
    async with core.db.read() as rtx:
        cal = await calendar(rtx)
        office = await rtx.people.with_role(Role.OFFICE)
        pending = [p for p in office
                   if not await rtx.outbox.exists(f"digest:{today}:{p.id}:text")]
    if not cal.is_workday(today) or not pending:
        return 0
    if (await collect(core, SYSTEM, today)).empty:
        return 0  # nothing drawn yet, nothing happened: no digest of zeros
    queued = 0
    by_language: dict[str, Files] = {}
    for person in pending:
        async with core.db.read() as rtx:
            lang = language_of(await rtx.people.account_of_person(person.id), person)
        if lang not in by_language:
            by_language[lang] = await render(core, SYSTEM, translator(lang), today)
        files = by_language[lang]
        chart = write_blob(core.files_root, files.chart)
        sheet = write_blob(core.files_root, files.sheet or b"")
        async with core.db.transaction(record_update=False) as tx:
            await tx.files.remember(chart, len(files.chart), "image/png", now)
            await tx.files.remember(sheet, len(files.sheet or b""), XLSX, now)
            if await enqueue_text(tx, person, f"digest:{today}:{person.id}:text",
                                  functools.partial(_fixed, files.text), now):
                queued += 1
                await enqueue_document(tx, person.id, f"digest:{today}:{person.id}:chart",
                                       chart, f"digest-{today}.png",
                                       words.chart_caption, now, method="sendPhoto")
                await enqueue_document(tx, person.id, f"digest:{today}:{person.id}:sheet",
                                       sheet, f"digest-{today}.xlsx",
                                       words.sheet_caption, now)
    return queued
