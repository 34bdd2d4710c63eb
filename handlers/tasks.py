"""/tasks, the task card, Accept and the pre-check (预查比对)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.buttons.corrections import CorrectionOpen
from bot.buttons.replacements import ReplacementAsk, ReplacementForList
from bot.buttons.tasks import TaskAccept, TaskCard, TaskDetails, TaskPage, TaskRecord
from bot.buttons.visits import VisitStart
from bot.i18n import Translator
from bot.rules.models import Person
from bot.rules.records import Card, Record, TaskStatus
from bot.rules.visit import acting
from bot.services import tasks, visits
from bot.services.errors import Refusal
from bot.texts import notices
from bot.texts import tasks as task_words
from bot.texts.labels import window_mark
from bot.views import tasks as words
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    command,
    key,
    registered,
    reply,
)

PAGE = 10


def t_record(t: Translator, record: Record) -> str:
    return t._("Check record, version {version}; record hash {hash}").format(
        version=record.version, hash=record.record_hash[:16])


def _card_markup(t: Translator, card: Card, viewer: Person) -> InlineKeyboardMarkup:
    task_id = card.task.id
    row = []
    mine = card.member(viewer.id)
    if mine is not None and not mine.accepted_at and card.task.status == TaskStatus.ASSIGNED:
        row.append(key(t._("✅ Accept"), TaskAccept(task_id)))
    if mine is not None and card.task.status == TaskStatus.ASSIGNED:
        row.append(key(t._("🔁 Replacement"), ReplacementAsk(task_id)))
    row.append(key(t._("🔎 Details"), TaskDetails(task_id)))
    rows = [row]
    if tasks.replaceable_by(viewer, card):
        rows.append([key(t._("🔁 Replace a member"), ReplacementForList(task_id))])
    status = card.task.status
    if mine is not None and status in (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS):
        label = t._("▶️ Start the visit") if status == TaskStatus.ASSIGNED else t._(
            "▶️ Continue the visit")
        rows.insert(0, [key(label, VisitStart(task_id))])
    if status == TaskStatus.SUBMITTED:
        record_row = [key(t._("📄 Check record"), TaskRecord(task_id))]
        actor = acting(card.members)
        if card.correction is None and (viewer.is_office or (
                actor is not None and actor.person_id == viewer.id)):
            record_row.append(key(t._("✏️ Correct"), CorrectionOpen(task_id)))
        rows.insert(0, record_row)
        if card.correction is not None and mine is not None:
            rows.insert(0, [key(t._("▶️ Continue the correction"), VisitStart(task_id))])
    return InlineKeyboardMarkup(rows)


@command()
async def tasks_command(sent: Sent) -> None:
    """/tasks: open tasks, the latest deadline first, ten a page."""
    await _send_page(sent.update, sent.context, sent.person, sent.t, 0, edit=False)


async def _send_page(update: Update, context: Context, person: Person, t: Translator,
                     page: int, edit: bool) -> None:
    mine = await tasks.my_tasks(context.core, person)
    if not mine:
        await reply(update, t._("You have no open tasks."))
        return
    pages = (len(mine) + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    shown = mine[page * PAGE:(page + 1) * PAGE]
    rows = [[key(notices.card_button(page * PAGE + i, task)["text"], TaskCard(task.id))]
        for i, task in enumerate(shown, start=1)]
    nav = []
    if page > 0:
        nav.append(key("◀", TaskPage(page - 1)))
    if page < pages - 1:
        nav.append(key("▶", TaskPage(page + 1)))
    if nav:
        rows.append(nav)
    text = t._("Your open tasks ({count}), page {page} of {pages}:").format(
        count=len(mine), page=page + 1, pages=pages)
    today = context.core.today()
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
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows),
                                      parse_mode="HTML")
    else:
        await reply(update, text, reply_markup=InlineKeyboardMarkup(rows))


BUTTONS = Buttons(words.refusal_text, registered, Refusal.NOT_MEMBER)


@BUTTONS.on(TaskPage)
async def page(press: Press[TaskPage]) -> None:
    person = press.member
    await press.query.answer()
    await _send_page(press.update, press.context, person, press.me.t, press.button.page,
                     edit=True)


@BUTTONS.on(TaskCard)
async def open_card(press: Press[TaskCard]) -> None:
    person, t = press.member, press.me.t
    card = await tasks.card(press.context.core, person, press.button.task_id)
    await press.query.answer()
    await reply(press.update, task_words.card_text(t, card, person, press.context.core.today()),
                reply_markup=_card_markup(t, card, person))


@BUTTONS.on(TaskAccept)
async def accept(press: Press[TaskAccept]) -> None:
    person, t = press.member, press.me.t
    card = await tasks.accept(press.context.core, person, press.button.task_id)
    await press.query.answer(t._("Accepted."))
    text = task_words.card_text(t, card, person, press.context.core.today())
    try:
        await press.query.edit_message_text(text, parse_mode="HTML",
                                            reply_markup=_card_markup(t, card, person))
    except BadRequest:
        await reply(press.update, text)


@BUTTONS.on(TaskRecord)
async def record(press: Press[TaskRecord]) -> None:
    """The submitted check record's PDF."""
    task_id, core = press.button.task_id, press.context.core
    found = await visits.record_of(core, press.member, task_id)
    await press.query.answer()
    message = press.update.effective_message
    assert message is not None
    await message.reply_document(visits.record_file(core, found),
                                 filename=visits.record_filename(found),
                                 caption=t_record(press.me.t, found))


@BUTTONS.on(TaskDetails)
async def details(press: Press[TaskDetails]) -> None:
    person, core = press.member, press.context.core
    card = await tasks.card(core, person, press.button.task_id)
    await press.query.answer()
    await reply(press.update, task_words.details_text(press.me.t, card,
                                                 await tasks.earlier_checks(core, card)),
                reply_markup=InlineKeyboardMarkup([[key(press.me.t._("📋 Open the task"),
                                                        TaskCard(card.task.id))]]))
