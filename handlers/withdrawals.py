"""/withdraw for the office and supervisors: an inspector unavailable from a date — who
(name or 执法证号), why, from when — then a replacement on each of their open tasks."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.buttons.replacements import ReplacementForReason
from bot.buttons.withdrawals import (
    WithdrawConfirm,
    WithdrawFrom,
    WithdrawNo,
    WithdrawPerson,
    WithdrawReason,
)
from bot.logs import mask_cert
from bot.rules import approval
from bot.rules.models import Conversation, Flow, Person, Role
from bot.rules.withdrawals import REASONS, Reason
from bot.services import conversations, withdrawals
from bot.services.errors import Refusal, Refused
from bot.views import withdrawals as words
from handlers.common import Buttons, Context, Press, Sent, Who, command, key, reply

FLOW = Flow.WITHDRAW


def _allowed(person: Person | None) -> bool:
    return person is not None and (person.is_office or person.has_role(Role.SUPERVISOR))


@command(_allowed, lambda t: words.refusal_text(t, Refused(Refusal.NOT_ALLOWED)))
async def withdraw_command(sent: Sent) -> None:
    """/withdraw: ask for the inspector."""
    update, me = sent.update, sent.me
    await conversations.begin(sent.context.core, me.tg_user_id, FLOW, "who", {})
    await reply(update, me.t._("Which inspector is no longer available? Send their name or"
                               " 执法证号.") + "\n" + me.t._("Send /cancel to stop."))


async def withdraw_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    """The name or 执法证号; or a typed date."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    if conversation.step == "confirm":
        await reply(update, me.t._("Tap ✅ Record or ✖️ Cancel under the summary above, or"
                                   " send /cancel."))
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
        await reply(update, me.t._("No inspector you may record this for matches “{text}”."
                                   " Send another name or 执法证号, or /cancel.").format(
            text=html.escape(message.text[:40])))
        return
    rows = [[key(f"{c.person.name} · {c.person.department_name or ''} · {mask_cert(c.cert)}"
                 [:60], WithdrawPerson(c.person.id))] for c in found[:20]]
    await reply(update, me.t._("Who is it?"), reply_markup=InlineKeyboardMarkup(rows))


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
    t = press.me.t
    rows = [[key(t._(label), WithdrawReason(press.button.person_id, reason))]
            for reason, label in REASONS.items()]
    await reply(press.update, t._("Why is this inspector unavailable?"),
                reply_markup=InlineKeyboardMarkup(rows))


@BUTTONS.on(WithdrawReason)
async def reason_chosen(press: Press[WithdrawReason]) -> None:
    """The reason is chosen: from which day?"""
    b = press.button
    await _in_flow(press)
    today = press.context.core.today()
    await conversations.begin(press.context.core, press.me.tg_user_id, FLOW, "date",
                              {"person": b.person_id, "reason": b.reason})
    t = press.me.t
    rows = [[key(label.format(date=day.isoformat()), WithdrawFrom(b.person_id, b.reason, day))]
            for label, day in ((t._("From today ({date})"), today),
                               (t._("From tomorrow ({date})"), today + timedelta(days=1)))]
    await reply(press.update, t._("From which day? Tap one, or send a date (YYYY-MM-DD)."),
                reply_markup=InlineKeyboardMarkup(rows))


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
    rows = [[key(t._("✅ Record"), WithdrawConfirm(person_id, Reason(reason), when))],
            [key(t._("✖️ Cancel"), WithdrawNo())]]
    await reply(update, words.confirm_text(t, seen, t._(REASONS[Reason(reason)])),
                reply_markup=InlineKeyboardMarkup(rows))


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
    await press.query.edit_message_text(press.me.t._(
        "Nothing was recorded. /withdraw starts again."), parse_mode="HTML")


async def _record(update: Update, context: Context, me: Who, person_id: int, reason: str,
                  when: date) -> None:
    assert me.person is not None
    try:
        done = await withdrawals.withdraw(context.core, me.person, person_id, when, reason)
    except Refused as exc:
        await _refused(update, context, me, exc)
        return
    await conversations.cancel(context.core, me.tg_user_id)
    t = me.t
    lines = [t._("🚫 Recorded: {name} is unavailable from {date} ({reason}). Replacements and"
                 " new draws will never draw them; the withdrawal is appended to {draws} draw"
                 " records.").format(name=html.escape(done.person.name),
                                     date=done.from_date.isoformat(),
                                     reason=t._(REASONS[Reason(reason)]), draws=done.draws)]
    rows = []
    if done.open_tasks:
        lines.append(t._("They are still on these tasks; ask for a replacement on each:"))
        for task in done.open_tasks[:20]:
            lines.append(f"• {html.escape(task.target_name)} · {task.window_start} –"
                         f" {task.window_due}")
            label = t._("🔁 Replace on {target}").format(target=task.target_name[:30])
            rows.append([key(label, ReplacementForReason(task.id, person_id,
                                                         approval.Reason.ABSENT))])
    await reply(update, "\n".join(lines),
                reply_markup=InlineKeyboardMarkup(rows) if rows else None)
