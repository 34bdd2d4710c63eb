"""/digest: the office's digest on demand, and the summary of any plan."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from bot import callbacks
from bot.models import Person
from bot.services import digest
from handlers.common import Context, Who, answer_stale, core, person_of, pressed, reply, who


def _office(person: Person | None) -> bool:
    return person is not None and person.is_office


async def digest_command(update: Update, context: Context) -> None:
    """/digest now; /digest plan: choose a plan for its summary."""
    me = await who(update, context)
    if not _office(me.person):
        await reply(update, me.t._("The digest is for the office."))
        return
    message = update.effective_message
    assert message is not None
    if context.args and context.args[0].lower() in ("plan", "计划"):
        async with core(context).db.read() as rtx:
            plans = await rtx.digest.plans()
        if not plans:
            await reply(update, me.t._("No plan has tasks yet."))
            return
        rows = [[InlineKeyboardButton(f"{p['name'][:40]} ({p['tasks']})",
                                      callback_data=callbacks.encode("dig", "p", p["id"]))]
                for p in plans[:30]]
        await reply(update, me.t._("Which plan?"), reply_markup=InlineKeyboardMarkup(rows))
        return
    await reply(update, me.t._("⏳ Building the digest (text, chart and spreadsheet); it"
                               " comes here when it is done."))
    await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_DOCUMENT)
    today = core(context).today()
    files = await digest.render(core(context), person_of(me), me.t, today)
    await _send(update, me, files, f"digest-{today}")


async def plan_button(update: Update, context: Context) -> None:
    query, me = await pressed(update, context)
    try:
        _, args = callbacks.decode(query.data)
        plan_id = int(args[1])
    except (callbacks.BadCallback, IndexError, ValueError):
        await answer_stale(query, me.t)
        return
    if not _office(me.person):
        await query.answer(me.t._("The digest is for the office."), show_alert=True)
        return
    async with core(context).db.read() as rtx:
        name = next((p["name"] for p in await rtx.digest.plans() if p["id"] == plan_id), None)
    if name is None:
        await answer_stale(query, me.t)
        return
    await query.answer()
    files = await digest.render(core(context), person_of(me), me.t, core(context).today(),
                                plan_id, name)
    await _send(update, me, files, f"plan-{plan_id}")


async def _send(update: Update, me: Who, files: digest.Files, stem: str) -> None:
    message = update.effective_message
    assert message is not None
    await reply(update, files.text)
    await message.reply_photo(files.chart, caption=me.t._("Tasks by status and results by"
                                                          " category"))
    if files.sheet is not None:
        await message.reply_document(files.sheet, filename=f"{stem}.xlsx",
                                     caption=html.escape(me.t._(
                                         "Every open task and every task finished in the"
                                         " last 30 days")))
