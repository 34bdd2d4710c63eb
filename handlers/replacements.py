"""Asking to be replaced (four reasons, a note) and deciding (Approve / Reject with reason)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.buttons.replacements import (
    ReplacementAbsent,
    ReplacementApprove,
    ReplacementAsk,
    ReplacementFor,
    ReplacementForList,
    ReplacementForReason,
    ReplacementForSend,
    ReplacementReason,
    ReplacementReject,
    ReplacementSend,
)
from bot.rules import approval
from bot.rules.models import Conversation, Flow
from bot.services import conversations, replacements, tasks
from bot.services.errors import Refusal, Refused
from bot.tg.markup import markup_of
from bot.views import replacements as words
from handlers.common import Buttons, Context, Press, Who, registered, reply

ASK = Flow.REPLACE
ASK_FOR = Flow.REPLACE_FOR  # a supervisor or the office, on a member's behalf
REJECT = Flow.REJECT


async def _put(me: Who, context: Context, flow: Flow, data: dict[str, Any]) -> None:
    await conversations.begin(context.core, me.tg_user_id, flow, "text", data)


BUTTONS = Buttons(words.refusal_text, registered, Refusal.NOT_MEMBER)


async def _ask_with(press: Press[Any], screen: words.Screen) -> None:
    text, markup = screen
    await press.query.answer()
    await reply(press.update, text, reply_markup=markup_of(markup))


@BUTTONS.on(ReplacementAsk)
async def ask(press: Press[ReplacementAsk]) -> None:
    """A member asks to be replaced: the reasons of 003 第十八条."""
    await _ask_with(press, words.reasons_screen(press.me.t, press.button.task_id))


@BUTTONS.on(ReplacementReason)
async def reason_chosen(press: Press[ReplacementReason]) -> None:
    task_id, reason = press.button.task_id, press.button.reason
    if reason not in approval.REASONS:
        raise Refused(Refusal.BAD_REASON)
    await _put(press.me, press.context, ASK, {"task": task_id, "reason": reason})
    await _ask_with(press, words.note_screen(press.me.t, task_id))


@BUTTONS.on(ReplacementSend)
async def send(press: Press[ReplacementSend]) -> None:
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    if (conversation is None or conversation.flow != ASK
            or conversation.data.get("task") != press.button.task_id):
        raise Refused(Refusal.STALE)
    await press.query.answer()
    await _file(press.update, press.context, press.me, conversation, None)


@BUTTONS.on(ReplacementAbsent)
async def absent(press: Press[ReplacementAbsent]) -> None:
    """A leader asks the approvers whether to replace an absent member."""
    told = await replacements.alert_absent(press.context.core, press.member,
                                           press.button.task_id, press.button.person_id)
    await press.query.answer()
    await reply(press.update, words.asked_absent_text(press.me.t, told))


@BUTTONS.on(ReplacementForList)
async def for_whom(press: Press[ReplacementForList]) -> None:
    """An approver replaces a member of the task: which one?"""
    person = press.member
    card = await tasks.card(press.context.core, person, press.button.task_id)
    members = tasks.replaceable_by(person, card)
    if not members:
        raise Refused(Refusal.NOT_APPROVER)
    await _ask_with(press, words.whom_screen(press.me.t, card.task.id, members))


@BUTTONS.on(ReplacementFor)
async def for_member(press: Press[ReplacementFor]) -> None:
    b = press.button
    await _ask_with(press, words.reasons_for_screen(press.me.t, b.task_id, b.person_id))


@BUTTONS.on(ReplacementForReason)
async def for_reason(press: Press[ReplacementForReason]) -> None:
    b = press.button
    if b.reason not in approval.ON_BEHALF_REASONS:
        raise Refused(Refusal.BAD_REASON)
    await _put(press.me, press.context, ASK_FOR, {"task": b.task_id, "person": b.person_id,
                                                  "reason": b.reason})
    await _ask_with(press, words.note_for_screen(press.me.t, b.task_id, b.person_id))


@BUTTONS.on(ReplacementForSend)
async def for_send(press: Press[ReplacementForSend]) -> None:
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    if (conversation is None or conversation.flow != ASK_FOR
            or conversation.data.get("task") != press.button.task_id
            or conversation.data.get("person") != press.button.person_id):
        raise Refused(Refusal.STALE)
    await press.query.answer()
    await _file_for(press.update, press.context, press.me, conversation, None)


@BUTTONS.on(ReplacementApprove)
async def approve(press: Press[ReplacementApprove]) -> None:
    decision = await replacements.decide(press.context.core, press.member,
                                         press.button.request_id, True)
    await press.query.answer()
    await reply(press.update, words.approved_text(press.me.t, decision))


@BUTTONS.on(ReplacementReject)
async def reject(press: Press[ReplacementReject]) -> None:
    await _put(press.me, press.context, REJECT, {"request": press.button.request_id})
    await press.query.answer()
    await reply(press.update, words.ask_reject_reason(press.me.t))


async def _file_for(update: Update, context: Context, me: Who, conversation: Conversation,
                    note: str | None) -> None:
    assert me.person is not None
    data = conversation.data
    try:
        filed = await replacements.request_for(context.core, me.person, int(data["task"]),
                                               int(data["person"]), str(data["reason"]), note)
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
    else:
        if filed.decision is None:
            await reply(update, words.sent_text(me.t, filed.asked.approvers, filed.asked.waiting,
                                                filed.member))
        else:
            await reply(update, words.approved_text(me.t, filed.decision))
    await conversations.cancel(context.core, me.tg_user_id)


async def note_for_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    """The note of a replacement asked on a member's behalf."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _file_for(update, context, me, conversation, message.text)


async def _file(update: Update, context: Context, me: Who, conversation: Conversation,
                note: str | None) -> None:
    assert me.person is not None
    try:
        asked = await replacements.request(context.core, me.person,
                                           int(conversation.data["task"]),
                                           str(conversation.data["reason"]), note)
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
    else:
        await reply(update, words.sent_text(me.t, asked.approvers, asked.waiting))
    await conversations.cancel(context.core, me.tg_user_id)


async def note_text(update: Update, context: Context, me: Who,
                    conversation: Conversation) -> None:
    """The note of a replacement request."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _file(update, context, me, conversation, message.text)


async def reject_text(update: Update, context: Context, me: Who,
                      conversation: Conversation) -> None:
    """The reason of a rejection."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    try:
        await replacements.decide(context.core, me.person, int(conversation.data["request"]),
                                  False, message.text)
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        if exc.reason == Refusal.REASON_REQUIRED:
            return
    else:
        await reply(update, words.rejected_text(me.t))
    await conversations.cancel(context.core, me.tg_user_id)
