"""/publish: the office publishes finished results (one, or all due), withholds one with a
reason, corrects a published one, and exports for the credit publicity system."""

from __future__ import annotations

import enum
import html
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.buttons.office import (
    PublishAll,
    PublishCancel,
    PublishConfirm,
    PublishCorrect,
    PublishCorrections,
    PublishExport,
    PublishOne,
    PublishRelease,
    PublishWithheldList,
    PublishWithhold,
)
from bot.clock import now as clock_now
from bot.i18n import Translator
from bot.rules.models import Conversation, Flow, Role
from bot.services import conversations, publication
from bot.services.errors import Refusal, Refused
from bot.views import publication as words
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

WITHHOLD = Flow.WITHHOLD


class Publishing(enum.StrEnum):
    """What a confirmed preview publishes."""

    RESULTS = "results"
    CORRECT = "correct"
    RELEASE = "release"


CONFIRM = Flow.PUBLISH  # the tasks a preview showed, until Publish or Cancel
LISTED = 10


@command(office, words.not_office_text)
async def publish_command(sent: Sent) -> None:
    """/publish · /publish export · /publish correct · /publish withheld"""
    update, context, me, args = sent.update, sent.context, sent.me, sent.args
    if args and args[0] == "export":
        await _export(update, context, me)
    elif args and args[0] == "correct":
        await _corrections(update, context, me)
    elif args and args[0] == "withheld":
        await _withheld(update, context, me)
    else:
        await _list(update, context, me)


async def _list(update: Update, context: Context, me: Who) -> None:
    core, actor = context.core, person_of(me)
    due = await publication.due_items(core, actor, core.today())
    others = [[key(me.t._("✏️ 更正 owed: {n}").format(n=len(owed)), PublishCorrections())]
              for owed in [await publication.corrections_due(core, actor)] if owed]
    others += [[key(me.t._("🙈 Withheld: {n}").format(n=len(held)), PublishWithheldList())]
               for held in [await publication.withheld(core, actor)] if held]
    others.append([key(me.t._("📤 Export"), PublishExport())])
    if not due:
        await reply(update, me.t._("No finished result is waiting for publication."),
                    reply_markup=InlineKeyboardMarkup(others))
        return
    late = sum(1 for d in due if d.late)
    lines = [me.t._("📢 Results waiting for publication: {n} (late: {late}). Publish within"
                    " 20 working days after the task is finished (003 第二十五条).").format(
        n=len(due), late=late), ""]
    rows = [[key(me.t._("📢 Publish all {n}").format(n=len(due)), PublishAll())]]
    for number, item in enumerate(due[:LISTED], start=1):
        clock = me.t._("🔴 late by {days} working days").format(days=-item.left) \
            if item.late else me.t._("{days} working days left").format(days=item.left)
        lines.append(f"{number}. {html.escape(item.target)} · {item.due.isoformat()} · {clock}")
        rows.append([key(f"📢 {number}", PublishOne(item.task_id)),
                     key(me.t._("🙈 Withhold {n}").format(n=number),
                         PublishWithhold(item.task_id))])
    if len(due) > LISTED:
        lines.append(me.t._("…and {more} more.").format(more=len(due) - LISTED))
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows + others))


async def _corrections(update: Update, context: Context, me: Who) -> None:
    """The published results whose record was corrected since, one button each."""
    owed = await publication.corrections_due(context.core, person_of(me))
    if not owed:
        await reply(update, me.t._("No 更正 is owed: no published result has a corrected"
                                   " record. A record is corrected with /correct, or from its"
                                   " task card (✏️)."))
        return
    lines = [me.t._("✏️ Corrected records of published results: {n}. Choose one to see its"
                    " 更正 before publishing it.").format(n=len(owed)), ""]
    rows = []
    for number, item in enumerate(owed[:LISTED], start=1):
        lines.append(me.t._("{n}. {target}: version {version} superseded; {reason}").format(
            n=number, target=html.escape(item.target), version=item.version,
            reason=html.escape(item.reason)))
        rows.append([key(f"✏️ {number}. {item.target[:30]}", PublishCorrect(item.task_id))])
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def _withheld(update: Update, context: Context, me: Who) -> None:
    """Results kept out of publication, with their reasons, each with a release button."""
    held = await publication.withheld(context.core, person_of(me))
    if not held:
        await reply(update, me.t._("No result is withheld from publication."))
        return
    lines = [me.t._("🙈 Withheld from publication: {n}").format(n=len(held)), ""]
    rows = []
    for number, item in enumerate(held[:LISTED], start=1):
        lines.append(me.t._("{n}. {target}: {reason} ({by}, {date})").format(
            n=number, target=html.escape(item.target), reason=html.escape(item.reason),
            by=html.escape(item.created_by),
            date=item.created_at.astimezone(context.core.settings.tz).date().isoformat()))
        rows.append([key(me.t._("📢 Release {n}").format(n=number),
                         PublishRelease(item.task_id))])
    if len(held) > LISTED:
        lines.append(me.t._("…and {more} more.").format(more=len(held) - LISTED))
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


BUTTONS = Buttons(words.refusal_text, office, Refusal.NOT_OFFICE)


@BUTTONS.on(PublishExport)
async def export(press: Press[PublishExport]) -> None:
    await press.query.answer()
    await _export(press.update, press.context, press.me)


@BUTTONS.on(PublishWithhold)
async def withhold(press: Press[PublishWithhold]) -> None:
    """Withhold one result from publication: the reason comes next, as text."""
    await conversations.begin(press.context.core, press.me.tg_user_id, WITHHOLD, "text",
                              {"task": press.button.task_id})
    await press.query.answer()
    await reply(press.update, press.me.t._(
        "Why is this result withheld from publication (for example: it contains a state"
        " secret or personal privacy)? The reason is kept on record."))


@BUTTONS.on(PublishAll)
async def publish_all(press: Press[PublishAll]) -> None:
    await _preview(press, None)


@BUTTONS.on(PublishOne)
async def publish_one(press: Press[PublishOne]) -> None:
    await _preview(press, [press.button.task_id])


@BUTTONS.on(PublishCorrections)
async def corrections(press: Press[PublishCorrections]) -> None:
    await press.query.answer()
    await _corrections(press.update, press.context, press.me)


@BUTTONS.on(PublishWithheldList)
async def withheld_list(press: Press[PublishWithheldList]) -> None:
    await press.query.answer()
    await _withheld(press.update, press.context, press.me)


@BUTTONS.on(PublishCorrect)
async def correct_one(press: Press[PublishCorrect]) -> None:
    shown = await publication.correction_preview(press.context.core, person_of(press.me),
                                                 press.button.task_id)
    await _confirm(press, Publishing.CORRECT, shown)


@BUTTONS.on(PublishRelease)
async def release_one(press: Press[PublishRelease]) -> None:
    shown = await publication.release_preview(press.context.core, person_of(press.me),
                                              press.button.task_id)
    await _confirm(press, Publishing.RELEASE, shown)


async def _preview(press: Press[Any], task_ids: list[int] | None) -> None:
    shown = await publication.preview(press.context.core, person_of(press.me), task_ids,
                                      clock_now())
    await _confirm(press, Publishing.RESULTS, shown)


async def _confirm(press: Press[Any], what: Publishing, shown: publication.Preview) -> None:
    """Publishing cannot be undone: first the exact public text, then Publish or Cancel."""
    core, t = press.context.core, press.me.t
    await conversations.begin(core, press.me.tg_user_id, CONFIRM, "confirm",
                              {"tasks": shown.task_ids, "what": what})
    await press.query.answer()
    await reply(press.update, words.preview_text(t, shown, what == Publishing.CORRECT,
                                                   core.settings.public_channel is not None),
                reply_markup=InlineKeyboardMarkup([
                    [key(t._("✅ Publish {n}").format(n=len(shown.task_ids)), PublishConfirm()),
                     key(t._("✖ Cancel"), PublishCancel())]]))


async def _previewed(press: Press[Any]) -> tuple[Publishing, list[int]]:
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    if conversation is None or conversation.flow != CONFIRM:
        raise Refused(Refusal.STALE)
    return (Publishing(conversation.data.get("what", Publishing.RESULTS)),
            [int(task_id) for task_id in conversation.data["tasks"]])


@BUTTONS.on(PublishConfirm)
async def confirm(press: Press[PublishConfirm]) -> None:
    what, task_ids = await _previewed(press)
    core, actor, t = press.context.core, person_of(press.me), press.me.t
    await conversations.cancel(core, press.me.tg_user_id)
    if what == Publishing.RESULTS:
        await _publish(press, task_ids)
        return
    if what == Publishing.CORRECT:
        await publication.correct(core, actor, task_ids[0], clock_now())
        text = t._("更正 published; it references the earlier publication, which stays as it"
                   " was.") + "\n" + _what_is_left(t)
    else:
        await publication.release(core, actor, task_ids[0], clock_now())
        text = t._("Released and published; the withholding stays on record.") + "\n" + (
            _what_is_left(t))
    await press.query.answer()
    await reply(press.update, text)


@BUTTONS.on(PublishCancel)
async def cancel(press: Press[PublishCancel]) -> None:
    await _previewed(press)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.answer()
    await reply(press.update, press.me.t._("Cancelled: nothing was published.") + "\n"
                + _what_is_left(press.me.t))


async def _publish(press: Press[Any], task_ids: list[int] | None) -> None:
    core, t = press.context.core, press.me.t
    done = await publication.publish(core, person_of(press.me), task_ids, clock_now())
    await press.query.answer()
    text = t._("Published {count} results in {posts} channel posts.").format(
        count=done.count, posts=done.posts)
    if done.late:
        text += "\n" + t._("🔴 {late} of them were published late.").format(late=done.late)
    if core.settings.public_channel is None:
        text += "\n" + t._("No public Telegram channel is set up, so the results are"
                           " recorded and published in the export (/export) only.")
        if press.member.has_role(Role.ADMIN):  # the one who configures Choucha
            text += " " + t._("To post them to a channel, set CHOUCHA_PUBLIC_CHANNEL (see the"
                              " README).")
    await reply(press.update, text + "\n" + _what_is_left(t))


def _what_is_left(t: Translator) -> str:
    return t._("/publish shows what is still to publish.")


async def withhold_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        await publication.withhold(context.core, person_of(me), int(conversation.data["task"]),
                                   message.text, clock_now())
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        if exc.reason == Refusal.REASON_REQUIRED:
            return
    else:
        await reply(update, me.t._("Withheld from publication; the reason is on record.")
                    + "\n" + _what_is_left(me.t))
    await conversations.cancel(context.core, me.tg_user_id)


async def _export(update: Update, context: Context, me: Who) -> None:
    message = update.effective_message
    assert message is not None
    xlsx, csv = await publication.export(context.core, person_of(me))
    stamp = context.core.today().isoformat()
    caption = me.t._("Published results, one row per item, for the national enterprise"
                     " credit publicity system.")
    await message.reply_document(xlsx, filename=f"publications-{stamp}.xlsx", caption=caption)
    await message.reply_document(csv, filename=f"publications-{stamp}.csv")
