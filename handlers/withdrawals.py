"""/withdraw for the office and supervisors: an inspector unavailable from a date — who
(name or 执法证号), why, from when — then a replacement on each of their open tasks."""

from __future__ import annotations

import html
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.clock import now as clock_now
from bot.i18n import Translator
from bot.logs import mask_cert
from bot.models import Conversation, Person, Role
from bot.services import conversations, withdrawals
from bot.services.errors import Refused
from handlers.common import Context, Who, answer_stale, core, pressed, reply, who
from handlers.onboarding import access_text

FLOW = "withdraw"


def _allowed(person: Person | None) -> bool:
    return person is not None and (person.is_office or person.has_role(Role.SUPERVISOR))


def refusal_text(t: Translator, exc: Refused) -> str:
    name = html.escape(exc.params.get("name", ""))
    return {
        "not_allowed": t._("Only the office or a supervisor of the inspector's department"
                           " records this."),
        "already_withdrawn": t._("{name} is recorded as unavailable already; nothing was"
                                 " changed.").format(name=name),
        "no_cert": t._("{name} has no 执法证号, so is never drawn anyway.").format(name=name),
        "bad_date": t._("Please send a date as YYYY-MM-DD, today or later, for example"
                        " {date}.").format(date=exc.params.get("date", "")),
    }.get(exc.reason, t._("This button is no longer valid. Send /help to start again."))


async def withdraw_command(update: Update, context: Context) -> None:
    """/withdraw: ask for the inspector."""
    me = await who(update, context)
    if not _allowed(me.person):
        await reply(update, access_text(me.t) if me.person is None else
                    refusal_text(me.t, Refused("not_allowed")))
        return
    async with core(context).db.transaction() as tx:
        await tx.conversations.put(me.tg_user_id, FLOW, "who", {}, clock_now())
    await reply(update, me.t._("Which inspector is no longer available? Send their name or"
                               " 执法证号.") + "\n" + me.t._("Send /cancel to stop."))


async def withdraw_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    """The name or 执法证号; or a typed date."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    if conversation.step == "date":
        try:
            when = date.fromisoformat(message.text.strip())
        except ValueError:
            when = None
        today = core(context).today()
        if when is None or when < today:
            await reply(update, refusal_text(me.t, Refused("bad_date", date=today.isoformat())))
            return
        await _record(update, context, me, int(conversation.data["person"]),
                      str(conversation.data["reason"]), when)
        return
    found = await withdrawals.candidates(core(context), me.person, message.text)
    if not found:
        await reply(update, me.t._("No inspector you may record this for matches “{text}”."
                                   " Send another name or 执法证号, or /cancel.").format(
            text=html.escape(message.text[:40])))
        return
    async with core(context).db.read() as rtx:
        certs = {p.id: await rtx.directory.cert_of(p.id) for p in found}
    rows = [[InlineKeyboardButton(
        f"{p.name} · {p.department_name or ''} · {mask_cert(certs[p.id])}"[:60],
        callback_data=callbacks.encode("wd", "p", p.id))] for p in found[:20]]
    await reply(update, me.t._("Who is it?"), reply_markup=InlineKeyboardMarkup(rows))


async def withdraw_button(update: Update, context: Context) -> None:
    """v1:wd:p:<person> → reasons; v1:wd:r:<person>:<reason> → dates; v1:wd:d:… → record."""
    query, me = await pressed(update, context)
    if not _allowed(me.person):
        await query.answer(refusal_text(me.t, Refused("not_allowed")), show_alert=True)
        return
    try:
        _, args = callbacks.decode(query.data)
        action, person_id = args[0], int(args[1])
        conversation = await conversations.current(core(context), me.tg_user_id)
        if conversation is None or conversation.flow != FLOW:
            raise Refused("stale")
    except (callbacks.BadCallback, IndexError, ValueError, Refused):
        await answer_stale(query, me.t)
        return
    await query.answer()
    if action == "p":
        rows = [[InlineKeyboardButton(me.t._(label), callback_data=callbacks.encode(
            "wd", "r", person_id, key))] for key, label in withdrawals.REASONS.items()]
        await reply(update, me.t._("Why is this inspector unavailable?"),
                    reply_markup=InlineKeyboardMarkup(rows))
        return
    if action == "r" and len(args) == 3 and args[2] in withdrawals.REASONS:
        today = core(context).today()
        async with core(context).db.transaction() as tx:
            await tx.conversations.put(me.tg_user_id, FLOW, "date",
                                       {"person": person_id, "reason": args[2]}, clock_now())
        rows = [[InlineKeyboardButton(
            label.format(date=day.isoformat()),
            callback_data=callbacks.encode("wd", "d", person_id, args[2],
                                           day.strftime("%Y%m%d")))]
            for label, day in ((me.t._("From today ({date})"), today),
                               (me.t._("From tomorrow ({date})"), today + timedelta(days=1)))]
        await reply(update, me.t._("From which day? Tap one, or send a date (YYYY-MM-DD)."),
                    reply_markup=InlineKeyboardMarkup(rows))
        return
    if action == "d" and len(args) == 4 and args[2] in withdrawals.REASONS:
        try:
            when = date(int(args[3][:4]), int(args[3][4:6]), int(args[3][6:8]))
        except ValueError:
            await answer_stale(query, me.t)
            return
        await _record(update, context, me, person_id, args[2], when)
        return
    await answer_stale(query, me.t)


async def _record(update: Update, context: Context, me: Who, person_id: int, reason: str,
                  when: date) -> None:
    assert me.person is not None
    try:
        done = await withdrawals.withdraw(core(context), me.person, person_id, when, reason)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        await conversations.cancel(core(context), me.tg_user_id)
        return
    await conversations.cancel(core(context), me.tg_user_id)
    t = me.t
    lines = [t._("🚫 Recorded: {name} is unavailable from {date} ({reason}). Replacements and"
                 " new draws will never draw them; the withdrawal is appended to {draws} draw"
                 " records.").format(name=html.escape(done.person.name),
                                     date=done.from_date.isoformat(),
                                     reason=t._(withdrawals.REASONS[reason]), draws=done.draws)]
    rows = []
    if done.open_tasks:
        lines.append(t._("They are still on these tasks; ask for a replacement on each:"))
        for task in done.open_tasks[:20]:
            lines.append(f"• {html.escape(task['target_name'])} · {task['window_start']} –"
                         f" {task['window_due']}")
            rows.append([InlineKeyboardButton(
                t._("🔁 Replace on {target}").format(target=task["target_name"][:30]),
                callback_data=callbacks.encode("rep", "obr", task["id"], person_id, "absent"))])
    await reply(update, "\n".join(lines),
                reply_markup=InlineKeyboardMarkup(rows) if rows else None)
