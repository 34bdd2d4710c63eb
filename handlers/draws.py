"""/draw for the office: prepare (commit), run (with the public entropy), export."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.clock import now as clock_now
from bot.models import Conversation, Person
from bot.services import conversations, draws
from bot.services.errors import Refused
from handlers.common import (
    Context,
    Who,
    answer_stale,
    core,
    person_of,
    pressed,
    reply,
    stale_text,
    wake_outbox,
    who,
)
from handlers.onboarding import access_text

FLOW = "draw"


def _office(person: Person | None) -> bool:
    return person is not None and person.is_office


async def draw_command(update: Update, context: Context) -> None:
    """/draw: the plans, each with its draw state."""
    me = await who(update, context)
    if not _office(me.person):
        await reply(update, access_text(me.t) if me.person is None else
                    me.t._("Only the office runs draws."))
        return
    async with core(context).db.read() as rtx:
        plans = await rtx.draws.plans()
    if not plans:
        await reply(update, me.t._("No plan is loaded yet: send the annual plan's file."))
        return
    states = {None: me.t._("not prepared"), "prepared": me.t._("prepared"),
              "run": me.t._("drawn")}
    rows = [[InlineKeyboardButton(f"{p['name'][:40]} · {states[p['draw_status']]}",
                                  callback_data=callbacks.encode("draw", "p", p["id"]))]
            for p in plans]
    await reply(update, me.t._("Which plan?"), reply_markup=InlineKeyboardMarkup(rows))


async def draw_button(update: Update, context: Context) -> None:
    """A plan, Prepare, Run or Export."""
    query, me = await pressed(update, context)
    if not _office(me.person):
        await query.answer(me.t._("Only the office runs draws."), show_alert=True)
        return
    try:
        _, args = callbacks.decode(query.data)
        action, plan_id = args[0], int(args[1])
    except (callbacks.BadCallback, IndexError, ValueError):
        await answer_stale(query, me.t)
        return
    async with core(context).db.read() as rtx:
        plan = next((p for p in await rtx.draws.plans() if p["id"] == plan_id), None)
    if plan is None:
        await query.answer(me.t._("There is no such plan any more."), show_alert=True)
        return
    await query.answer()
    name = html.escape(plan["name"])
    status = plan["draw_status"]
    if action == "p":
        buttons = {None: ("prep", me.t._("Prepare the draw")),
                   "prepared": ("run", me.t._("Run the draw")),
                   "run": ("exp", me.t._("Export the record"))}[status]
        await reply(update, me.t._("<b>{plan}</b>\nDraw date: {date}").format(
            plan=name, date=plan["draw_date"]), reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton(buttons[1], callback_data=callbacks.encode(
                    "draw", buttons[0], plan_id))]]))
        return
    if action in ("prep", "run"):
        step = "source" if action == "prep" else "entropy"
        async with core(context).db.transaction() as tx:
            await tx.conversations.put(me.tg_user_id, FLOW, step, {"plan": plan["name"]},
                                       clock_now())
        prompt = (me.t._("Send the public entropy source you name in advance, for example"
                         " “中国福利彩票3D, draw of {date}”.") if step == "source" else
                  me.t._("Send the public entropy value now published by that source."))
        await reply(update, prompt.format(date=plan["draw_date"]) + "\n"
                    + me.t._("Send /cancel to stop."))
        return
    if action == "exp":
        message = update.effective_message
        assert message is not None
        with tempfile.TemporaryDirectory() as tmp:
            try:
                paths = await draws.export(core(context), plan["name"], Path(tmp))
            except Refused as exc:
                await reply(update, draws.refusal_text(me.t, exc))
                return
            for path in paths:
                await message.reply_document(path.read_bytes(), filename=path.name)
        return
    await reply(update, stale_text(me.t))


async def draw_text(update: Update, context: Context, me: Who,
                    conversation: Conversation) -> None:
    """The entropy source or value typed during a draw flow."""
    if not _office(me.person):
        await conversations.cancel(core(context), me.tg_user_id)
        await reply(update, me.t._("Only the office runs draws."))
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    plan = conversation.data["plan"]
    try:
        if conversation.step == "source":
            prepared = await draws.prepare(core(context), person_of(me), plan, message.text)
            text = draws.prepared_text(me.t, prepared)
        else:
            async def started() -> None:
                await reply(update, me.t._("⏳ Drawing {plan}: the targets are selected and"
                                           " the teams formed. The result comes here when it"
                                           " is done.").format(plan=html.escape(plan)))

            ran = await draws.run(core(context), person_of(me), plan, message.text,
                                  started=started)
            text = draws.ran_text(me.t, ran)
    except Refused as exc:
        await reply(update, draws.refusal_text(me.t, exc))
        if exc.reason in ("bad_entropy_source", "bad_entropy"):
            return  # still waiting for a good value
    else:
        await reply(update, text)
        wake_outbox(context)
    async with core(context).db.transaction(record_update=False) as tx:
        await tx.conversations.clear(me.tg_user_id)

