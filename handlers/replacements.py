"""Asking to be replaced (four reasons, a note) and deciding (Approve / Reject with reason)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.clock import now as clock_now
from bot.i18n import Translator
from bot.models import Conversation
from bot.services import conversations, replacements, tasks
from bot.services.errors import Refused
from handlers.common import (
    Context,
    Who,
    answer_stale,
    core,
    pressed,
    reply,
    stale_text,
    wake_outbox,
)

ASK = "replace"
ASK_FOR = "replace_for"  # a supervisor or the office, on a member's behalf
REJECT = "reject"


def refusal_text(t: Translator, exc: Refused) -> str:
    texts = {
        "unknown_task": t._("This task no longer exists."),
        "task_closed": t._("This task is finished, cancelled or under way; a replacement can"
                           " no longer be asked for. Nothing was changed."),
        "not_member": t._("You are not on this task's team any more."),
        "already_requested": t._("You have asked already; your request is waiting for a"
                                 " decision."),
        "unknown_request": t._("This request no longer exists."),
        "not_approver": t._("Only a supervisor of the inspector's own department can decide"
                            " this request (and nobody decides their own)."),
        "decided": t._("This request was decided already, by {by}.").format(
            by=html.escape(exc.params.get("by", ""))),
        "reason_required": t._("Please give the reason for rejecting."),
        "bad_reason": t._("That reason is not one of those allowed; nothing was changed."),
    }
    return texts.get(exc.reason, stale_text(t))


async def _put(me: Who, context: Context, flow: str, data: dict[str, object]) -> None:
    async with core(context).db.transaction() as tx:
        await tx.conversations.put(me.tg_user_id, flow, "text", data, clock_now())


async def replacement_button(update: Update, context: Context) -> None:
    """v1:rep:… — choose a reason, send, approve, reject."""
    query, me = await pressed(update, context)
    try:
        if me.person is None:
            raise Refused("not_member")
        _, args = callbacks.decode(query.data)
        action = args[0]
        if action == "ask":
            task_id = int(args[1])
            rows = [[InlineKeyboardButton(me.t._(label), callback_data=callbacks.encode(
                "rep", "why", task_id, key))] for key, label in replacements.REASONS.items()]
            await query.answer()
            await reply(update, me.t._("Why can you not do this inspection? A replacement is"
                                       " possible only for these reasons (003 第十八条):"),
                        reply_markup=InlineKeyboardMarkup(rows))
            return
        if action == "why":
            task_id, reason = int(args[1]), args[2]
            if reason not in replacements.REASONS:
                raise Refused("bad_reason")
            await _put(me, context, ASK, {"task": task_id, "reason": reason})
            await query.answer()
            await reply(update, me.t._("Add a note for your supervisor, or send it without"
                                       " one."), reply_markup=InlineKeyboardMarkup([[
                                           InlineKeyboardButton(me.t._("Send without a note"),
                                                                callback_data=callbacks.encode(
                                                                    "rep", "send", task_id))]]))
            return
        if action == "send":
            conversation = await conversations.current(core(context), me.tg_user_id)
            if (conversation is None or conversation.flow != ASK
                    or conversation.data.get("task") != int(args[1])):
                raise Refused("stale")
            await query.answer()
            await _file(update, context, me, conversation, None)
            return
        if action == "ab":
            told = await replacements.alert_absent(core(context), me.person, int(args[1]),
                                                   int(args[2]))
            wake_outbox(context)
            await query.answer()
            await reply(update, me.t._("Asked {names} whether to replace them. Nothing else"
                                       " was changed.").format(
                names="、".join(html.escape(p.name) for p in told) or me.t._("the office")))
            return
        if action == "obl":
            card = await tasks.card(core(context), me.person, int(args[1]))
            members = tasks.replaceable_by(me.person, card)
            if not members:
                raise Refused("not_approver")
            rows = [[InlineKeyboardButton(
                f"{m['name']} · {m['department']}"[:60], callback_data=callbacks.encode(
                    "rep", "ob", card.task["id"], m["person_id"]))] for m in members]
            await query.answer()
            await reply(update, me.t._("Whom is the replacement for?"),
                        reply_markup=InlineKeyboardMarkup(rows))
            return
        if action == "ob":
            task_id, person_id = int(args[1]), int(args[2])
            rows = [[InlineKeyboardButton(me.t._(label), callback_data=callbacks.encode(
                "rep", "obr", task_id, person_id, key))]
                for key, label in replacements.ON_BEHALF_REASONS.items()]
            await query.answer()
            await reply(update, me.t._("Why is this inspector to be replaced? (003 第十八条, and"
                                       " 未在岗 / 未注册 for someone who cannot take part)"),
                        reply_markup=InlineKeyboardMarkup(rows))
            return
        if action == "obr":
            task_id, person_id, reason = int(args[1]), int(args[2]), args[3]
            if reason not in replacements.ON_BEHALF_REASONS:
                raise Refused("bad_reason")
            await _put(me, context, ASK_FOR, {"task": task_id, "person": person_id,
                                              "reason": reason})
            await query.answer()
            await reply(update, me.t._("Add a note for the record, or send it without one."),
                        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                            me.t._("Send without a note"), callback_data=callbacks.encode(
                                "rep", "obs", task_id, person_id))]]))
            return
        if action == "obs":
            conversation = await conversations.current(core(context), me.tg_user_id)
            if (conversation is None or conversation.flow != ASK_FOR
                    or conversation.data.get("task") != int(args[1])
                    or conversation.data.get("person") != int(args[2])):
                raise Refused("stale")
            await query.answer()
            await _file_for(update, context, me, conversation, None)
            return
        if action in ("ok", "no"):
            request_id = int(args[1])
            if action == "no":
                await _put(me, context, REJECT, {"request": request_id})
                await query.answer()
                await reply(update, me.t._("Send the reason for rejecting; the inspector will"
                                           " read it."))
                return
            decision = await replacements.decide(core(context), me.person, request_id, True)
            wake_outbox(context)
            await query.answer()
            await reply(update, approved_text(me.t, decision))
            return
        raise Refused("stale")
    except (callbacks.BadCallback, IndexError, ValueError):
        await answer_stale(query, me.t)
    except Refused as exc:
        await query.answer(refusal_text(me.t, exc), show_alert=True)


def approved_text(t: Translator, decision: replacements.Decision) -> str:
    """What the approver reads after the draw, truthful about who can be told (or that
    nobody could be drawn)."""
    if decision.nobody:
        return t._("Approved, but nobody of the department can be drawn: the office has been"
                   " told and the request stays open.")
    name = html.escape(decision.joined or "")
    if decision.registered:
        return t._("Approved. {name} was drawn at random to take the place; everyone"
                   " concerned is told.").format(name=name)
    return t._("Approved. {name} was drawn at random to take the place, but is not"
               " registered in Choucha and cannot be told yet: the office has been asked to"
               " send their invite. The rest of the team is told.").format(name=name)


async def _file_for(update: Update, context: Context, me: Who, conversation: Conversation,
                    note: str | None) -> None:
    assert me.person is not None
    data = conversation.data
    try:
        filed = await replacements.request_for(core(context), me.person, int(data["task"]),
                                               int(data["person"]), str(data["reason"]), note)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
    else:
        wake_outbox(context)
        if filed.decision is None:
            names = "、".join(html.escape(p.name) for p in filed.approvers) or me.t._(
                "the office")
            await reply(update, me.t._("The request to replace {member} was sent to {names}"
                                       " for approval.").format(
                member=html.escape(filed.member), names=names))
        else:
            await reply(update, approved_text(me.t, filed.decision))
    await conversations.cancel(core(context), me.tg_user_id)


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
        approvers = await replacements.request(core(context), me.person,
                                               int(conversation.data["task"]),
                                               str(conversation.data["reason"]), note)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
    else:
        wake_outbox(context)
        names = "、".join(html.escape(p.name) for p in approvers) or me.t._("the office")
        await reply(update, me.t._("Your request was sent to {names}. You stay on the team"
                                   " until it is approved.").format(names=names))
    await conversations.cancel(core(context), me.tg_user_id)


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
        await replacements.decide(core(context), me.person, int(conversation.data["request"]),
                                  False, message.text)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        if exc.reason == "reason_required":
            return
    else:
        wake_outbox(context)
        await reply(update, me.t._("Rejected; the inspector has been told why."))
    await conversations.cancel(core(context), me.tg_user_id)
