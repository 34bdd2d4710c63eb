"""/tasks, the task card, Accept and the pre-check (预查比对)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.i18n import Translator
from bot.models import Person
from bot.services import tasks, visits
from bot.services.errors import Refused
from handlers.common import (
    Context,
    answer_stale,
    core,
    pressed,
    reply,
    stale_text,
    wake_outbox,
    who,
)
from handlers.onboarding import access_text

PAGE = 10


def _refusal(t: Translator, exc: Refused) -> str:
    return {
        "unknown_task": t._("This task no longer exists."),
        "not_member": t._("This task is not yours, so you cannot act on it."),
        "task_closed": t._("This task is finished or cancelled; nothing was changed."),
        "already_accepted": t._("You have accepted this task already."),
        "no_record": t._("There is no submitted record for this task yet."),
    }.get(exc.reason, stale_text(t))


def t_record(t: Translator, record: dict[str, object]) -> str:
    return t._("Check record, version {version}; record hash {hash}").format(
        version=record["version"], hash=str(record["record_hash"])[:16])


def _card_markup(t: Translator, card: tasks.Card, viewer: Person) -> InlineKeyboardMarkup:
    task_id = card.task["id"]
    row = []
    mine = card.member(viewer.id)
    if mine is not None and not mine["accepted_at"] and card.task["status"] == "assigned":
        row.append(InlineKeyboardButton(t._("✅ Accept"),
                                        callback_data=callbacks.encode("task", "a", task_id)))
    if mine is not None and card.task["status"] == "assigned":
        row.append(InlineKeyboardButton(t._("🔁 Replacement"),
                                        callback_data=callbacks.encode("rep", "ask", task_id)))
    row.append(InlineKeyboardButton(t._("🔎 Details"),
                                    callback_data=callbacks.encode("task", "d", task_id)))
    rows = [row]
    if tasks.replaceable_by(viewer, card):
        rows.append([InlineKeyboardButton(t._("🔁 Replace a member"),
                                          callback_data=callbacks.encode("rep", "obl",
                                                                         task_id))])
    status = card.task["status"]
    if mine is not None and status in ("assigned", "in_progress"):
        label = t._("▶️ Start the visit") if status == "assigned" else t._(
            "▶️ Continue the visit")
        rows.insert(0, [InlineKeyboardButton(label, callback_data=callbacks.encode(
            "vis", "st", task_id))])
    if status == "submitted":
        rows.insert(0, [InlineKeyboardButton(t._("📄 Check record"),
                                             callback_data=callbacks.encode("task", "r",
                                                                            task_id))])
    return InlineKeyboardMarkup(rows)


async def tasks_command(update: Update, context: Context) -> None:
    """/tasks: open tasks, the latest deadline first, ten a page."""
    me = await who(update, context)
    if me.person is None:
        await reply(update, access_text(me.t))
        return
    await _send_page(update, context, me.person, me.t, 0, edit=False)


async def _send_page(update: Update, context: Context, person: Person, t: Translator,
                     page: int, edit: bool) -> None:
    mine = await tasks.my_tasks(core(context), person)
    if not mine:
        await reply(update, t._("You have no open tasks."))
        return
    pages = (len(mine) + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    shown = mine[page * PAGE:(page + 1) * PAGE]
    rows = [[InlineKeyboardButton(
        tasks.card_button(page * PAGE + i, task)["text"],
        callback_data=callbacks.encode("task", "c", task["id"]))]
        for i, task in enumerate(shown, start=1)]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=callbacks.encode("task", "pg",
                                                                             page - 1)))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶", callback_data=callbacks.encode("task", "pg",
                                                                             page + 1)))
    if nav:
        rows.append(nav)
    text = t._("Your open tasks ({count}), page {page} of {pages}:").format(
        count=len(mine), page=page + 1, pages=pages)
    for index, task in enumerate(shown, start=1):
        if task["status"] == "in_progress" and task["my_waiting_items"]:
            text += "\n" + t.ngettext(
                "🟢 {n}. {target}: the visit is under way and {count} item waits for you.",
                "🟢 {n}. {target}: the visit is under way and {count} items wait for you.",
                task["my_waiting_items"]).format(
                n=page * PAGE + index, target=html.escape(task["target_name"]),
                count=task["my_waiting_items"])
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows),
                                      parse_mode="HTML")
    else:
        await reply(update, text, reply_markup=InlineKeyboardMarkup(rows))


async def task_button(update: Update, context: Context) -> None:
    """Open a card, accept, details, or turn a page."""
    query, me = await pressed(update, context)
    try:
        if me.person is None:
            raise Refused("not_member")
        _, args = callbacks.decode(query.data)
        action, value = args[0], int(args[1])
        if action == "pg":
            await query.answer()
            await _send_page(update, context, me.person, me.t, value, edit=True)
            return
        if action == "c":
            card = await tasks.card(core(context), me.person, value)
            await query.answer()
            await reply(update, tasks.card_text(me.t, card, me.person),
                        reply_markup=_card_markup(me.t, card, me.person))
            return
        if action == "a":
            card = await tasks.accept(core(context), me.person, value)
            wake_outbox(context)
            await query.answer(me.t._("Accepted."))
            try:
                await query.edit_message_text(tasks.card_text(me.t, card, me.person),
                                              parse_mode="HTML",
                                              reply_markup=_card_markup(me.t, card, me.person))
            except BadRequest:
                await reply(update, tasks.card_text(me.t, card, me.person))
            return
        if action == "r":
            record = await visits.record_of(core(context), me.person, value)
            await query.answer()
            message = update.effective_message
            assert message is not None
            await message.reply_document(
                visits.record_file(core(context), record),
                filename=f"record-{value}-v{record['version']}.pdf",
                caption=t_record(me.t, record))
            return
        if action == "d":
            card = await tasks.card(core(context), me.person, value)
            await query.answer()
            await reply(update, tasks.details_text(me.t, card,
                                                   await tasks.earlier_checks(core(context),
                                                                              card)))
            return
        raise Refused("unknown")
    except (callbacks.BadCallback, IndexError, ValueError):
        await answer_stale(query, me.t)
    except Refused as exc:
        await query.answer(_refusal(me.t, exc), show_alert=True)
