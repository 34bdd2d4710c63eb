"""/draw for the office: prepare (freeze and commit), cancel a preparation, run (with the
public entropy), export the announcement or the record."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from telegram import Update

from bot.buttons.draws import (
    DrawCancel,
    DrawConfirm,
    DrawExport,
    DrawPlan,
    DrawPrepare,
    DrawRun,
    DrawWithdraw,
)
from bot.rules.models import BulkWrite, Conversation, Flow
from bot.rules.records import DrawStatus, PlanLine
from bot.services import conversations, draws, listings
from bot.services.errors import Refusal, Refused
from bot.texts import draws as draw_texts
from bot.texts import notices
from bot.tg.markup import markup_of
from bot.views import draws as words
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    command,
    office,
    person_of,
    reply,
    reply_with_file,
)

FLOW = Flow.DRAW


@command(office, words.not_office_text)
async def draw_command(sent: Sent) -> None:
    """/draw: the plans, each with its draw state."""
    update, me = sent.update, sent.me
    plans = await draws.plans(sent.context.core, sent.person)
    if not plans:
        await reply(update, words.no_plan_text(me.t))
        return
    text, markup = words.plans_screen(me.t, plans)
    await reply(update, text, reply_markup=markup_of(markup))


BUTTONS = Buttons(words.refusal_text, office, Refusal.NOT_OFFICE)


async def _plan(press: Press[Any], plan_id: int) -> PlanLine:
    """The plan a button names (answers the press)."""
    plan = await draws.plan_line(press.context.core, press.member, plan_id)
    await press.query.answer()
    return plan


@BUTTONS.on(DrawPlan)
async def plan_chosen(press: Press[DrawPlan]) -> None:
    """A plan: its draw date, where its draw stands and the next steps."""
    plan = await _plan(press, press.button.plan_id)
    t = press.me.t
    await reply(press.update, words.plan_text(t, plan),
                reply_markup=markup_of(words.plan_keyboard(t, plan)))


@BUTTONS.on(DrawPrepare)
async def prepare(press: Press[DrawPrepare]) -> None:
    plan = await _plan(press, press.button.plan_id)
    await listings.ready_to_prepare(press.context.core, person_of(press.me), plan.id)
    await _ask(press, plan, "source", None)


@BUTTONS.on(DrawRun)
async def run(press: Press[DrawRun]) -> None:
    await _ask(press, await _plan(press, press.button.plan_id), "entropy",
               DrawStatus.PREPARED)


@BUTTONS.on(DrawWithdraw)
async def withdraw_preparation(press: Press[DrawWithdraw]) -> None:
    await _ask(press, await _plan(press, press.button.plan_id), "cancel",
               DrawStatus.PREPARED)


# A button of an older screen, pressed once the draw has moved on: said at once, before
# anything is asked.
MOVED_ON = {None: Refusal.NOT_PREPARED, DrawStatus.CANCELLED: Refusal.NOT_PREPARED,
            DrawStatus.PREPARED: Refusal.ALREADY_PREPARED,
            DrawStatus.WRITING: Refusal.DRAW_WRITING, DrawStatus.RUN: Refusal.ALREADY_RUN}


async def _ask(press: Press[Any], plan: PlanLine, step: str,
               expected: DrawStatus | None) -> None:
    status = None if plan.draw_status == DrawStatus.CANCELLED else plan.draw_status
    if status != expected:
        await reply(press.update, words.refusal_text(press.me.t, Refused(
            MOVED_ON[status], date=plan.draw_date.isoformat())))
        return
    await conversations.begin(press.context.core, press.me.tg_user_id, FLOW, step,
                              {"plan": plan.name})
    await reply(press.update, words.ask_text(press.me.t, step, plan))


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
    await reply(press.update, words.exported_text(press.me.t, plan, [p.name for p in paths]))


def _waiting(update: Update, me: Who) -> Any:
    async def waiting(current: BulkWrite) -> None:
        await reply(update, words.waiting_text(me.t, current))
    return waiting


async def draw_text(update: Update, context: Context, me: Who,
                    conversation: Conversation) -> None:
    """The entropy source, the entropy value or the reason for cancelling, typed during a
    draw flow."""
    if not office(me.person):
        await conversations.cancel(context.core, me.tg_user_id)
        await reply(update, words.office_only_text(me.t))
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    plan = conversation.data["plan"]
    core, actor = context.core, person_of(me)
    markup = None
    try:
        if conversation.step == "source":
            async def freezing() -> None:
                await reply(update, words.freezing_text(me.t, plan))

            prepared = await draws.prepare(core, actor, plan, message.text,
                                           waiting=_waiting(update, me), started=freezing)
            text = draw_texts.prepared_text(me.t, prepared)
            markup = markup_of(notices.run_draw(me.t, prepared.plan_id))
        elif conversation.step == "cancel":
            text = draw_texts.cancelled_text(me.t, await draws.cancel(core, actor, plan,
                                                                 message.text))
        elif conversation.step == "entropy":
            ready = await draws.ready_to_run(core, actor, plan, message.text)
            # Irreversible: say what will be drawn from, with the value as typed, and ask.
            await conversations.begin(core, me.tg_user_id, FLOW, "confirm",
                                      {"plan": plan, "entropy": ready.entropy})
            await reply(update, words.confirm_run_text(me.t, ready),
                        reply_markup=markup_of(words.confirm_run_keyboard(me.t, ready.plan_id)))
            return
        else:
            await reply(update, words.use_buttons_text(me.t))
            return
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        if exc.reason in (Refusal.BAD_ENTROPY_SOURCE, Refusal.BAD_ENTROPY,
                          Refusal.BAD_CANCEL_REASON, Refusal.ENTROPY_SOURCE_USED):
            return  # still waiting for a good value
    else:
        await reply(update, text, reply_markup=markup)
    await conversations.cancel(core, me.tg_user_id)


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
        await reply(press.update, words.drawing_text(t, plan))

    try:
        ran = await draws.run(press.context.core, press.member, plan, entropy, started=started,
                              waiting=_waiting(press.update, press.me))
    except Refused as exc:
        await reply(press.update, words.refusal_text(t, exc))
    else:
        press.context.wake_outbox()  # the inspectors hear now, not after the sheet
        # The result and the drawn firms and teams, to read and pass on: one message when
        # the result fits the spreadsheet's caption.
        sheet = await draws.result_xlsx(press.context.core, press.member, t, plan)
        await reply_with_file(press.update, draw_texts.ran_text(t, ran), sheet,
                              f"draw-{press.button.plan_id}.xlsx",
                              words.sheet_caption(t, plan))
    await conversations.cancel(press.context.core, press.me.tg_user_id)


@BUTTONS.on(DrawCancel)
async def cancel_run(press: Press[DrawCancel]) -> None:
    await _confirmed(press, press.button.plan_id)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.answer()
    await reply(press.update, words.run_cancelled_text(press.me.t))
