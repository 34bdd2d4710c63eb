"""/publish: the office publishes finished results (one, or all due), withholds one with a
reason, corrects a published one, and exports for the credit publicity system."""

from __future__ import annotations

import enum
from typing import Any

from telegram import Update

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
from bot.rules.models import Conversation, Flow, Role
from bot.services import conversations, listings, publication
from bot.services.errors import Refusal, Refused
from bot.tg.markup import markup_of
from bot.views import listings as listing_words
from bot.views import publication as words
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
)

WITHHOLD = Flow.WITHHOLD


class Publishing(enum.StrEnum):
    """What a confirmed preview publishes."""

    RESULTS = "results"
    CORRECT = "correct"
    RELEASE = "release"


CONFIRM = Flow.PUBLISH  # the tasks a preview showed, until Publish or Cancel


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
    owed = await publication.corrections_due(core, actor)
    held = await publication.withheld(core, actor)
    listed = listing_words.publish_rows(me.t, await listings.items_state(core, actor),
                                        await listings.plan_states(core, actor))
    text, markup = words.due_screen(me.t, due, len(owed), len(held), listed)
    await reply(update, text, reply_markup=markup_of(markup))


async def _corrections(update: Update, context: Context, me: Who) -> None:
    owed = await publication.corrections_due(context.core, person_of(me))
    text, markup = words.corrections_screen(me.t, owed)
    await reply(update, text, reply_markup=markup_of(markup))


async def _withheld(update: Update, context: Context, me: Who) -> None:
    held = await publication.withheld(context.core, person_of(me))
    text, markup = words.withheld_screen(me.t, held, context.core.settings.tz)
    await reply(update, text, reply_markup=markup_of(markup))


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
    await reply(press.update, words.ask_withhold_reason(press.me.t))


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
                reply_markup=markup_of(words.confirm_keyboard(t, len(shown.task_ids))))


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
        text = words.corrected_text(t)
    else:
        await publication.release(core, actor, task_ids[0], clock_now())
        text = words.released_text(t)
    await press.query.answer()
    await reply(press.update, text)


@BUTTONS.on(PublishCancel)
async def cancel(press: Press[PublishCancel]) -> None:
    await _previewed(press)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.answer()
    await reply(press.update, words.cancelled_text(press.me.t))


async def _publish(press: Press[Any], task_ids: list[int] | None) -> None:
    core, t = press.context.core, press.me.t
    done = await publication.publish(core, person_of(press.me), task_ids, clock_now())
    await press.query.answer()
    await reply(press.update, words.published_text(
        t, done, core.settings.public_channel is not None, press.member.has_role(Role.ADMIN)))


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
        await reply(update, words.withheld_text(me.t))
    await conversations.cancel(context.core, me.tg_user_id)


async def _export(update: Update, context: Context, me: Who) -> None:
    message = update.effective_message
    assert message is not None
    xlsx, csv = await publication.export(context.core, person_of(me))
    stamp = context.core.today().isoformat()
    caption = words.export_caption(me.t)
    await message.reply_document(xlsx, filename=f"publications-{stamp}.xlsx", caption=caption)
    await message.reply_document(csv, filename=f"publications-{stamp}.csv")
