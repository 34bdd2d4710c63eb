"""/correct and the task card's ✏️: a submitted record corrected by a new version."""

from __future__ import annotations

from telegram import Update

from bot.buttons.corrections import CorrectionOpen
from bot.clock import now as clock_now
from bot.rules.models import Conversation, Flow
from bot.services import conversations, corrections, tasks, visits
from bot.services.errors import Refusal, Refused
from bot.tg.markup import markup_of
from bot.views import corrections as words
from handlers.common import Buttons, Context, Press, Sent, Who, command, registered, reply
from handlers.visits import show_view

FLOW = Flow.CORRECTION


@command()
async def correct_command(sent: Sent) -> None:
    """/correct: the submitted records this person may correct, one button each."""
    found = await corrections.correctable(sent.context.core, sent.person)
    await reply(sent.update, words.correctable_text(sent.t, found, sent.context.core.settings.tz),
                reply_markup=markup_of(words.correctable_keyboard(found)))


BUTTONS = Buttons(words.refusal_text, registered)


@BUTTONS.on(CorrectionOpen)
async def open_correction(press: Press[CorrectionOpen]) -> None:
    """The reason comes next, as text (nothing changes before it); who may not correct
    this record is told at once."""
    await corrections.check(press.context.core, press.member, press.button.task_id)
    await conversations.begin(press.context.core, press.me.tg_user_id, FLOW, "reason",
                              {"task": press.button.task_id})
    await press.query.answer()
    await reply(press.update, words.ask_reason(press.me.t))


async def reason_text(update: Update, context: Context, me: Who,
                      conversation: Conversation) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    task_id = int(conversation.data["task"])
    try:
        await corrections.open_correction(context.core, me.person, task_id, message.text,
                                          clock_now())
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        if exc.reason == Refusal.REASON_REQUIRED:
            return  # still waiting for the reason
        await conversations.cancel(context.core, me.tg_user_id)
        return
    card = await tasks.card(context.core, me.person, task_id)
    if card.member(me.person.id) is None:  # the office: the team carries it out
        await conversations.cancel(context.core, me.tg_user_id)
        await reply(update, words.opened_for_team_text(me.t))
        return
    await reply(update, words.opened_text(me.t))
    await show_view(update, context, me,
                    await visits.start(context.core, me.person, me.tg_user_id, task_id))
