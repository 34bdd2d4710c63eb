"""/tasks, the task card, Accept and the pre-check (预查比对)."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest

from bot.buttons.tasks import TaskAccept, TaskCard, TaskDetails, TaskPage, TaskRecord
from bot.i18n import Translator
from bot.rules.models import Person
from bot.services import tasks, visits
from bot.services.errors import Refusal
from bot.texts import tasks as task_words
from bot.tg.markup import markup_of
from bot.views import tasks as words
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    command,
    registered,
    reply,
)


@command()
async def tasks_command(sent: Sent) -> None:
    """/tasks: open tasks, the latest deadline first, ten a page."""
    await _send_page(sent.update, sent.context, sent.person, sent.t, 0, edit=False)


async def _send_page(update: Update, context: Context, person: Person, t: Translator,
                     page: int, edit: bool) -> None:
    mine = await tasks.my_tasks(context.core, person)
    if not mine:
        await reply(update, words.no_tasks_text(t))
        return
    text, markup = words.tasks_page(t, mine, page, context.core.today())
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(text, reply_markup=markup_of(markup), parse_mode="HTML")
    else:
        await reply(update, text, reply_markup=markup_of(markup))


BUTTONS = Buttons(words.refusal_text, registered, Refusal.NOT_MEMBER)


@BUTTONS.on(TaskPage)
async def page(press: Press[TaskPage]) -> None:
    person = press.member
    await press.query.answer()
    await _send_page(press.update, press.context, person, press.me.t, press.button.page,
                     edit=True)


@BUTTONS.on(TaskCard)
async def open_card(press: Press[TaskCard]) -> None:
    person, t = press.member, press.me.t
    card = await tasks.card(press.context.core, person, press.button.task_id)
    await press.query.answer()
    await reply(press.update, task_words.card_text(t, card, person, press.context.core.today()),
                reply_markup=markup_of(words.card_keyboard(t, card, person)))


@BUTTONS.on(TaskAccept)
async def accept(press: Press[TaskAccept]) -> None:
    person, t = press.member, press.me.t
    card = await tasks.accept(press.context.core, person, press.button.task_id)
    await press.query.answer(words.accepted_alert(t))
    text = task_words.card_text(t, card, person, press.context.core.today())
    try:
        await press.query.edit_message_text(text, parse_mode="HTML",
                                            reply_markup=markup_of(
                                                words.card_keyboard(t, card, person)))
    except BadRequest:
        await reply(press.update, text)


@BUTTONS.on(TaskRecord)
async def record(press: Press[TaskRecord]) -> None:
    """The submitted check record's PDF."""
    task_id, core = press.button.task_id, press.context.core
    found = await visits.record_of(core, press.member, task_id)
    await press.query.answer()
    message = press.update.effective_message
    assert message is not None
    await message.reply_document(visits.record_file(core, found),
                                 filename=visits.record_filename(found),
                                 caption=words.record_caption(press.me.t, found))


@BUTTONS.on(TaskDetails)
async def details(press: Press[TaskDetails]) -> None:
    person, core = press.member, press.context.core
    card = await tasks.card(core, person, press.button.task_id)
    await press.query.answer()
    await reply(press.update, task_words.details_text(press.me.t, card,
                                                 await tasks.earlier_checks(core, card)),
                reply_markup=markup_of(words.open_task_keyboard(press.me.t, card.task.id)))
