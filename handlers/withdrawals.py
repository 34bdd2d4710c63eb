"""/withdraw for the office and supervisors: an inspector unavailable from a date — who
(name or 执法证号), why, from when — then a replacement on each of their open tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update

from bot.buttons.withdrawals import (
    WithdrawConfirm,
    WithdrawFrom,
    WithdrawNo,
    WithdrawPerson,
    WithdrawReason,
)
from bot.rules.models import Conversation, Flow, Person, Role
from bot.rules.withdrawals import Reason
from bot.services import conversations, withdrawals
from bot.services.errors import Refusal, Refused
from bot.tg.markup import markup_of
from bot.views import withdrawals as words
from handlers.common import Buttons, Context, Press, Sent, Who, command, reply

FLOW = Flow.WITHDRAW


def _allowed(person: Person | None) -> bool:
    return person is not None and (person.is_office or person.has_role(Role.SUPERVISOR))


@command(_allowed, lambda t: words.refusal_text(t, Refused(Refusal.NOT_ALLOWED)))
async def withdraw_command(sent: Sent) -> None:
    """/withdraw: ask for the inspector."""
    update, me = sent.update, sent.me
    await conversations.begin(sent.context.core, me.tg_user_id, FLOW, "who", {})
    await reply(update, words.ask_who_text(me.t))


async def withdraw_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    """The name or 执法证号; or a typed date."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    if conversation.step == "confirm":
        await reply(update, words.use_buttons_text(me.t))
        return
    if conversation.step == "date":
        try:
            when = date.fromisoformat(message.text.strip())
        except ValueError:
            when = None
        today = context.core.today()
        if when is None or when < today:
            await reply(update, words.refusal_text(me.t, Refused(Refusal.BAD_DATE,
                                                           date=today.isoformat())))
            return
        await _confirm(update, context, me, int(conversation.data["person"]),
                       str(conversation.data["reason"]), when)
        return
    found = await withdrawals.candidates(context.core, me.person, message.text)
    if not found:
        await reply(update, words.no_match_text(me.t, message.text))
        return
    text, markup = words.who_screen(me.t, found)
    await reply(update, text, reply_markup=markup_of(markup))


BUTTONS = Buttons(words.refusal_text, _allowed)


async def _in_flow(press: Press[Any]) -> None:
    """In the middle of /withdraw (else the button is stale)."""
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    if conversation is None or conversation.flow != FLOW:
        raise Refused(Refusal.STALE)
    await press.query.answer()


@BUTTONS.on(WithdrawPerson)
async def person_chosen(press: Press[WithdrawPerson]) -> None:
    """The inspector is chosen: why?"""
    await _in_flow(press)
    text, markup = words.reason_screen(press.me.t, press.button.person_id)
    await reply(press.update, text, reply_markup=markup_of(markup))


@BUTTONS.on(WithdrawReason)
async def reason_chosen(press: Press[WithdrawReason]) -> None:
    """The reason is chosen: from which day?"""
    b = press.button
    await _in_flow(press)
    today = press.context.core.today()
    await conversations.begin(press.context.core, press.me.tg_user_id, FLOW, "date",
                              {"person": b.person_id, "reason": b.reason})
    text, markup = words.day_screen(press.me.t, b.person_id, b.reason, today)
    await reply(press.update, text, reply_markup=markup_of(markup))


@BUTTONS.on(WithdrawFrom)
async def day_chosen(press: Press[WithdrawFrom]) -> None:
    b = press.button
    await _in_flow(press)
    await _confirm(press.update, press.context, press.me, b.person_id, b.reason, b.day)


async def _refused(update: Update, context: Context, me: Who, exc: Refused) -> None:
    """A refusal ends the flow: its reason, and nothing left half-asked."""
    await reply(update, words.refusal_text(me.t, exc))
    await conversations.cancel(context.core, me.tg_user_id)


async def _confirm(update: Update, context: Context, me: Who, person_id: int, reason: str,
                   when: date) -> None:
    """A withdrawal cannot be taken back: sum up what it records before it does."""
    assert me.person is not None
    try:
        seen = await withdrawals.preview(context.core, me.person, person_id, when, reason)
    except Refused as exc:
        await _refused(update, context, me, exc)
        return
    await conversations.begin(context.core, me.tg_user_id, FLOW, "confirm",
                              {"person": person_id, "reason": reason, "day": when.isoformat()})
    t = me.t
    await reply(update, words.confirm_text(t, seen, words.reason_label(t, reason)),
                reply_markup=markup_of(words.confirm_keyboard(t, person_id, Reason(reason),
                                                              when)))


@BUTTONS.on(WithdrawConfirm)
async def confirmed(press: Press[WithdrawConfirm]) -> None:
    b = press.button
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    # Only the summary shown last records, and only what it showed (an older summary of
    # the same person, with another reason or date, is stale).
    if conversation is None or conversation.flow != FLOW or conversation.step != "confirm" or (
            conversation.data != {"person": b.person_id, "reason": b.reason,
                                  "day": b.day.isoformat()}):
        raise Refused(Refusal.STALE)
    if b.day < press.context.core.today():  # shown yesterday: no longer what was meant
        raise Refused(Refusal.STALE)
    await press.query.answer()
    await press.query.edit_message_reply_markup(None)
    await _record(press.update, press.context, press.me, b.person_id, b.reason, b.day)


@BUTTONS.on(WithdrawNo)
async def not_recorded(press: Press[WithdrawNo]) -> None:
    await _in_flow(press)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.edit_message_text(words.not_recorded_text(press.me.t),
                                        parse_mode="HTML")


async def _record(update: Update, context: Context, me: Who, person_id: int, reason: str,
                  when: date) -> None:
    assert me.person is not None
    try:
        done = await withdrawals.withdraw(context.core, me.person, person_id, when, reason)
    except Refused as exc:
        await _refused(update, context, me, exc)
        return
    await conversations.cancel(context.core, me.tg_user_id)
    text, markup = words.recorded_screen(me.t, done, reason)
    await reply(update, text, reply_markup=markup_of(markup))
