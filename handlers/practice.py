"""Trying a checklist before attaching it: the form sent with the caption "try" (试填) is
asked one question per message, as a visit would ask it, and nothing is recorded."""

from __future__ import annotations

import html
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import ReplyKeyboardRemove, Update

from bot.buttons.base import Button
from bot.buttons.practice import (
    PracticeAgain,
    PracticeAttach,
    PracticeBack,
    PracticeChoose,
    PracticeDefault,
    PracticeDone,
    PracticeSkip,
    PracticeStop,
    PracticeToggle,
)
from bot.clock import now as clock_now
from bot.core import Core
from bot.rules import visit as rules
from bot.rules.models import Conversation, Person
from bot.services import practice
from bot.services.errors import Refused
from bot.services.imports import keep_upload, read_checklist
from bot.views import imports as import_words
from bot.views import practice as words
from bot.views import visits as visit_words
from bot.views.imports import reports_csv, summary_text
from handlers.common import Buttons, Context, Press, Who, office, person_of, reply, sent_file
from handlers.visits import show

FLOW = practice.FLOW


async def begin_from_file(update: Update, context: Context, me: Who, path: Path,
                          filename: str, data: bytes) -> None:
    """The form is checked as an import checks it; with no problem, its first question."""
    message = update.effective_message
    assert message is not None and me.person is not None
    report, checklist = await read_checklist(context.core, person_of(me), path, filename)
    if checklist is None:
        await reply(update, html.escape(summary_text(me.t, report)))
        if report.problems:
            stamp = clock_now().astimezone(context.core.settings.tz).strftime("%Y%m%d-%H%M")
            await message.reply_document(
                io.BytesIO(reports_csv(me.t, [report])),
                filename=f"{import_words.report_prefix(me.t)}-{stamp}.csv",
                caption=import_words.report_caption(me.t, filename))
        return
    keep_upload(context.core, report, data)  # the file an attach will name
    view = await practice.begin(context.core, person_of(me), me.person, me.tg_user_id,
                                checklist, filename, report.sha256)
    await show(update, words.render(me.t, view))


async def practice_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    """A typed answer to the question being practised."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    try:
        view = await practice.typed(context.core, me.person, me.tg_user_id, message.text,
                                    me.t.lang)
    except rules.Invalid as exc:
        await reply(update, visit_words.invalid_answer_text(me.t, exc))
        return
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        return
    await show(update, words.render(me.t, view))


async def photo_message(update: Update, context: Context, me: Who) -> None:
    """A photo (a document, a recording) for a question answered with files: checked as a
    visit checks it, counted, never downloaded or kept."""
    assert me.person is not None and update.effective_message is not None
    try:
        view = await practice.photo(context.core, me.person, me.tg_user_id,
                                    sent_file(update.effective_message).incoming)
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        return
    await show(update, words.render(me.t, view))


async def location_message(update: Update, context: Context, me: Who) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None and me.person is not None
    try:
        view = await practice.located(context.core, me.person, me.tg_user_id,
                                      message.location.latitude, message.location.longitude)
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        return
    await reply(update, visit_words.location_saved_text(me.t), reply_markup=ReplyKeyboardRemove())
    await show(update, words.render(me.t, view))


BUTTONS = Buttons(words.refusal_text, office)

Step = Callable[[Core, Person, int, Any], Awaitable[practice.PracticeView]]
STEPS: dict[type[Button], Step] = {
    PracticeChoose: lambda c, p, tg, b: practice.choose(c, p, tg, b.index, b.choice),
    PracticeToggle: lambda c, p, tg, b: practice.toggle(c, p, tg, b.index, b.choice),
    PracticeDone: lambda c, p, tg, b: practice.done(c, p, tg, b.index),
    PracticeSkip: lambda c, p, tg, b: practice.skip(c, p, tg, b.index),
    PracticeDefault: lambda c, p, tg, b: practice.use_default(c, p, tg, b.index),
    PracticeBack: lambda c, p, tg, b: practice.back(c, p, tg, b.index),
    PracticeAgain: lambda c, p, tg, b: practice.again(c, p, tg),
    PracticeStop: lambda c, p, tg, b: practice.stop(c, p, tg),
    PracticeAttach: lambda c, p, tg, b: practice.attach(c, p, tg),
}


def _shows(step: Step) -> Callable[[Press[Any]], Awaitable[None]]:
    async def run(press: Press[Any]) -> None:
        view = await step(press.context.core, press.member, press.me.tg_user_id, press.button)
        await press.query.answer()
        await show(press.update, words.render(press.me.t, view))
    return run


for _kind, _step in STEPS.items():
    BUTTONS.on(_kind)(_shows(_step))
