"""/publish: the office publishes finished results (one, or all due), withholds one with a
reason, corrects a published one, and exports for the credit publicity system."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.clock import now as clock_now
from bot.i18n import Translator
from bot.models import Conversation, Person
from bot.services import conversations, publication
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

WITHHOLD = "withhold"
LISTED = 10


def _office(person: Person | None) -> bool:
    return person is not None and person.is_office


def _refusal(t: Translator, exc: Refused) -> str:
    return {
        "not_due": t._("This result is not waiting for publication (published, withheld or"
                       " not finished). Nothing was changed."),
        "not_published": t._("Only a published result can be corrected."),
        "reason_required": t._("Please give the reason in a few words."),
        "no_record": t._("There is no submitted record for this task yet."),
    }.get(exc.reason, stale_text(t))


def _b(text: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode("pub", *parts))


async def publish_command(update: Update, context: Context) -> None:
    """/publish · /publish export · /publish correct TASK REASON"""
    me = await who(update, context)
    if not _office(me.person):
        await reply(update, me.t._("Publishing results is for the office."))
        return
    args = context.args or []
    if args and args[0] == "export":
        await _export(update, context, me)
        return
    if args and args[0] == "correct":
        try:
            if len(args) < 3:
                raise Refused("reason_required")
            number = await publication.correct(core(context), person_of(me), int(args[1]),
                                               " ".join(args[2:]), clock_now())
        except ValueError:
            await reply(update, me.t._("Usage: /publish correct TASK-NUMBER REASON"))
            return
        except Refused as exc:
            await reply(update, _refusal(me.t, exc))
            return
        wake_outbox(context)
        await reply(update, me.t._("Correction {number} published; it references the earlier"
                                   " publication, which stays as it was.").format(
            number=number))
        return
    await _list(update, context, me)


async def _list(update: Update, context: Context, me: Who) -> None:
    due = await publication.due_items(core(context), person_of(me), core(context).today())
    if not due:
        await reply(update, me.t._("No finished result is waiting for publication."),
                    reply_markup=InlineKeyboardMarkup([[_b(me.t._("📤 Export"), "x")]]))
        return
    late = sum(1 for d in due if d.late)
    lines = [me.t._("📢 Results waiting for publication: {n} (late: {late}). Publish within"
                    " 20 working days after the task is finished (003 第二十五条).").format(
        n=len(due), late=late), ""]
    rows = [[_b(me.t._("📢 Publish all {n}").format(n=len(due)), "all")]]
    for number, item in enumerate(due[:LISTED], start=1):
        clock = me.t._("🔴 late by {days} working days").format(days=-item.left) \
            if item.late else me.t._("{days} working days left").format(days=item.left)
        lines.append(f"{number}. {html.escape(item.target)} · {item.due.isoformat()} · {clock}")
        rows.append([_b(f"📢 {number}", "one", item.task_id),
                     _b(me.t._("🙈 Withhold {n}").format(n=number), "wh", item.task_id)])
    if len(due) > LISTED:
        lines.append(me.t._("…and {more} more.").format(more=len(due) - LISTED))
    rows.append([_b(me.t._("📤 Export"), "x")])
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def publish_button(update: Update, context: Context) -> None:
    query, me = await pressed(update, context)
    try:
        _, args = callbacks.decode(query.data)
        action = args[0]
        if not _office(me.person):
            await query.answer(me.t._("Publishing results is for the office."),
                               show_alert=True)
            return
        if action == "x":
            await query.answer()
            await _export(update, context, me)
            return
        if action == "wh":
            async with core(context).db.transaction() as tx:
                await tx.conversations.put(me.tg_user_id, WITHHOLD, "text",
                                           {"task": int(args[1])}, clock_now())
            await query.answer()
            await reply(update, me.t._("Why is this result withheld from publication (for"
                                       " example: it contains a state secret or personal"
                                       " privacy)? The reason is kept on record."))
            return
        task_ids = None if action == "all" else [int(args[1])]
        if action not in ("all", "one"):
            raise callbacks.BadCallback(query.data)
        done = await publication.publish(core(context), person_of(me), task_ids, clock_now())
        wake_outbox(context)
        await query.answer()
        text = me.t._("Published {count} results in {posts} channel posts.").format(
            count=done.count, posts=done.posts)
        if done.late:
            text += "\n" + me.t._("🔴 {late} of them were published late.").format(
                late=done.late)
        if core(context).settings.public_channel is None:
            text += "\n" + me.t._("No public channel is configured (CHOUCHA_PUBLIC_CHANNEL):"
                                  " the results are recorded and in the export only.")
        await reply(update, text)
    except (callbacks.BadCallback, IndexError, ValueError):
        await answer_stale(query, me.t)
    except Refused as exc:
        await query.answer(_refusal(me.t, exc), show_alert=True)


async def withhold_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        await publication.withhold(core(context), person_of(me), int(conversation.data["task"]),
                                   message.text, clock_now())
    except Refused as exc:
        await reply(update, _refusal(me.t, exc))
        if exc.reason == "reason_required":
            return
    else:
        await reply(update, me.t._("Withheld from publication; the reason is on record."))
    await conversations.cancel(core(context), me.tg_user_id)


async def _export(update: Update, context: Context, me: Who) -> None:
    message = update.effective_message
    assert message is not None
    xlsx, csv = await publication.export(core(context), person_of(me))
    stamp = core(context).today().isoformat()
    caption = me.t._("Published results, one row per item, for the national enterprise"
                     " credit publicity system.")
    await message.reply_document(xlsx, filename=f"publications-{stamp}.xlsx", caption=caption)
    await message.reply_document(csv, filename=f"publications-{stamp}.csv")
