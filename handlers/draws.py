"""/draw for the office: prepare (commit), run (with the public entropy), export."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.rules.models import Conversation
from bot.rules.records import PlanLine
from bot.services import conversations, draws
from bot.services.errors import Refusal, Refused
from bot.views import draws as words
from bot.views.buttons import (
    Button,
    DrawCancel,
    DrawConfirm,
    DrawExport,
    DrawPlan,
    DrawPrepare,
    DrawRun,
)
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    command,
    key,
    office,
    person_of,
    reply,
)

FLOW = "draw"


@command(office, words.not_office_text)
async def draw_command(sent: Sent) -> None:
    """/draw: the plans, each with its draw state."""
    update, me = sent.update, sent.me
    plans = await draws.plans(sent.context.core, sent.person)
    if not plans:
        await reply(update, me.t._("No plan is loaded yet: send the annual plan's file."))
        return
    states = {None: me.t._("not prepared"), "prepared": me.t._("prepared"),
              "run": me.t._("drawn")}
    rows = [[key(f"{p.name[:40]} · {states[p.draw_status]}", DrawPlan(p.id))] for p in plans]
    await reply(update, me.t._("Which plan?"), reply_markup=InlineKeyboardMarkup(rows))


BUTTONS = Buttons(words.refusal_text, office, Refusal.NOT_OFFICE)


async def _plan(press: Press[Any], plan_id: int) -> PlanLine:
    """The plan a button names (answers the press)."""
    plan = await draws.plan_line(press.context.core, press.member, plan_id)
    await press.query.answer()
    return plan


@BUTTONS.on(DrawPlan)
async def plan_chosen(press: Press[DrawPlan]) -> None:
    """A plan: its draw date and the next step (prepare, run or export)."""
    plan = await _plan(press, press.button.plan_id)
    t, plan_id = press.me.t, press.button.plan_id
    step: Button
    step, label = {None: (DrawPrepare(plan_id), t._("Prepare the draw")),
                   "prepared": (DrawRun(plan_id), t._("Run the draw")),
                   "run": (DrawExport(plan_id), t._("Export the record"))}[plan.draw_status]
    await reply(press.update, t._("<b>{plan}</b>\nDraw date: {date}").format(
        plan=html.escape(plan.name), date=plan.draw_date.isoformat()),
        reply_markup=InlineKeyboardMarkup([[key(label, step)]]))


@BUTTONS.on(DrawPrepare)
async def prepare(press: Press[DrawPrepare]) -> None:
    await _ask_entropy(press, await _plan(press, press.button.plan_id), "source")


@BUTTONS.on(DrawRun)
async def run(press: Press[DrawRun]) -> None:
    await _ask_entropy(press, await _plan(press, press.button.plan_id), "entropy")


async def _ask_entropy(press: Press[Any], plan: PlanLine, step: str) -> None:
    await conversations.begin(press.context.core, press.me.tg_user_id, FLOW, step,
                              {"plan": plan.name})
    t = press.me.t
    prompt = (t._("Send the public entropy source you name in advance, for example"
                  " “中国福利彩票3D, draw of {date}”.") if step == "source" else
              t._("Send the public entropy value now published by that source."))
    await reply(press.update, prompt.format(date=plan.draw_date.isoformat()) + "\n"
                + t._("Send /cancel to stop."))


@BUTTONS.on(DrawExport)
async def export(press: Press[DrawExport]) -> None:
    plan = await _plan(press, press.button.plan_id)
    message = press.update.effective_message
    assert message is not None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            paths = await draws.export(press.context.core, plan.name, Path(tmp))
        except Refused as exc:
            await reply(press.update, words.refusal_text(press.me.t, exc))
            return
        for path in paths:
            await message.reply_document(path.read_bytes(), filename=path.name)


async def draw_text(update: Update, context: Context, me: Who,
                    conversation: Conversation) -> None:
    """The entropy source or value typed during a draw flow."""
    if not office(me.person):
        await conversations.cancel(context.core, me.tg_user_id)
        await reply(update, me.t._("Only the office runs draws."))
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    plan = conversation.data["plan"]
    try:
        if conversation.step == "source":
            prepared = await draws.prepare(context.core, person_of(me), plan, message.text)
            text = draws.prepared_text(me.t, prepared)
        elif conversation.step == "entropy":
            ready = await draws.ready_to_run(context.core, person_of(me), plan, message.text)
            # Irreversible: say what will be drawn from, with the value as typed, and ask.
            await conversations.begin(context.core, me.tg_user_id, FLOW, "confirm",
                                      {"plan": plan, "entropy": ready.entropy})
            await reply(update, words.confirm_run_text(me.t, ready), reply_markup=(
                InlineKeyboardMarkup([[key(me.t._("✅ Run the draw now"),
                                           DrawConfirm(ready.plan_id)),
                                       key(me.t._("✖ Cancel"), DrawCancel(ready.plan_id))]])))
            return
        else:
            await reply(update, me.t._("Please use the buttons above: run the draw, or"
                                       " cancel."))
            return
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        if exc.reason in (Refusal.BAD_ENTROPY_SOURCE, Refusal.BAD_ENTROPY):
            return  # still waiting for a good value
    else:
        await reply(update, text)
        context.wake_outbox()
    await conversations.cancel(context.core, me.tg_user_id)


async def _confirmed(press: Press[Any], plan_id: int) -> tuple[str, str]:
    """(plan, entropy) this person was asked to confirm for `plan_id`, else stale."""
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    plan = await draws.plan_line(press.context.core, press.member, plan_id)
    if (conversation is None or conversation.flow != FLOW or conversation.step != "confirm"
            or conversation.data.get("plan") != plan.name):
        raise Refused(Refusal.STALE)
    return plan.name, str(conversation.data["entropy"])


@BUTTONS.on(DrawConfirm)
async def confirm_run(press: Press[DrawConfirm]) -> None:
    plan, entropy = await _confirmed(press, press.button.plan_id)
    await press.query.answer()
    t = press.me.t

    async def started() -> None:
        await reply(press.update, t._("⏳ Drawing {plan}: the targets are selected and the"
                                      " teams formed. The result comes here when it is"
                                      " done.").format(plan=html.escape(plan)))

    try:
        ran = await draws.run(press.context.core, press.member, plan, entropy, started=started)
    except Refused as exc:
        await reply(press.update, words.refusal_text(t, exc))
    else:
        await reply(press.update, draws.ran_text(t, ran))
        press.context.wake_outbox()
        message = press.update.effective_message
        if message is not None:  # the drawn firms and teams, to read and pass on
            sheet = await draws.result_xlsx(press.context.core, press.member, t, plan)
            await message.reply_document(sheet, filename=f"draw-{press.button.plan_id}.xlsx",
                                         caption=t._("{plan}: the drawn firms and their"
                                                     " teams.").format(plan=html.escape(plan)),
                                         parse_mode="HTML")
    await conversations.cancel(press.context.core, press.me.tg_user_id)


@BUTTONS.on(DrawCancel)
async def cancel_run(press: Press[DrawCancel]) -> None:
    await _confirmed(press, press.button.plan_id)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.answer()
    await reply(press.update, press.me.t._("Cancelled: the draw was not run and nothing"
                                           " was changed. Run it again from /draw."))

