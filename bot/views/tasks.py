"""The task journey's screens: /tasks page by page, the card's buttons; its refusals.
Keyboards as Bot API JSON."""

from __future__ import annotations

import html
from datetime import date

from bot.buttons.corrections import CorrectionOpen
from bot.buttons.replacements import ReplacementAsk, ReplacementForList
from bot.buttons.tasks import TaskAccept, TaskCard, TaskDetails, TaskPage, TaskRecord
from bot.buttons.visits import VisitStart
from bot.i18n import Translator
from bot.rules.models import Person
from bot.rules.records import Card, PersonTask, Record, TaskStatus
from bot.rules.visit import acting
from bot.services.errors import Refusal, Refused
from bot.services.tasks import replaceable_by
from bot.texts import notices
from bot.texts.labels import window_mark
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded

PAGE = 10
Screen = tuple[str, Keyboard | None]


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.TASK_CLOSED: t._("This task is finished or cancelled; nothing was changed."),
        Refusal.ALREADY_ACCEPTED: t._("You have accepted this task already."),
    })


def record_caption(t: Translator, record: Record) -> str:
    return t._("Check record, version {version}; record hash {hash}").format(
        version=record.version, hash=record.record_hash[:16])


def card_keyboard(t: Translator, card: Card, viewer: Person) -> Keyboard:
    """The card's buttons, for what `viewer` may do with the task now."""
    task_id = card.task.id
    row = []
    mine = card.member(viewer.id)
    if mine is not None and not mine.accepted_at and card.task.status == TaskStatus.ASSIGNED:
        row.append(TaskAccept(task_id).markup(t._("✅ Accept")))
    if mine is not None and card.task.status == TaskStatus.ASSIGNED:
        row.append(ReplacementAsk(task_id).markup(t._("🔁 Replacement")))
    row.append(TaskDetails(task_id).markup(t._("🔎 Details")))
    rows = [row]
    if replaceable_by(viewer, card):
        rows.append([ReplacementForList(task_id).markup(t._("🔁 Replace a member"))])
    status = card.task.status
    if mine is not None and status in (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS):
        label = t._("▶️ Start the visit") if status == TaskStatus.ASSIGNED else t._(
            "▶️ Continue the visit")
        rows.insert(0, [VisitStart(task_id).markup(label)])
    if status == TaskStatus.SUBMITTED:
        record_row = [TaskRecord(task_id).markup(t._("📄 Check record"))]
        actor = acting(card.members)
        if card.correction is None and (viewer.is_office or (
                actor is not None and actor.person_id == viewer.id)):
            record_row.append(CorrectionOpen(task_id).markup(t._("✏️ Correct")))
        rows.insert(0, record_row)
        if card.correction is not None and mine is not None:
            rows.insert(0, [VisitStart(task_id).markup(t._("▶️ Continue the correction"))])
    return inline(rows)


def no_tasks_text(t: Translator) -> str:
    return t._("You have no open tasks.")


def accepted_alert(t: Translator) -> str:
    return t._("Accepted.")


def open_task_keyboard(t: Translator, task_id: int) -> Keyboard:
    return inline([[TaskCard(task_id).markup(t._("📋 Open the task"))]])


def tasks_page(t: Translator, mine: list[PersonTask], page: int, today: date) -> Screen:
    """A page of the person's open tasks, ten at a time, with a button each."""
    pages = (len(mine) + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    shown = mine[page * PAGE:(page + 1) * PAGE]
    rows = [[notices.card_button(page * PAGE + i, task)] for i, task in enumerate(shown, 1)]
    nav = []
    if page > 0:
        nav.append(TaskPage(page - 1).markup("◀"))
    if page < pages - 1:
        nav.append(TaskPage(page + 1).markup("▶"))
    if nav:
        rows.append(nav)
    text = t._("Your open tasks ({count}), page {page} of {pages}:").format(
        count=len(mine), page=page + 1, pages=pages)
    for index, task in enumerate(shown, start=1):
        mark = window_mark(t, task.window_start, task.window_due, today, True)
        role = t._("leader") if task.leader else t._("member")
        text += (f"\n{page * PAGE + index}. {html.escape(task.target_name)} ·"
                 f" {task.window_start} – {task.window_due} · {role}"
                 + (f" · {mark}" if mark else ""))
        if task.status == TaskStatus.IN_PROGRESS and task.my_waiting_items:
            text += "\n" + t.ngettext(
                "🟢 {n}. {target}: the visit is under way and {count} item waits for you.",
                "🟢 {n}. {target}: the visit is under way and {count} items wait for you.",
                task.my_waiting_items).format(
                n=page * PAGE + index, target=html.escape(task.target_name),
                count=task.my_waiting_items)
    return text, inline(rows)
