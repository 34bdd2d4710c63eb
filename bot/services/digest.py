"""The office's daily digest: a short text, a chart (Pillow) and a spreadsheet; and the
summary of one plan."""

from __future__ import annotations

import asyncio
import functools
import html
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from PIL import Image, ImageDraw

from bot.core import Core
from bot.formats.rendering.fonts import cjk_font
from bot.formats.tabular import xlsx_bytes
from bot.i18n import N_, Translator, language_of, translator
from bot.rules import visit as rules
from bot.rules.models import Role
from bot.rules.records import (
    FlaggedCheckin,
    Noncooperation,
    OpenRequest,
    OverdueGroup,
    PlanTasks,
    TaskStatus,
)
from bot.rules.workdays import Calendar
from bot.services.access import SYSTEM, Actor, require_office
from bot.services.chasing import calendar
from bot.services.notify import enqueue_document, enqueue_text
from bot.texts.labels import flag_text, legal, task_status
from bot.workers import DOCUMENT
from storage import to_db_time
from storage.files import write_blob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_DAYS = 30  # finished tasks listed in the spreadsheet
STATUSES = ("assigned", "in_progress", "submitted")
HEAVY_FROM = 5000  # tasks from which the spreadsheet is built in a worker process


@dataclass(frozen=True)
class ToPublish:
    """A finished result not yet published, with its deadline."""

    target: str
    due: date
    left: int  # working days from today to `due`


@dataclass
class Digest:
    day: date  # the day reported on ("yesterday")
    drawn: int = 0
    draws: int = 0
    accepted: int = 0
    started: int = 0
    finished: int = 0
    published: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    results_day: dict[str, int] = field(default_factory=dict)
    results_all: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueGroup] = field(default_factory=list)
    replacements: list[OpenRequest] = field(default_factory=list)
    publish_soon: list[ToPublish] = field(default_factory=list)
    publish_late: list[ToPublish] = field(default_factory=list)
    noncooperation: list[Noncooperation] = field(default_factory=list)
    flagged_checkins: list[FlaggedCheckin] = field(default_factory=list)
    audit_head: tuple[int, str] = (0, "")
    plan: str | None = None
    so_far: bool = False  # asked for during the day: today so far, not yesterday

    @property
    def empty(self) -> bool:
        """Nothing happened and nothing is open: a county that has not drawn yet."""
        return not (self.drawn or self.draws or self.accepted or self.started or self.finished
                    or self.published or any(self.statuses.values()) or self.overdue
                    or self.replacements or self.publish_soon or self.publish_late
                    or self.noncooperation or self.flagged_checkins)


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


def digest_text(t: Translator, d: Digest) -> str:
    """The short text: yesterday (or today so far), what is open, what is late."""
    lines = [t._("🗞 <b>Digest</b> for today so far, {day}").format(day=d.day.isoformat())
             if d.so_far else
             t._("🗞 <b>Daily digest</b> for {day}").format(day=d.day.isoformat())]
    if d.plan:
        lines = [t._("🗞 <b>Plan summary</b>: {plan}").format(plan=html.escape(d.plan))]
    else:
        counts = (t._("Today so far: {draws} draws ({drawn} tasks), {accepted} acceptances,"
                      " {started} visits started, {finished} finished, {published}"
                      " published.") if d.so_far else
                  t._("Yesterday: {draws} draws ({drawn} tasks), {accepted} acceptances,"
                      " {started} visits started, {finished} finished, {published}"
                      " published."))
        lines.append(counts.format(draws=d.draws, drawn=d.drawn, accepted=d.accepted,
                                   started=d.started, finished=d.finished,
                                   published=d.published))
    lines.append(t._("Tasks: {assigned} assigned, {under_way} under way, {finished}"
                     " finished.").format(assigned=d.statuses.get("assigned", 0),
                                          under_way=d.statuses.get("in_progress", 0),
                                          finished=d.statuses.get("submitted", 0)))
    if d.results_day:
        lines.append((t._("Results today so far:") if d.so_far else t._("Results yesterday:"))
                     + " " + "; ".join(
            f"{legal(rules.RESULTS, k, t)} {n}" for k, n in _ordered(d.results_day)))
    if d.results_all:
        lines.append(t._("Results so far:") + " " + "; ".join(
            f"{legal(rules.RESULTS, k, t)} {n}" for k, n in _ordered(d.results_all)))
    overdue = sum(r.tasks for r in d.overdue)
    if overdue:
        lines.append("")
        lines.append(t._("🔴 Overdue tasks: {n}").format(n=overdue))
        oldest = t._("oldest due {due}")
        lines.extend(f"• {html.escape(r.department)} · {html.escape(r.leader)}:"
                     f" {r.tasks} ({oldest.format(due=r.oldest.isoformat())})"
                     for r in d.overdue[:10])
    if d.replacements:
        lines.append("")
        lines.append(t._("🔁 Open replacement requests: {n}").format(n=len(d.replacements)))
        lines.extend(f"• {html.escape(r.name)} · {html.escape(r.target)}"
                     for r in d.replacements[:5])
    if d.publish_late:
        lines.append("")
        lines.append(t._("🔴 Publication late (003 第二十五条): {n}").format(
            n=len(d.publish_late)))
        lines.extend(f"• {html.escape(r.target)} · {r.due.isoformat()}"
                     for r in d.publish_late[:5])
    if d.publish_soon:
        lines.append(t._("📢 To publish within 5 working days: {n}").format(
            n=len(d.publish_soon)))
        lines.extend(f"• {html.escape(r.target)} · {r.due.isoformat()}"
                     for r in d.publish_soon[:5])
    if d.noncooperation:
        lines.append("")
        lines.append((t._("⚠️ Non-cooperation today so far: {n}") if d.so_far else
                      t._("⚠️ Non-cooperation yesterday: {n}")).format(n=len(d.noncooperation)))
        for r in d.noncooperation[:5]:
            kind = r.detail.get("kind")
            lines.append(f"• {html.escape(r.target)} · "
                         + (legal(rules.NONCOOPERATION, kind, t) if kind else ""))
    if d.flagged_checkins:
        lines.append("")
        lines.append((t._("⚠️ Check-ins at an implausible place today so far: {n}")
                      if d.so_far else
                      t._("⚠️ Check-ins at an implausible place yesterday: {n}")).format(
            n=len(d.flagged_checkins)))
        lines.extend(f"• {html.escape(r.target)} · {html.escape(r.person)} · "
                     f"{flag_text(r.flag, t)}" for r in d.flagged_checkins[:5])
    if d.audit_head[1]:
        lines.append("")
        lines.append(t._("Audit log: row {row}, <code>{hash}</code> (a copy kept outside the"
                         " database: were the log up to this row ever rewritten, its hash"
                         " would no longer match)").format(row=d.audit_head[0],
                                                            hash=d.audit_head[1][:16]))
    lines.append("")
    lines.append(t._("Next: /publish for the results due, /followups for what is open,"
                     " /digest for today so far."))
    return "\n".join(lines)  # a long digest is sent as several (bot/tg/tgbot.py)


def _ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(k, counts[k]) for k in rules.RESULTS if counts.get(k)]


SHORT = {"no_problem": N_("No problem"), "not_disclosed": N_("Not disclosed"),
         "false_disclosure": N_("Falsified disclosure"), "unreachable": N_("Unreachable"),
         "corrected": N_("Correction ordered"), "noncooperation": N_("Non-cooperation"),
         "no_activity": N_("No such activity"), "follow_up": N_("Further handling")}


def chart_png(t: Translator, d: Digest) -> bytes:
    """Two bar charts, readable on a phone: tasks by status, results by category."""
    width, height = 1080, 1200
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title = cjk_font(44)
    label = cjk_font(34)
    small = cjk_font(28)
    heading = (t._("Plan summary") if d.plan else t._("Today so far") if d.so_far
               else t._("Daily digest")) + f" · {d.day}"
    draw.text((40, 30), heading, font=title, fill="#1f2d3d")

    def bars(top: int, caption: str, rows: list[tuple[str, int, str]]) -> None:
        draw.text((40, top), caption, font=label, fill="#1f2d3d")
        biggest = max([n for _, n, _ in rows] + [1])
        y = top + 60
        for name, n, colour in rows:
            draw.text((40, y + 6), name, font=small, fill="#333333")
            length = int(560 * n / biggest)
            draw.rectangle((360, y, 360 + max(length, 2), y + 40), fill=colour)
            draw.text((370 + max(length, 2), y + 4), str(n), font=small, fill="#333333")
            y += 56

    status_rows = [(task_status(t, s), d.statuses.get(s, 0), c) for s, c in
                   zip(STATUSES, ("#f0a030", "#3080d0", "#30a060"), strict=True)]
    overdue = sum(r.tasks for r in d.overdue)
    status_rows.append((t._("overdue"), overdue, "#d03030"))
    bars(120, t._("Tasks by status"), status_rows)
    result_rows = [(t._(SHORT[k]),
                    d.results_all.get(k, 0),
                    "#30a060" if k == "no_problem" else "#7060c0") for k in rules.RESULTS]
    bars(480, t._("Results by category"), result_rows)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


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
    yes, tz = t._("yes"), core.settings.tz
    headers = [t._("Task"), t._("Plan"), "统一社会信用代码", t._("Target"), t._("Status"),
               t._("Window start"), t._("Window due"), t._("Finished"), t._("Published"),
               t._("Leader"), t._("Department"), t._("Overdue")]
    cells = [
        [row.id, row.plan, row.target_code, row.target, names.get(row.status, row.status),
         row.window_start.isoformat(), row.window_due.isoformat(),
         _local_day(row.finished_at, tz), _local_day(row.published_at, tz), row.leader,
         row.department,
         yes if row.status != TaskStatus.SUBMITTED and row.window_due < today else ""]
        for row in rows]
    # At 100,000 tasks this takes seconds: built in a worker process, nobody waits.
    return await core.workers.run(DOCUMENT, xlsx_bytes, t._("Tasks"), headers, cells,
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
    return Files(digest_text(t, found), chart, sheet)


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
                                       lambda t: t._("Tasks by status and results by"
                                                     " category"), now, method="sendPhoto")
                await enqueue_document(tx, person.id, f"digest:{today}:{person.id}:sheet",
                                       sheet, f"digest-{today}.xlsx",
                                       lambda t: t._("Every open task and every task"
                                                     " finished in the last 30 days"), now)
    return queued
